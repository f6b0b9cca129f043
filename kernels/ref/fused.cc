// Reference kernels of the fused operations: Linear (with its activation epilogue), multi-head
// Attention, Gelu, RMS normalization and the fused elementwise program. Accumulate in double.
#include <algorithm>
#include <cmath>

#include "kernels/common/pack_s8.h"
#include "kernels/common/pack_wq.h"
#include "kernels/ref/broadcast.h"
#include "kernels/ref/ref_kernels.h"
#include "kernels/ref/scalar_ops.h"

namespace axle::ref {
namespace {

constexpr double kSqrtHalf = 0.70710678118654752440;
constexpr double kSqrtTwoOverPi = 0.79788456080286535588;

double GeluValue(double x, bool tanh_approximation) {
  if (tanh_approximation)
    return 0.5 * x * (1.0 + std::tanh(kSqrtTwoOverPi * (x + 0.044715 * x * x * x)));
  return 0.5 * x * (1.0 + std::erf(x * kSqrtHalf));
}

double Activate(Activation act, double v) {
  switch (act) {
  case Activation::kNone: return v;
  case Activation::kRelu: return v > 0 ? v : 0.0;
  case Activation::kGelu: return GeluValue(v, false);
  case Activation::kGeluTanh: return GeluValue(v, true);
  case Activation::kRelu6: return v > 0 ? (v < 6 ? v : 6.0) : 0.0;
  }
  return v;
}

}  // namespace

// Rows [row_begin, row_end) of y = x @ w (+ bias), blocked so that a panel of w is reused by
// kRows rows while its double accumulators stay in L1.
void MatMulRows(const float* x, const float* w, const float* bias, Activation act, int64_t k,
                int64_t n, int64_t row_begin, int64_t row_end, float* y) {
  constexpr int64_t kRows = 4, kCols = 128;
  double acc[kRows][kCols];
  for (int64_t i0 = row_begin; i0 < row_end; i0 += kRows) {
    const int64_t rows = std::min(kRows, row_end - i0);
    for (int64_t j0 = 0; j0 < n; j0 += kCols) {
      const int64_t cols = std::min(kCols, n - j0);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < cols; ++j) acc[r][j] = bias ? bias[j0 + j] : 0.0;
      for (int64_t p = 0; p < k; ++p) {
        const float* wp = w + p * n + j0;
        for (int64_t r = 0; r < rows; ++r) {
          const double xv = x[(i0 + r) * k + p];
          for (int64_t j = 0; j < cols; ++j) acc[r][j] += xv * static_cast<double>(wp[j]);
        }
      }
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < cols; ++j)
          y[(i0 + r) * n + j0 + j] = static_cast<float>(Activate(act, acc[r][j]));
    }
  }
}

void Linear(const TensorView& x, const TensorView& w, const TensorView* bias, Activation act,
            const TensorView& y, const Parallel* par, const TensorView* residual) {
  const int64_t k = w.shape.dims[0], n = w.shape.dims[1];
  const int64_t m = k ? x.NumElements() / k : y.NumElements() / (n ? n : 1);
  const float* px = x.As<float>();
  const float* pw = w.As<float>();
  const float* pb = bias ? bias->As<float>() : nullptr;
  float* py = y.As<float>();
  constexpr int64_t kRowsPerTask = 8;
  const float* pr = residual ? residual->As<float>() : nullptr;
  ParallelFor(par, (m + kRowsPerTask - 1) / kRowsPerTask, [&](int64_t begin, int64_t end) {
    const int64_t r0 = begin * kRowsPerTask, r1 = std::min(m, end * kRowsPerTask);
    MatMulRows(px, pw, pb, act, k, n, r0, r1, py);
    if (pr)
      for (int64_t i = r0 * n; i < r1 * n; ++i) py[i] += pr[i];
  });
}

