// f32 -> u8 per-tensor quantization (ONNX QuantizeLinear), AVX-512F: y = saturate(
// round_half_even(x / scale) + zero_point). The division (not a multiply by 1 / scale) and the
// round-to-nearest-even conversion make it bit-identical to ref::QuantizeLinear; NaN maps to
// the zero point as there.
#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels/x86/x86_kernels.h"

namespace axle::x86 {

void axle_quantize_u8__avx512f(const float* x, size_t n, float scale, int32_t zero_point,
                               uint8_t* y) {
  const __m512 s = _mm512_set1_ps(scale);
  const __m512 zp = _mm512_set1_ps(static_cast<float>(zero_point));
  const __m512 lo = _mm512_setzero_ps(), hi = _mm512_set1_ps(255.0f);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    __m512 q = _mm512_add_ps(
        _mm512_roundscale_ps(_mm512_div_ps(v, s), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC),
        zp);
    q = _mm512_min_ps(_mm512_max_ps(q, lo), hi);  // NaN: max_ps returns the second operand (0)
    const __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    q = _mm512_mask_mov_ps(q, nan, zp);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i),
                     _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(q)));
  }
  for (; i < n; ++i) {
    const float q = std::nearbyint(x[i] / scale) + static_cast<float>(zero_point);
    y[i] = std::isnan(q) ? static_cast<uint8_t>(zero_point)
                         : static_cast<uint8_t>(q < 0.0f     ? 0.0f
                                                : q > 255.0f ? 255.0f
                                                             : q);
  }
}

}  // namespace axle::x86
