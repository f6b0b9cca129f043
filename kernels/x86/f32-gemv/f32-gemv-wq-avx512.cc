// Weight-only quantized GEMV (M = 1), AVX-512F: y[n] = sum_k x[k] * scale * w[k][n] + bias[n]
// with int8 (w8panel16) or int4 (w4panel16, per-group scales) weights dequantized in registers:
// 16 bytes (int8) or 16 bytes of nibble pairs (int4, two k) per panel widen to 16 int32,
// convert, and feed an FMA with the broadcast x[k]. Four panels are walked together: four
// memory streams in flight and four independent FMA chains.
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kernels/common/pack_wq.h"
#include "kernels/x86/x86_kernels.h"

namespace axle::x86 {
namespace {

constexpr int kPanels = 4;

__mmask16 ColumnMask(size_t p, size_t n) {
  const size_t cols = std::min<size_t>(16, n - p * 16);
  return cols >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << cols) - 1);
}

inline __m512 Int8Row(const int8_t* row) {
  return _mm512_cvtepi32_ps(
      _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row))));
}

// The two k of a byte row as floats: (nibble ^ 8) - 8 sign-extends a two's complement nibble.
inline void Int4Rows(const uint8_t* row, __m512* even, __m512* odd) {
  const __m512i low = _mm512_set1_epi32(0xF), eight = _mm512_set1_epi32(8);
  const __m512i b = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row)));
  *even = _mm512_cvtepi32_ps(
      _mm512_sub_epi32(_mm512_xor_si512(_mm512_and_si512(b, low), eight), eight));
  *odd = _mm512_cvtepi32_ps(_mm512_sub_epi32(
      _mm512_xor_si512(_mm512_and_si512(_mm512_srli_epi32(b, 4), low), eight), eight));
}

template <int NP>
void W8Panels(const float* x, size_t k, const int8_t* packed, const float* scales, size_t n,
              const float* bias, float* y, size_t p0) {
  __m512 acc[NP];
  const int8_t* w[NP];
  for (int i = 0; i < NP; ++i) acc[i] = _mm512_setzero_ps(), w[i] = packed + (p0 + i) * k * 16;
  for (size_t r = 0; r < k; ++r) {
    const __m512 xr = _mm512_set1_ps(x[r]);
#pragma GCC unroll 4
    for (int i = 0; i < NP; ++i) acc[i] = _mm512_fmadd_ps(xr, Int8Row(w[i] + r * 16), acc[i]);
  }
  for (int i = 0; i < NP; ++i) {
    const size_t c0 = (p0 + i) * 16;
    const __mmask16 m = ColumnMask(p0 + i, n);
    __m512 out = _mm512_mul_ps(acc[i], _mm512_maskz_loadu_ps(m, scales + c0));
    if (bias) out = _mm512_add_ps(out, _mm512_maskz_loadu_ps(m, bias + c0));
    _mm512_mask_storeu_ps(y + c0, m, out);
  }
}

template <int NP>
void W4Panels(const float* x, size_t k, const uint8_t* packed, const float* scales, size_t n,
              size_t group, const float* bias, float* y, size_t p0) {
  const size_t half = (k + 1) / 2;
  __m512 out[NP];
  const uint8_t* w[NP];
  __mmask16 m[NP];
  for (int i = 0; i < NP; ++i) {
    m[i] = ColumnMask(p0 + i, n);
    w[i] = packed + (p0 + i) * half * 16;
    out[i] = bias ? _mm512_maskz_loadu_ps(m[i], bias + (p0 + i) * 16) : _mm512_setzero_ps();
  }
  for (size_t g0 = 0; g0 < k; g0 += group) {
    const size_t g1 = std::min(k, g0 + group);
    __m512 acc[NP];
    for (int i = 0; i < NP; ++i) acc[i] = _mm512_setzero_ps();
    for (size_t r = g0; r < g1; r += 2) {
      const __m512 x0 = _mm512_set1_ps(x[r]);
      const __m512 x1 = _mm512_set1_ps(r + 1 < k ? x[r + 1] : 0.0f);  // the pad nibble is 0
#pragma GCC unroll 4
      for (int i = 0; i < NP; ++i) {
        __m512 even, odd;
        Int4Rows(w[i] + (r / 2) * 16, &even, &odd);
        acc[i] = _mm512_fmadd_ps(x1, odd, _mm512_fmadd_ps(x0, even, acc[i]));
      }
    }
    for (int i = 0; i < NP; ++i)
      out[i] = _mm512_fmadd_ps(
          acc[i], _mm512_maskz_loadu_ps(m[i], scales + (g0 / group) * n + (p0 + i) * 16),
          out[i]);
  }
  for (int i = 0; i < NP; ++i) _mm512_mask_storeu_ps(y + (p0 + i) * 16, m[i], out[i]);
}

}  // namespace

void axle_f32_gemv_w8__avx512f(const float* x, size_t k, const int8_t* packed, const float* scales,
                               size_t n, const float* bias, float* y, size_t p_begin,
                               size_t p_end) {
  size_t p = p_begin;
  for (; p + kPanels <= p_end; p += kPanels) W8Panels<kPanels>(x, k, packed, scales, n, bias, y, p);
  for (; p < p_end; ++p) W8Panels<1>(x, k, packed, scales, n, bias, y, p);
}

void axle_f32_gemv_w4__avx512f(const float* x, size_t k, const uint8_t* packed, const float* scales,
                               size_t n, size_t group, const float* bias, float* y, size_t p_begin,
                               size_t p_end) {
  size_t p = p_begin;
  for (; p + kPanels <= p_end; p += kPanels)
    W4Panels<kPanels>(x, k, packed, scales, n, group, bias, y, p);
  for (; p < p_end; ++p) W4Panels<1>(x, k, packed, scales, n, group, bias, y, p);
}

}  // namespace axle::x86