void LinearPanel16(const TensorView& x, const float* packed, int64_t k, int64_t n,
                   const TensorView* bias, Activation act, const TensorView& y, const Parallel* par,
                   const TensorView* residual) {
  const float* pr = residual ? residual->As<float>() : nullptr;
  const int64_t m = y.NumElements() / (n ? n : 1);
  const float* px = x.As<float>();
  const float* pb = bias ? bias->As<float>() : nullptr;
  float* py = y.As<float>();
  ParallelFor(par, m, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      for (int64_t j = 0; j < n; ++j) {
        const float* panel = packed + (j / 16) * k * 16 + j % 16;
        double acc = pb ? pb[j] : 0.0;
        for (int64_t p = 0; p < k; ++p) acc += static_cast<double>(px[i * k + p]) * panel[p * 16];
        py[i * n + j] = static_cast<float>(Activate(act, acc)) + (pr ? pr[i * n + j] : 0.0f);
      }
  });
}

void LinearConvPanel16(const TensorView& x, const Window& win, const float* packed, int64_t k,
                       int64_t n, const TensorView* bias, Activation act, const TensorView& y,
                       const Parallel* par, const TensorView* residual) {
  const int64_t h = x.shape.dims[1], w = x.shape.dims[2], c = x.shape.dims[3];
  const int64_t oh = y.shape.dims[1], ow = y.shape.dims[2];
  const float* pr = residual ? residual->As<float>() : nullptr;
  const float* px = x.As<float>();
  const float* pb = bias ? bias->As<float>() : nullptr;
  float* py = y.As<float>();
  ParallelFor(par, y.NumElements() / (n ? n : 1), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t b = i / (oh * ow), oy = i / ow % oh, ox = i % ow;
      for (int64_t j = 0; j < n; ++j) {
        const float* panel = packed + (j / 16) * k * 16 + j % 16;
        double acc = pb ? pb[j] : 0.0;
        for (int64_t p = 0; p < k; ++p) {
          const int64_t tap = p / c, ch = p % c;
          const int64_t iy =
              oy * win.strides[0] - win.pads[0] + tap / win.kernel[1] * win.dilations[0];
          const int64_t ix =
              ox * win.strides[1] - win.pads[1] + tap % win.kernel[1] * win.dilations[1];
          if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
          acc += static_cast<double>(px[((b * h + iy) * w + ix) * c + ch]) * panel[p * 16];
        }
        py[i * n + j] = static_cast<float>(Activate(act, acc)) + (pr ? pr[i * n + j] : 0.0f);
      }
    }
  });
}

void Attention(const TensorView& q, const TensorView& k, const TensorView& v,
               const TensorView* mask, const AttentionConfig& config, const TensorView& y,
               const Parallel* par) {
  const int64_t batch = q.shape.dims[0], sq = q.shape.dims[1], sk = k.shape.dims[1];
  const int64_t heads = config.num_heads;
  const int64_t kv_heads = config.kv_heads > 0 ? config.kv_heads : heads;
  const int64_t dk = q.shape.dims[2] / heads, dv = v.shape.dims[2] / kv_heads;
  const float* pq = q.As<float>();
  const float* pk = k.As<float>();
  const float* pv = v.As<float>();
  float* py = y.As<float>();
  // Mask element strides over (batch, head, query, key), 0 along broadcast dimensions.
  int64_t ms[4] = {0, 0, 0, 0};
  if (mask) {
    Shape full;
    full.rank = 4;
    full.dims[0] = batch;
    full.dims[1] = heads;
    full.dims[2] = sq;
    full.dims[3] = sk;
    BroadcastStrides(mask->shape, full, ms);
  }
  const float* mask_f = mask && config.mask == MaskMode::kAdditive ? mask->As<float>() : nullptr;
  const uint8_t* mask_b =
      mask && config.mask != MaskMode::kAdditive ? mask->As<uint8_t>() : nullptr;
  const uint8_t keep = config.mask == MaskMode::kKeepTrue ? 1 : 0;
  ParallelFor(par, batch * heads * sq, [&](int64_t begin, int64_t end) {
    double acc[kMaxAttentionHeadDim];
    for (int64_t row = begin; row < end; ++row) {
      const int64_t i = row % sq, h = (row / sq) % heads, b = row / (sq * heads);
      const float* qi = pq + (b * sq + i) * heads * dk + h * dk;
      // Online softmax (running max m and sum l): exact, one pass over the keys.
      double m = -INFINITY, l = 0;
      for (int64_t d = 0; d < dv; ++d) acc[d] = 0;
      for (int64_t j = 0; j < sk; ++j) {
        const int64_t g = h / (heads / kv_heads);  // the K/V head of query head h
        const float* kj = pk + (b * sk + j) * kv_heads * dk + g * dk;
        double s = 0;
        for (int64_t d = 0; d < dk; ++d) s += static_cast<double>(qi[d]) * kj[d];
        s *= config.scale;
        const int64_t mo = b * ms[0] + h * ms[1] + i * ms[2] + j * ms[3];
        if (mask_f) s += mask_f[mo];
        if (mask_b && (mask_b[mo] != 0) != (keep != 0)) s = config.mask_fill;
        if (s == -INFINITY) continue;
        const float* vj = pv + (b * sk + j) * kv_heads * dv + g * dv;
        if (s > m) {
          const double c = std::exp(m - s);  // 0 on the first key
          for (int64_t d = 0; d < dv; ++d) acc[d] *= c;
          l *= c;
          m = s;
        }
        const double p = std::exp(s - m);
        l += p;
        for (int64_t d = 0; d < dv; ++d) acc[d] += p * vj[d];
      }
      float* yi = py + (b * sq + i) * heads * dv + h * dv;
      // Every key masked with -inf: ONNX Runtime's softmax gives NaN; so does this, unless the
      // graph replaced that NaN by 0 (zero_empty_rows).
      const double inv = l > 0 ? 1.0 / l : (config.zero_empty_rows ? 0.0 : NAN);
      for (int64_t d = 0; d < dv; ++d) yi[d] = static_cast<float>(acc[d] * inv);
    }
  });
}

