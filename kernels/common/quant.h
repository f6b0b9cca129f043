// Quantization arithmetic shared by the compiler (axle-quantize, calibration) and the tests:
// the u8 activation parameters of a range, and per-column symmetric int8 weights.
#ifndef AXLE_KERNELS_COMMON_QUANT_H_
#define AXLE_KERNELS_COMMON_QUANT_H_

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace axle {

struct QuantParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

// u8 parameters for values in [lo, hi]: the range is widened to include 0 (so that 0, the
// padding value, is exact), scale = (hi - lo) / 255, zero_point = round(-lo / scale).
inline QuantParams AsymmetricU8(float lo, float hi) {
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  QuantParams p;
  if (!(hi > lo)) return p;  // all zero: any scale represents it
  p.scale = (hi - lo) / 255.0f;
  p.zero_point = static_cast<int32_t>(std::lround(-lo / p.scale));
  p.zero_point = std::min(255, std::max(0, p.zero_point));
  return p;
}

// w [k, n] (row-major f32) -> q [k, n] int8 in [-127, 127] with scales[j] = max_i |w[i][j]| / 127
// (1 for an all-zero column) and, unless col_sums is null, col_sums[j] = sum_i q[i][j].
inline void QuantizeWeightsPerColumn(const float* w, size_t k, size_t n, int8_t* q, float* scales,
                                     int32_t* col_sums) {
  for (size_t j = 0; j < n; ++j) {
    float m = 0.0f;
    for (size_t i = 0; i < k; ++i) m = std::max(m, std::fabs(w[i * n + j]));
    scales[j] = m > 0.0f ? m / 127.0f : 1.0f;
    if (col_sums) col_sums[j] = 0;
  }
  for (size_t i = 0; i < k; ++i)
    for (size_t j = 0; j < n; ++j) {
      const float v = std::nearbyint(w[i * n + j] / scales[j]);
      const int8_t c = static_cast<int8_t>(std::min(127.0f, std::max(-127.0f, v)));
      q[i * n + j] = c;
      if (col_sums) col_sums[j] += c;
    }
}

}  // namespace axle

#endif  // AXLE_KERNELS_COMMON_QUANT_H_
