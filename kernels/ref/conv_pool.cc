// Reference convolution, transposed convolution, pooling and padding over [N, C, D1, ..., Dr]
// (any spatial rank r). Direct loops: the oracle for optimized kernels, not the fast path.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/ref/dtype_visit.h"
#include "kernels/ref/ref_kernels.h"

namespace axle::ref {
namespace {

int64_t Product(const int64_t* v, int n) {
  int64_t p = 1;
  for (int i = 0; i < n; ++i) p *= v[i];
  return p;
}

// Advances a multi-index over `dims`; false after the last one.
bool Next(int64_t* index, const int64_t* dims, int rank) {
  for (int d = rank - 1; d >= 0; --d) {
    if (++index[d] < dims[d]) return true;
    index[d] = 0;
  }
  return false;
}

// The flat input offset of output position o and kernel position k (`in_dims` the input's
// spatial dims); false when it falls in the padding. Shared by convolution and pooling.
bool WindowOffset(const Window& win, const int64_t* o, const int64_t* k, const int64_t* in_dims,
                  int64_t* off) {
  *off = 0;
  for (int d = 0; d < win.rank; ++d) {
    const int64_t pos = o[d] * win.strides[d] - win.pads[d] + k[d] * win.dilations[d];
    if (pos < 0 || pos >= in_dims[d]) return false;
    *off = *off * in_dims[d] + pos;
  }
  return true;
}

}  // namespace

void Conv(const TensorView& x, const TensorView& w, const TensorView* bias, const Window& win,
          int64_t group, const TensorView& y, const Parallel* par) {
  const int r = win.rank;
  const int64_t batch = x.shape.dims[0], channels = x.shape.dims[1], maps = y.shape.dims[1];
  const int64_t cg = channels / group, mg = maps / group;
  const int64_t* in_dims = x.shape.dims + 2;
  const int64_t* out_dims = y.shape.dims + 2;
  const int64_t in_size = Product(in_dims, r), out_size = Product(out_dims, r);
  const int64_t ksize = Product(win.kernel, r);
  const float* px = x.As<float>();
  const float* pw = w.As<float>();
  const float* pb = bias ? bias->As<float>() : nullptr;
  float* py = y.As<float>();
  ParallelFor(par, batch * maps, [&](int64_t begin, int64_t end) {
    for (int64_t nm = begin; nm < end; ++nm) {
      const int64_t n = nm / maps, m = nm % maps, g = m / mg;
      const float* w_m = pw + m * cg * ksize;
      const float* x_g = px + (n * channels + g * cg) * in_size;
      float* y_nm = py + nm * out_size;
      int64_t o[kMaxRank] = {};
      for (int64_t op = 0; op < out_size; ++op) {
        float acc = pb ? pb[m] : 0.0f;
        int64_t k[kMaxRank] = {};
        for (int64_t kk = 0; kk < ksize; ++kk) {
          int64_t off;
          if (WindowOffset(win, o, k, in_dims, &off))
            for (int64_t c = 0; c < cg; ++c) acc += x_g[c * in_size + off] * w_m[c * ksize + kk];
          Next(k, win.kernel, r);
        }
        y_nm[op] = acc;
        Next(o, out_dims, r);
      }
    }
  });
}

void ConvTranspose(const TensorView& x, const TensorView& w, const TensorView* bias,
                   const Window& win, int64_t group, const TensorView& y) {
  const int r = win.rank;
  const int64_t batch = x.shape.dims[0], channels = x.shape.dims[1], maps = y.shape.dims[1];
  const int64_t cg = channels / group, mg = maps / group;
  const int64_t* in_dims = x.shape.dims + 2;
  const int64_t* out_dims = y.shape.dims + 2;
  const int64_t in_size = Product(in_dims, r), out_size = Product(out_dims, r);
  const int64_t ksize = Product(win.kernel, r);
  const float* px = x.As<float>();
  const float* pw = w.As<float>();
  float* py = y.As<float>();
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t m = 0; m < maps; ++m) {
      const float b = bias ? bias->As<float>()[m] : 0.0f;
      for (int64_t i = 0; i < out_size; ++i) py[(n * maps + m) * out_size + i] = b;
    }
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t g = c / cg;
      const float* x_c = px + (n * channels + c) * in_size;
      int64_t i[kMaxRank] = {};
      for (int64_t ip = 0; ip < in_size; ++ip) {
        const float v = x_c[ip];
        int64_t k[kMaxRank] = {};
        for (int64_t kk = 0; kk < ksize; ++kk) {
          int64_t off;  // the transpose: input position i scatters to output position `off`
          if (WindowOffset(win, i, k, out_dims, &off))
            for (int64_t mm = 0; mm < mg; ++mm)
              py[(n * maps + g * mg + mm) * out_size + off] += v * pw[(c * mg + mm) * ksize + kk];
          Next(k, win.kernel, r);
        }
        Next(i, in_dims, r);
      }
    }
}