void GemvW8(const float* x, int64_t k, const int8_t* packed, const float* scales, int64_t n,
            const float* bias, float* y) {
  for (int64_t j = 0; j < n; ++j) {
    const int8_t* w = packed + (j / 16) * k * 16 + j % 16;
    double acc = 0;
    for (int64_t r = 0; r < k; ++r) acc += static_cast<double>(x[r]) * w[r * 16];
    y[j] = static_cast<float>(acc * scales[j] + (bias ? bias[j] : 0.0));
  }
}

void GemvW4(const float* x, int64_t k, const uint8_t* packed, const float* scales, int64_t n,
            int64_t group, const float* bias, float* y) {
  const int64_t half = (k + 1) / 2;
  for (int64_t j = 0; j < n; ++j) {
    const uint8_t* w = packed + (j / 16) * half * 16 + j % 16;
    double acc = bias ? bias[j] : 0.0;
    for (int64_t r = 0; r < k; ++r) {
      const int nibble = (w[(r / 2) * 16] >> (4 * (r % 2))) & 0xF;
      const int q = nibble >= 8 ? nibble - 16 : nibble;
      acc += static_cast<double>(x[r]) * q * scales[(r / group) * n + j];
    }
    y[j] = static_cast<float>(acc);
  }
}

void GemmU8S8(const uint8_t* x, int64_t m, int64_t k, float a_scale, int32_t a_zero_point,
              const int8_t* w, const float* w_scales, int64_t n, const float* bias, Activation act,
              float* y) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      int64_t acc = 0;
      for (int64_t p = 0; p < k; ++p)
        acc += (static_cast<int64_t>(x[i * k + p]) - a_zero_point) * w[p * n + j];
      const double v = static_cast<double>(a_scale) * w_scales[j] * static_cast<double>(acc) +
                       (bias ? bias[j] : 0.0);
      y[i * n + j] = static_cast<float>(Activate(act, v));
    }
}

void ActivateRows(float* y, int64_t m, int64_t n, Activation act, const float* residual) {
  for (int64_t i = 0; i < m * n; ++i) {
    if (act != Activation::kNone) y[i] = static_cast<float>(Activate(act, y[i]));
    if (residual) y[i] += residual[i];
  }
}

void QuantizeLinear(const TensorView& x, float scale, int32_t zero_point, const TensorView& y) {
  const float* px = x.As<float>();
  const int64_t n = x.NumElements();
  const bool u8 = y.dtype == DType::kU8;
  const int32_t lo = u8 ? 0 : -128, hi = u8 ? 255 : 127;
  for (int64_t i = 0; i < n; ++i) {
    // nearbyint rounds half to even in the default rounding mode, as ONNX specifies.
    const float q = std::nearbyint(px[i] / scale) + static_cast<float>(zero_point);
    const int32_t v =
        std::isnan(q)
            ? zero_point
            : static_cast<int32_t>(std::min<float>(std::max<float>(q, static_cast<float>(lo)), hi));
    if (u8)
      y.As<uint8_t>()[i] = static_cast<uint8_t>(v);
    else
      y.As<int8_t>()[i] = static_cast<int8_t>(v);
  }
}

