// The depthwise convolution kernel over channels-last [N, H, W, C], written once over a vector
// traits type V (kernels/x86/f32-dwconv/ and kernels/arm64/f32-dwconv/ instantiate it with their
// ISA's flags). Per output row and block of V::kLanes channels, the block's kh x kw filter taps
// are loaded once and stay in registers across the row's output positions; each position is a
// chain of FMAs over its in-bounds taps, then the bias and activation. Channels past the last
// whole vector take a scalar loop.
//
// V provides: type T, kLanes, Zero, Set1, LoadU, StoreU, Fma, Max, Min.
#ifndef AXLE_KERNELS_CPU_DWCONV_KERNEL_H_
#define AXLE_KERNELS_CPU_DWCONV_KERNEL_H_

#include <algorithm>
#include <cmath>

#include "kernels/cpu/cpu_kernels.h"

namespace axle::cpu {

template <typename V>
void DepthwiseRows(const DepthwiseArgs& a, int64_t row_begin, int64_t row_end) {
  using T = typename V::T;
  constexpr int kMaxTaps = 25;  // 5x5 in registers (spilled where the ISA has fewer)
  const int64_t taps = a.kh * a.kw;
  const float hi = a.act == 4 ? 6.0f : INFINITY;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t n = row / a.oh, oy = row % a.oh;
    float* out_row = a.y + row * a.ow * a.c;
    int64_t c0 = 0;
    for (; c0 + V::kLanes <= a.c && taps <= kMaxTaps; c0 += V::kLanes) {
      T wv[kMaxTaps];
      for (int64_t t = 0; t < taps; ++t) wv[t] = V::LoadU(a.w + t * a.c + c0);
      const T bias = a.bias ? V::LoadU(a.bias + c0) : V::Zero();
      for (int64_t ox = 0; ox < a.ow; ++ox) {
        T acc = bias;
        for (int64_t ky = 0; ky < a.kh; ++ky) {
          const int64_t iy = oy * a.stride[0] - a.pad[0] + ky * a.dilation[0];
          if (iy < 0 || iy >= a.h) continue;
          const float* in_row = a.x + ((n * a.h + iy) * a.w_in) * a.c + c0;
          for (int64_t kx = 0; kx < a.kw; ++kx) {
            const int64_t ix = ox * a.stride[1] - a.pad[1] + kx * a.dilation[1];
            if (ix < 0 || ix >= a.w_in) continue;
            acc = V::Fma(V::LoadU(in_row + ix * a.c), wv[ky * a.kw + kx], acc);
          }
        }
        if (a.act == 1 || a.act == 4) acc = V::Min(V::Max(acc, V::Zero()), V::Set1(hi));
        V::StoreU(out_row + ox * a.c + c0, acc);
      }
    }
    for (; c0 < a.c; ++c0)  // the channels past the last whole vector
      for (int64_t ox = 0; ox < a.ow; ++ox) {
        float acc = a.bias ? a.bias[c0] : 0.0f;
        for (int64_t ky = 0; ky < a.kh; ++ky) {
          const int64_t iy = oy * a.stride[0] - a.pad[0] + ky * a.dilation[0];
          if (iy < 0 || iy >= a.h) continue;
          for (int64_t kx = 0; kx < a.kw; ++kx) {
            const int64_t ix = ox * a.stride[1] - a.pad[1] + kx * a.dilation[1];
            if (ix < 0 || ix >= a.w_in) continue;
            acc +=
                a.x[((n * a.h + iy) * a.w_in + ix) * a.c + c0] * a.w[(ky * a.kw + kx) * a.c + c0];
          }
        }
        if (a.act == 1 || a.act == 4) acc = std::min(std::max(acc, 0.0f), hi);
        out_row[ox * a.c + c0] = acc;
      }
  }
}

}  // namespace axle::cpu

#endif  // AXLE_KERNELS_CPU_DWCONV_KERNEL_H_