void Pool(const TensorView& x, const Window& win, PoolMode mode, bool count_include_pad, int64_t p,
          const TensorView& y) {
  const int r = win.rank;
  const int64_t planes = x.shape.dims[0] * x.shape.dims[1];
  const int64_t* in_dims = x.shape.dims + 2;
  const int64_t* out_dims = y.shape.dims + 2;
  const int64_t in_size = Product(in_dims, r), out_size = Product(out_dims, r);
  const int64_t ksize = Product(win.kernel, r);
  const float* px = x.As<float>();
  float* py = y.As<float>();
  for (int64_t plane = 0; plane < planes; ++plane) {
    const float* xp = px + plane * in_size;
    int64_t o[kMaxRank] = {};
    for (int64_t op = 0; op < out_size; ++op) {
      double acc = mode == PoolMode::kMax ? -std::numeric_limits<double>::infinity() : 0.0;
      int64_t count = 0, padded_count = 0;
      int64_t k[kMaxRank] = {};
      for (int64_t kk = 0; kk < ksize; ++kk) {
        int64_t off = 0;
        bool inside = true, in_padded = true;
        for (int d = 0; d < r; ++d) {
          const int64_t pos = o[d] * win.strides[d] - win.pads[d] + k[d] * win.dilations[d];
          inside &= pos >= 0 && pos < in_dims[d];
          in_padded &= pos >= -win.pads[d] && pos < in_dims[d] + win.pads[r + d];
          off = off * in_dims[d] + pos;
        }
        padded_count += in_padded;
        if (inside) {
          const double v = xp[off];
          ++count;
          if (mode == PoolMode::kMax) {
            if (v > acc || std::isnan(v)) acc = v;
          } else if (mode == PoolMode::kAverage) {
            acc += v;
          } else {
            acc += std::pow(std::fabs(v), static_cast<double>(p));
          }
        }
        Next(k, win.kernel, r);
      }
      if (mode == PoolMode::kAverage) {
        const int64_t divisor = count_include_pad ? padded_count : count;
        acc = divisor > 0 ? acc / divisor : 0.0;
      } else if (mode == PoolMode::kLp) {
        acc = std::pow(acc, 1.0 / static_cast<double>(p));
      }
      py[plane * out_size + op] = static_cast<float>(acc);
      Next(o, out_dims, r);
    }
  }
}

void Pad(const TensorView& x, const int64_t* pads, PadMode mode, double value,
         const TensorView& y) {
  const int r = x.shape.rank;
  const int64_t total = y.NumElements();
  if (total == 0) return;
  VisitNumeric(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.As<T>();
    T* py = y.As<T>();
    const T fill = static_cast<T>(value);
    int64_t o[kMaxRank] = {};
    for (int64_t i = 0; i < total; ++i) {
      int64_t off = 0;
      bool inside = true;
      for (int d = 0; d < r; ++d) {
        const int64_t n = x.shape.dims[d];
        int64_t pos = o[d] - pads[d];
        if (pos < 0 || pos >= n) {
          if (mode == PadMode::kConstant || n == 0) {
            inside = false;
            break;
          }
          if (mode == PadMode::kEdge) {
            pos = pos < 0 ? 0 : n - 1;
          } else if (mode == PadMode::kWrap) {
            pos = ((pos % n) + n) % n;
          } else if (n == 1) {
            pos = 0;
          } else {  // reflect, without repeating the edge
            const int64_t period = 2 * (n - 1);
            pos = ((pos % period) + period) % period;
            if (pos >= n) pos = period - pos;
          }
        }
        off = off * n + pos;
      }
      py[i] = inside ? px[off] : fill;
      Next(o, y.shape.dims, r);
    }
  });
}