void DequantizeLinear(const TensorView& x, float scale, int32_t zero_point, const TensorView& y) {
  float* py = y.As<float>();
  const int64_t n = x.NumElements();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t v = x.dtype == DType::kU8   ? x.As<uint8_t>()[i]
                      : x.dtype == DType::kI8 ? x.As<int8_t>()[i]
                                              : x.As<int32_t>()[i];
    py[i] = static_cast<float>(v - zero_point) * scale;
  }
}

void LinearInt8(const uint8_t* x, int64_t m, int64_t k, float x_scale, int32_t x_zero_point,
                const int8_t* w, S8Layout layout, const float* w_scales, int64_t n,
                const float* bias, Activation act, const float* residual, float* y) {
  const int64_t quads = static_cast<int64_t>(S8KQuads(static_cast<size_t>(k)));
  auto weight = [&](int64_t p, int64_t j) -> int32_t {
    switch (layout) {
    case S8Layout::kPanel16x4: return w[((j / 16) * quads + p / 4) * 64 + 4 * (j % 16) + p % 4];
    case S8Layout::kPanel16x8:
      return w[S8Panel16x8Offset(static_cast<size_t>(quads), static_cast<size_t>(p),
                                 static_cast<size_t>(j))];
    default: return w[p * n + j];
    }
  };
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      int64_t acc = 0;
      for (int64_t p = 0; p < k; ++p)
        acc += (static_cast<int64_t>(x[i * k + p]) - x_zero_point) * weight(p, j);
      const double v = static_cast<double>(x_scale) * w_scales[j] * static_cast<double>(acc) +
                       (bias ? bias[j] : 0.0);
      y[i * n + j] = static_cast<float>(Activate(act, v)) + (residual ? residual[i * n + j] : 0.0f);
    }
}

void BroadcastStridesOf(const Shape& in, const Shape& out, int64_t* strides) {
  BroadcastStrides(in, out, strides);
}

void Gelu(const TensorView& x, bool tanh_approximation, const TensorView& y) {
  const float* px = x.As<float>();
  float* py = y.As<float>();
  const int64_t n = x.NumElements();
  for (int64_t i = 0; i < n; ++i) py[i] = static_cast<float>(GeluValue(px[i], tanh_approximation));
}

void RmsNorm(const TensorView& x, const TensorView& scale, int axis, float epsilon,
             const TensorView& y) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= x.shape.dims[d];
  for (int d = axis; d < x.shape.rank; ++d) inner *= x.shape.dims[d];
  const float* px = x.As<float>();
  const float* ps = scale.As<float>();
  const bool scalar_scale = scale.NumElements() == 1;
  float* py = y.As<float>();
  for (int64_t o = 0; o < outer; ++o) {
    const float* xs = px + o * inner;
    double ms = 0;
    for (int64_t i = 0; i < inner; ++i) ms += static_cast<double>(xs[i]) * xs[i];
    const double r = 1.0 / std::sqrt((inner ? ms / inner : 0.0) + epsilon);
    for (int64_t i = 0; i < inner; ++i)
      py[o * inner + i] = static_cast<float>(xs[i] * r * ps[scalar_scale ? 0 : i]);
  }
}

// --- Fused elementwise programs ---

namespace {

bool ProgramBinary(uint8_t op) { return op <= static_cast<uint8_t>(BinaryOp::kMax); }

bool ProgramUnary(uint8_t op) {
  switch (static_cast<UnaryOp>(op)) {
  case UnaryOp::kClip:
  case UnaryOp::kLeakyRelu:
  case UnaryOp::kNot:
  case UnaryOp::kIdentity: return false;
  default: return op <= static_cast<uint8_t>(UnaryOp::kSign);
  }
}

}  // namespace

