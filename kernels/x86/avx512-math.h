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

// e^x on 16 floats: avx2-math.h's reduction and polynomial (same error), 2^n by vscalefps.
static inline __m512 Exp512(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.3f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_scalef_ps(p, n);
}

// Lane mask of 16-column panel v of a tile holding nr valid columns.
static inline __mmask16 PanelMask(size_t nr, int v) {
  const size_t lo = 16 * static_cast<size_t>(v);
  return nr >= lo + 16 ? 0xFFFF : nr > lo ? static_cast<__mmask16>((1u << (nr - lo)) - 1) : 0;
}

// GELU halves out of line: the GEMM tiles apply it once per tile, and inlining it into every
// tile instantiation would multiply the code size.
__attribute__((noinline)) static __m512 ActivateHalves(int act, __m512 v) {
  const __m256 lo = Activate(act, _mm512_castps512_ps256(v));
  const __m256 hi = Activate(act, _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  return _mm512_castpd_ps(
      _mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)), _mm256_castps_pd(hi), 1));
}

static inline __m512 Activate512(int act, __m512 v) {
  if (act == 0) return v;
  if (act == 1) return _mm512_max_ps(v, _mm512_setzero_ps());
  if (act == 4) return _mm512_min_ps(_mm512_max_ps(v, _mm512_setzero_ps()), _mm512_set1_ps(6.0f));
  return ActivateHalves(act, v);
}

}  // namespace axle::x86

#endif  // AXLE_KERNELS_X86_AVX512_MATH_H_