KernelResult Resample(const TensorView& x, const TensorView& indices, const TensorView& weights,
                      float extrapolation, const TensorView& y) {
  const int r = x.shape.rank;
  const int64_t taps = indices.shape.dims[1];
  const int64_t* pi = indices.As<int64_t>();
  const float* pw = weights.As<float>();
  int64_t first_row[kMaxRank], row = 0;
  for (int d = 0; d < r; ++d) {
    first_row[d] = row;
    for (int64_t o = 0; o < y.shape.dims[d]; ++o)
      for (int64_t k = 0; k < taps; ++k) {
        const int64_t at = (row + o) * taps + k, i = pi[at];
        if (i < -1 || i >= x.shape.dims[d]) return {KernelError::kIndexOutOfRange, at, i, 1};
      }
    row += y.shape.dims[d];
  }
  int64_t strides[kMaxRank], stride = 1;
  for (int d = r - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= x.shape.dims[d];
  }
  const float* px = x.As<float>();
  float* py = y.As<float>();
  const int64_t total = y.NumElements();
  int64_t o[kMaxRank] = {};
  for (int64_t e = 0; e < total; ++e) {
    // Walk the tap combinations of every axis, skipping zero weights.
    bool extrapolate = false;
    for (int d = 0; d < r && !extrapolate; ++d) extrapolate = pi[(first_row[d] + o[d]) * taps] < 0;
    double acc = 0;
    if (!extrapolate) {
      int64_t t[kMaxRank] = {};
      for (;;) {
        double w = 1;
        int64_t off = 0;
        for (int d = 0; d < r && w != 0; ++d) {
          const int64_t at = (first_row[d] + o[d]) * taps + t[d];
          w *= pw[at];
          off += pi[at] * strides[d];
        }
        if (w != 0) acc += w * px[off];
        int d = r - 1;
        for (; d >= 0; --d) {
          if (++t[d] < taps) break;
          t[d] = 0;
        }
        if (d < 0) break;
      }
    }
    py[e] = extrapolate ? extrapolation : static_cast<float>(acc);
    Next(o, y.shape.dims, r);
  }
  return {};
}