const char* CheckElementwiseProgram(const uint8_t* code, int64_t size, int num_inputs,
                                    int64_t num_constants, int64_t* at) {
  int depth = 0;
  if (size <= 0 || size % 2 != 0) {
    *at = 0;
    return "the program is empty or not a sequence of (instruction, argument) byte pairs";
  }
  for (int64_t pc = 0; pc < size; pc += 2) {
    *at = pc / 2;
    const uint8_t arg = code[pc + 1];
    switch (static_cast<ElementwiseInstr>(code[pc])) {
    case ElementwiseInstr::kLoad:
      if (arg >= num_inputs) return "loads an input the step does not have";
      if (++depth > kMaxElementwiseStack) return "overflows the evaluation stack";
      break;
    case ElementwiseInstr::kConst:
      if (arg >= num_constants) return "reads a constant the program does not have";
      if (++depth > kMaxElementwiseStack) return "overflows the evaluation stack";
      break;
    case ElementwiseInstr::kBinary:
      if (!ProgramBinary(arg)) return "names a binary operation outside the arithmetic ones";
      if (--depth < 1) return "pops an empty evaluation stack";
      break;
    case ElementwiseInstr::kUnary:
      if (!ProgramUnary(arg)) return "names a unary operation a program cannot use";
      if (depth < 1) return "pops an empty evaluation stack";
      break;
    case ElementwiseInstr::kGelu:
      if (arg > 1) return "names a GELU form other than 0 (erf) or 1 (tanh)";
      if (depth < 1) return "pops an empty evaluation stack";
      break;
    default: return "has an unknown instruction";
    }
  }
  *at = size / 2;
  return depth == 1 ? nullptr : "leaves other than one value on the evaluation stack";
}

void FusedElementwise(const uint8_t* code, int64_t size, const float* constants,
                      const TensorView* const* inputs, int num_inputs, const TensorView& y,
                      const Parallel* par) {
  const int rank = y.shape.rank;
  const int64_t inner = rank ? y.shape.dims[rank - 1] : 1;
  const int64_t outer = inner ? y.NumElements() / inner : 0;
  int64_t strides[kMaxElementwiseInputs][kMaxRank];
  for (int k = 0; k < num_inputs; ++k) BroadcastStrides(inputs[k]->shape, y.shape, strides[k]);
  float* py = y.As<float>();
  ParallelFor(par, outer, [&](int64_t begin, int64_t end) {
    constexpr int64_t kChunk = 64;
    double stack[kMaxElementwiseStack][kChunk];
    for (int64_t o = begin; o < end; ++o) {
      int64_t base[kMaxElementwiseInputs];
      BroadcastRowBase(o, y.shape, strides, num_inputs, base);
      for (int64_t j0 = 0; j0 < inner; j0 += kChunk) {
        const int64_t n = std::min(kChunk, inner - j0);
        int sp = 0;
        for (int64_t pc = 0; pc < size; pc += 2) {
          const uint8_t arg = code[pc + 1];
          switch (static_cast<ElementwiseInstr>(code[pc])) {
          case ElementwiseInstr::kLoad: {
            const float* src = inputs[arg]->As<float>() + base[arg];
            const int64_t s = rank ? strides[arg][rank - 1] : 0;
            for (int64_t j = 0; j < n; ++j) stack[sp][j] = src[(j0 + j) * s];
            ++sp;
            break;
          }
          case ElementwiseInstr::kConst:
            for (int64_t j = 0; j < n; ++j) stack[sp][j] = constants[arg];
            ++sp;
            break;
          case ElementwiseInstr::kBinary:
            --sp;
            for (int64_t j = 0; j < n; ++j)
              stack[sp - 1][j] =
                  FloatBinary(static_cast<BinaryOp>(arg), stack[sp - 1][j], stack[sp][j]);
            break;
          case ElementwiseInstr::kUnary:
            for (int64_t j = 0; j < n; ++j)
              stack[sp - 1][j] = UnaryScalar(static_cast<UnaryOp>(arg), stack[sp - 1][j], 0, 0);
            break;
          case ElementwiseInstr::kGelu:
            for (int64_t j = 0; j < n; ++j) stack[sp - 1][j] = GeluValue(stack[sp - 1][j], arg);
            break;
          }
        }
        for (int64_t j = 0; j < n; ++j) py[o * inner + j0 + j] = static_cast<float>(stack[0][j]);
      }
    }
  });
}

}  // namespace axle::ref
