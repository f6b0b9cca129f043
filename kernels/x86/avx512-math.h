// Activations on 16 floats (AVX-512F), for the GEMM epilogue: the AVX2 approximations of
// avx2-math.h (same polynomials, same stated errors) applied to each 256-bit half, so the two
// ISAs round identically. Include only from translation units compiled with -mavx512f (which
// implies AVX2 + FMA).
#ifndef AXLE_KERNELS_X86_AVX512_MATH_H_
#define AXLE_KERNELS_X86_AVX512_MATH_H_

#include <immintrin.h>

#include <cstddef>

#include "kernels/x86/avx2-math.h"

namespace axle::x86 {

// Lane mask of 16-column panel v of a tile holding nr valid columns.
static inline __mmask16 PanelMask(size_t nr, int v) {
  const size_t lo = 16 * static_cast<size_t>(v);
  return nr >= lo + 16 ? 0xFFFF : nr > lo ? static_cast<__mmask16>((1u << (nr - lo)) - 1) : 0;
}

static inline __m512 Activate512(int act, __m512 v) {
  if (act == 1) return _mm512_max_ps(v, _mm512_setzero_ps());
  const __m256 lo = Activate(act, _mm512_castps512_ps256(v));
  const __m256 hi = Activate(act, _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  return _mm512_castpd_ps(
      _mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)), _mm256_castps_pd(hi), 1));
}

}  // namespace axle::x86

#endif  // AXLE_KERNELS_X86_AVX512_MATH_H_