namespace {

// Reflects x into [lo, hi] by its nearer border, as ONNX's reference does.
double Reflect(double x, double lo, double hi) {
  const double range = hi - lo;
  if (range <= 0) return lo;
  if (x < lo || x > hi) {
    const double dx = x < lo ? lo - x : x - hi;
    const double n = std::floor(dx / range), r = dx - n * range;
    const bool even = std::fmod(n, 2.0) == 0.0;
    return x < lo ? (even ? lo + r : hi - r) : (even ? hi - r : lo + r);
  }
  return x;
}

// Keys' cubic convolution weights of the taps at -1, 0, 1, 2 for a fraction t (a = -0.75).
void CubicWeights(double t, double* w) {
  const double a = -0.75, s = 1 - t;
  w[0] = ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a;
  w[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
  w[2] = ((a + 2) * s - (a + 3)) * s * s + 1;
  w[3] = ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a;
}

struct Taps {
  int64_t index[4];  // -1: a zero (outside, zeros padding)
  double weight[4];
  int count = 0;
};

// The taps of one coordinate (already denormalized) along a dimension of `len` pixels.
Taps SampleTaps(double x, int64_t len, SampleMode mode, SamplePadding padding, bool align_corners) {
  const double lo = align_corners ? 0.0 : -0.5, hi = align_corners ? len - 1.0 : len - 0.5;
  if (std::isnan(x)) x = lo - 1;  // outside on every side
  if (mode == SampleMode::kNearest) x = std::nearbyint(x);
  if (x < lo || x > hi) {
    if (padding == SamplePadding::kBorder) x = std::min(std::max(x, 0.0), len - 1.0);
    if (padding == SamplePadding::kReflection) x = Reflect(x, lo, hi);
  }
  x = std::min(std::max(x, -1e9), 1e9);  // far outside is outside; keeps the casts defined
  auto pixel = [&](int64_t i) -> int64_t {
    if (padding == SamplePadding::kZeros) return i >= 0 && i < len ? i : -1;
    if (padding == SamplePadding::kBorder) return i < 0 ? 0 : (i >= len ? len - 1 : i);
    return static_cast<int64_t>(Reflect(static_cast<double>(i), lo, hi));
  };
  Taps t;
  if (mode == SampleMode::kNearest) {
    t.count = 1;
    t.index[0] = pixel(static_cast<int64_t>(x));
    t.weight[0] = 1;
    return t;
  }
  const double x0 = std::floor(x), f = x - x0;
  const int64_t i0 = static_cast<int64_t>(x0);
  if (mode == SampleMode::kLinear) {
    t.count = 2;
    t.index[0] = pixel(i0);
    t.index[1] = pixel(i0 + 1);
    t.weight[0] = 1 - f;
    t.weight[1] = f;
    return t;
  }
  t.count = 4;
  CubicWeights(f, t.weight);
  for (int k = 0; k < 4; ++k) t.index[k] = pixel(i0 - 1 + k);
  return t;
}

}  // namespace

void GridSample(const TensorView& x, const TensorView& grid, SampleMode mode, SamplePadding padding,
                bool align_corners, const TensorView& y) {
  const int64_t batch = x.shape.dims[0], channels = x.shape.dims[1];
  const int64_t h = x.shape.dims[2], w = x.shape.dims[3];
  const int64_t oh = y.shape.dims[2], ow = y.shape.dims[3];
  const float* px = x.As<float>();
  const float* pg = grid.As<float>();
  float* py = y.As<float>();
  auto denormalize = [&](double v, int64_t len) {
    return align_corners ? (v + 1) / 2 * (len - 1) : ((v + 1) * len - 1) / 2;
  };
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        const float* g = pg + ((n * oh + i) * ow + j) * 2;
        const Taps tx = SampleTaps(denormalize(g[0], w), w, mode, padding, align_corners);
        const Taps ty = SampleTaps(denormalize(g[1], h), h, mode, padding, align_corners);
        for (int64_t c = 0; c < channels; ++c) {
          const float* plane = px + (n * channels + c) * h * w;
          double acc = 0;
          for (int a = 0; a < ty.count; ++a)
            for (int b = 0; b < tx.count; ++b)
              if (ty.index[a] >= 0 && tx.index[b] >= 0)
                acc += ty.weight[a] * tx.weight[b] * plane[ty.index[a] * w + tx.index[b]];
          py[((n * channels + c) * oh + i) * ow + j] = static_cast<float>(acc);
        }
      }
}

}  // namespace axle::ref

namespace axle::ref {

void Im2ColNhwc(const TensorView& x, const Window& win, const TensorView& y, const Parallel* par) {
  const int64_t batch = x.shape.dims[0], h = x.shape.dims[1], w = x.shape.dims[2],
                c = x.shape.dims[3];
  const int64_t oh = y.shape.dims[1], ow = y.shape.dims[2];
  const int64_t kh = win.kernel[0], kw = win.kernel[1];
  const float* px = x.As<float>();
  float* py = y.As<float>();
  const size_t run = static_cast<size_t>(c) * sizeof(float);
  ParallelFor(par, batch * oh, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t n = row / oh, oy = row % oh;
      float* out = py + row * ow * kh * kw * c;
      for (int64_t ox = 0; ox < ow; ++ox)
        for (int64_t ky = 0; ky < kh; ++ky) {
          const int64_t iy = oy * win.strides[0] - win.pads[0] + ky * win.dilations[0];
          for (int64_t kx = 0; kx < kw; ++kx, out += c) {
            const int64_t ix = ox * win.strides[1] - win.pads[1] + kx * win.dilations[1];
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
              std::fill(out, out + c, 0.0f);
              continue;
            }
            const float* in = px + ((n * h + iy) * w + ix) * c;
            if (c <= 4) {  // a stem's 3 channels: a memcpy call would cost more than the copy
              for (int64_t ch = 0; ch < 4; ++ch)
                if (ch < c) out[ch] = in[ch];
            } else {
              std::memcpy(out, in, run);
            }
          }
        }
    }
  });
}

