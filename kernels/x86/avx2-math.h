// Vectorized exp, erf, tanh and GELU on 8 floats (AVX2 + FMA). Include only from translation
// units compiled with -mavx2 -mfma. Maximum errors against libm in double, measured on a 1e-3
// grid over [-20, 20] plus tiny values (tests/kernels/cpu_kernels_test.cc,
// X86Math.MaxErrorWithinStatedBounds, which asserts the bounds in brackets):
//   exp:  relative 1.2e-7 [2e-7]      (Cody-Waite reduction + degree-6 polynomial)
//   erf:  absolute 4.2e-7 [5e-7]      (Abramowitz & Stegun 7.1.26 with this exp)
//   tanh: absolute 1.3e-7 [2e-7]      (1 - 2 / (exp(2x) + 1), odd-symmetric)
//   GELU: 2.6e-7 (erf form), 6.0e-7 (tanh form), relative to 1 + |GELU(x)| [3e-7, 7e-7]
#ifndef AXLE_KERNELS_X86_AVX2_MATH_H_
#define AXLE_KERNELS_X86_AVX2_MATH_H_

#include <immintrin.h>

namespace axle::x86 {

// e^x: x = n ln2 + r, |r| <= ln2/2, e^r by a degree-6 polynomial, 2^n through the exponent.
static inline __m256 Exp(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i e =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

// erf(x) = sign(x) (1 - t (a1 + t (a2 + ...)) e^{-x^2}), t = 1 / (1 + p |x|).
static inline __m256 Erf(__m256 x) {
  const __m256 sign = _mm256_and_ps(x, _mm256_set1_ps(-0.0f));
  const __m256 ax = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
  const __m256 t = _mm256_div_ps(
      _mm256_set1_ps(1.0f), _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), ax, _mm256_set1_ps(1.0f)));
  __m256 y = _mm256_set1_ps(1.061405429f);
  y = _mm256_fmadd_ps(y, t, _mm256_set1_ps(-1.453152027f));
  y = _mm256_fmadd_ps(y, t, _mm256_set1_ps(1.421413741f));
  y = _mm256_fmadd_ps(y, t, _mm256_set1_ps(-0.284496736f));
  y = _mm256_fmadd_ps(y, t, _mm256_set1_ps(0.254829592f));
  y = _mm256_mul_ps(y, t);
  const __m256 e = Exp(_mm256_mul_ps(_mm256_mul_ps(ax, ax), _mm256_set1_ps(-1.0f)));
  const __m256 r = _mm256_fnmadd_ps(y, e, _mm256_set1_ps(1.0f));
  return _mm256_or_ps(r, sign);
}

static inline __m256 Tanh(__m256 x) {
  const __m256 sign = _mm256_and_ps(x, _mm256_set1_ps(-0.0f));
  const __m256 ax = _mm256_min_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), x), _mm256_set1_ps(9.0f));
  const __m256 e = Exp(_mm256_add_ps(ax, ax));
  const __m256 r =
      _mm256_sub_ps(_mm256_set1_ps(1.0f),
                    _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
  return _mm256_or_ps(r, sign);
}

static inline __m256 GeluErf(__m256 x) {
  const __m256 e = Erf(_mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f)));
  return _mm256_mul_ps(_mm256_mul_ps(x, _mm256_set1_ps(0.5f)),
                       _mm256_add_ps(e, _mm256_set1_ps(1.0f)));
}

static inline __m256 GeluTanh(__m256 x) {
  const __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
  const __m256 inner = _mm256_mul_ps(_mm256_set1_ps(0.79788456080286535f),
                                     _mm256_fmadd_ps(x3, _mm256_set1_ps(0.044715f), x));
  return _mm256_mul_ps(_mm256_mul_ps(x, _mm256_set1_ps(0.5f)),
                       _mm256_add_ps(Tanh(inner), _mm256_set1_ps(1.0f)));
}

// act: 0 none, 1 relu, 2 gelu (erf), 3 gelu (tanh): ref::Activation's numbering.
static inline __m256 Activate(int act, __m256 v) {
  switch (act) {
  case 1: return _mm256_max_ps(v, _mm256_setzero_ps());
  case 2: return GeluErf(v);
  case 3: return GeluTanh(v);
  case 4: return _mm256_min_ps(_mm256_max_ps(v, _mm256_setzero_ps()), _mm256_set1_ps(6.0f));
  default: return v;
  }
}

// Lane mask with the first n (0..8) lanes set, for masked loads and stores.
static inline __m256i FirstLanes(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Sum of the 8 lanes.
static inline float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

static inline float HorizontalMax(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

}  // namespace axle::x86

#endif  // AXLE_KERNELS_X86_AVX2_MATH_H_
