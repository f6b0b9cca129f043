// LayerNorm over rows of `inner` floats, AVX-512F: mean and variance in two passes (the
// variance from the deviations, as the reference computes it, not E[x^2] - E[x]^2), then
// y = (x - mean) * rstd * scale + bias. Sums in f32 over 4 vector accumulators, the mean's of
// the row shifted by its first element; against the reference's double sums: within 5e-5
// (relative + absolute) even for rows whose mean is 1000x their spread (cpu_kernels_test).
#include <immintrin.h>

#include <cmath>
#include <cstddef>

#include "kernels/x86/x86_kernels.h"

namespace axle::x86 {
namespace {

// Sum of (x - shift), or of (x - shift)^2 with `square`.
float Sum(const float* x, size_t n, float shift, bool square) {
  __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
                   _mm512_setzero_ps()};
  const __m512 s = _mm512_set1_ps(shift);
  size_t i = 0;
  for (; i + 64 <= n; i += 64)
    for (int j = 0; j < 4; ++j) {
      const __m512 d = _mm512_sub_ps(_mm512_loadu_ps(x + i + 16 * j), s);
      acc[j] = square ? _mm512_fmadd_ps(d, d, acc[j]) : _mm512_add_ps(acc[j], d);
    }
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << (n - i)) - 1);
    const __m512 d = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, x + i), s);
    acc[0] = square ? _mm512_fmadd_ps(d, d, acc[0]) : _mm512_add_ps(acc[0], d);
  }
  return _mm512_reduce_add_ps(
      _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
}

}  // namespace

void axle_f32_layernorm__avx512f(const float* x, size_t rows, size_t inner, const float* scale,
                                 const float* bias, float epsilon, float* y) {
  for (size_t r = 0; r < rows; ++r) {
    const float* xs = x + r * inner;
    float* ys = y + r * inner;
    // The mean of the row shifted by its first element: small summands, so the f32 sum does
    // not lose the low bits of rows far from zero.
    const float pivot = inner ? xs[0] : 0.0f;
    const float mu =
        inner ? pivot + Sum(xs, inner, pivot, false) / static_cast<float>(inner) : 0.0f;
    const float var = inner ? Sum(xs, inner, mu, true) / static_cast<float>(inner) : 0.0f;
    const __m512 rstd = _mm512_set1_ps(1.0f / std::sqrt(var + epsilon));
    const __m512 m = _mm512_set1_ps(mu);
    for (size_t i = 0; i < inner; i += 16) {
      const __mmask16 k =
          inner - i >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << (inner - i)) - 1);
      const __m512 v = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, xs + i), m), rstd);
      const __m512 b = bias ? _mm512_maskz_loadu_ps(k, bias + i) : _mm512_setzero_ps();
      _mm512_mask_storeu_ps(ys + i, k, _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(k, scale + i), b));
    }
  }
}

}  // namespace axle::x86