void DepthwiseConvNhwc(const TensorView& x, const TensorView& w, const TensorView* bias,
                       const Window& win, Activation act, const TensorView& y,
                       const Parallel* par) {
  const int64_t batch = x.shape.dims[0], h = x.shape.dims[1], wd = x.shape.dims[2],
                c = x.shape.dims[3];
  const int64_t oh = y.shape.dims[1], ow = y.shape.dims[2];
  const int64_t kh = win.kernel[0], kw = win.kernel[1];
  const float* px = x.As<float>();
  const float* pw = w.As<float>();
  const float* pb = bias ? bias->As<float>() : nullptr;
  float* py = y.As<float>();
  ParallelFor(par, batch * oh, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t n = row / oh, oy = row % oh;
      for (int64_t ox = 0; ox < ow; ++ox) {
        float* out = py + (row * ow + ox) * c;
        for (int64_t ch = 0; ch < c; ++ch) out[ch] = pb ? pb[ch] : 0.0f;
        for (int64_t ky = 0; ky < kh; ++ky) {
          const int64_t iy = oy * win.strides[0] - win.pads[0] + ky * win.dilations[0];
          if (iy < 0 || iy >= h) continue;
          for (int64_t kx = 0; kx < kw; ++kx) {
            const int64_t ix = ox * win.strides[1] - win.pads[1] + kx * win.dilations[1];
            if (ix < 0 || ix >= wd) continue;
            const float* in = px + ((n * h + iy) * wd + ix) * c;
            const float* f = pw + (ky * kw + kx) * c;
            for (int64_t ch = 0; ch < c; ++ch) out[ch] += in[ch] * f[ch];
          }
        }
        if (act == Activation::kRelu || act == Activation::kRelu6) {
          const float hi = act == Activation::kRelu6 ? 6.0f : INFINITY;
          for (int64_t ch = 0; ch < c; ++ch) out[ch] = std::min(std::max(out[ch], 0.0f), hi);
        }
      }
    }
  });
}

}  // namespace axle::ref

namespace axle::ref {

void PoolNhwc(const TensorView& x, const Window& win, PoolMode mode, bool count_include_pad,
              const TensorView& y, const Parallel* par) {
  const int64_t batch = x.shape.dims[0], h = x.shape.dims[1], w = x.shape.dims[2],
                c = x.shape.dims[3];
  const int64_t oh = y.shape.dims[1], ow = y.shape.dims[2];
  const int64_t kh = win.kernel[0], kw = win.kernel[1];
  const float* px = x.As<float>();
  float* py = y.As<float>();
  const bool is_max = mode == PoolMode::kMax;
  ParallelFor(par, batch * oh, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t n = row / oh, oy = row % oh;
      for (int64_t ox = 0; ox < ow; ++ox) {
        float* out = py + (row * ow + ox) * c;
        for (int64_t ch = 0; ch < c; ++ch) out[ch] = is_max ? -INFINITY : 0.0f;
        int64_t count = 0;
        for (int64_t ky = 0; ky < kh; ++ky) {
          const int64_t iy = oy * win.strides[0] - win.pads[0] + ky * win.dilations[0];
          for (int64_t kx = 0; kx < kw; ++kx) {
            const int64_t ix = ox * win.strides[1] - win.pads[1] + kx * win.dilations[1];
            const bool inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
            // A padded position counts in an average only with count_include_pad (and only
            // within the padded extent, as ONNX defines it).
            if (!inside) {
              if (!is_max && count_include_pad && iy >= -win.pads[0] && iy < h + win.pads[2] &&
                  ix >= -win.pads[1] && ix < w + win.pads[3])
                ++count;
              continue;
            }
            ++count;
            const float* in = px + ((n * h + iy) * w + ix) * c;
            if (is_max)
              for (int64_t ch = 0; ch < c; ++ch) out[ch] = std::max(out[ch], in[ch]);
            else
              for (int64_t ch = 0; ch < c; ++ch) out[ch] += in[ch];
          }
        }
        if (!is_max) {
          const float inv = count ? 1.0f / static_cast<float>(count) : 0.0f;
          for (int64_t ch = 0; ch < c; ++ch) out[ch] *= inv;
        }
      }
    }
  });
}

}  // namespace axle::ref
