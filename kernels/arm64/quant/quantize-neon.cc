// f32 -> u8 per-tensor quantization (ONNX QuantizeLinear), AArch64 NEON: y = saturate(
// round_half_even(x / scale) + zero_point), bit-identical to ref::QuantizeLinear (the division,
// FRINTN's ties-to-even, NaN to the zero point).
#include <arm_neon.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels/arm64/arm64_kernels.h"

namespace axle::arm64 {

void axle_quantize_u8__neon(const float* x, size_t n, float scale, int32_t zero_point, uint8_t* y) {
  const float32x4_t s = vdupq_n_f32(scale);
  const float32x4_t zp = vdupq_n_f32(static_cast<float>(zero_point));
  const float32x4_t lo = vdupq_n_f32(0.0f), hi = vdupq_n_f32(255.0f);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint16x4_t half[2];
    for (int h = 0; h < 2; ++h) {
      const float32x4_t v = vld1q_f32(x + i + 4 * h);
      float32x4_t q = vaddq_f32(vrndnq_f32(vdivq_f32(v, s)), zp);
      q = vminq_f32(vmaxq_f32(q, lo), hi);
      q = vbslq_f32(vceqq_f32(v, v), q, zp);  // NaN -> zero point
      half[h] = vmovn_u32(vcvtq_u32_f32(q));
    }
    vst1_u8(y + i, vmovn_u16(vcombine_u16(half[0], half[1])));
  }
  for (; i < n; ++i) {
    const float q = std::nearbyint(x[i] / scale) + static_cast<float>(zero_point);
    y[i] = std::isnan(q) ? static_cast<uint8_t>(zero_point)
                         : static_cast<uint8_t>(q < 0.0f     ? 0.0f
                                                : q > 255.0f ? 255.0f
                                                             : q);
  }
}

}  // namespace axle::arm64
