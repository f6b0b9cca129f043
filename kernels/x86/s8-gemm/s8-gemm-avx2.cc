// int8 GEMM on AVX2 (no VNNI): u8 activations x s8 weights -> s32, exact.
//
// vpmaddubsw would add two u8 x s8 products into a saturating int16 (255 * -128 * 2 = -65280
// does not fit): wrong results, silently, at the extremes. Here both operands are widened to
// int16 first and multiplied with vpmaddwd, whose pairwise int32 sums cannot overflow
// (2 * 255 * 128 < 2^31), so every sum is exact, at twice the instructions of vpmaddubsw.
//
// Same operands as the VNNI kernel (A packed [quads][8] int32 of 4 u8, W three s8panel16x4
// panels): the 8 x 48 call is swept as 2-row x 16-column sub-tiles (8 int32 accumulators of
// column pairs, reduced with hadd at the end).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/x86/avx2-math.h"
#include "kernels/x86/x86_kernels.h"

namespace axle::x86 {
namespace {

// Rows r0, r0 + 1 (rows = 1 or 2) x the 16 columns of one panel (cols valid of them).
void Tile2x16(size_t rows, size_t cols, size_t quads, const int32_t* a, size_t r0, const int8_t* w,
              const S8Epilogue& e, size_t col0, float* c, size_t ldc) {
  __m256i acc[2][4];
  for (int r = 0; r < 2; ++r)
    for (int i = 0; i < 4; ++i) acc[r][i] = _mm256_setzero_si256();
  for (size_t q = 0; q < quads; ++q) {
    const int8_t* wq = w + q * 64;
    __m256i wv[4];
    for (int i = 0; i < 4; ++i)  // columns 4i..4i+3, their 4 k each, as int16
      wv[i] = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wq + 16 * i)));
    for (size_t r = 0; r < rows; ++r) {
      // The row's 4 u8 of this quad as int16 (a0 a1 a2 a3), repeated over the 4 columns.
      const __m128i a16 = _mm_cvtepu8_epi16(_mm_cvtsi32_si128(a[q * 8 + r0 + r]));
      const __m256i ab = _mm256_broadcastq_epi64(a16);
      for (int i = 0; i < 4; ++i)
        acc[r][i] = _mm256_add_epi32(acc[r][i], _mm256_madd_epi16(ab, wv[i]));
    }
  }
  // acc[r][i] lanes: (col 4i: 2 partial sums, col 4i+1: 2, ...). Pair sums, then column order.
  const __m256i order = _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7);
  for (int half = 0; half < 2; ++half) {
    const size_t c_lo = 8 * static_cast<size_t>(half);
    if (c_lo >= cols) break;
    const int n = static_cast<int>(cols - c_lo < 8 ? cols - c_lo : 8);
    const __m256i mask = FirstLanes(n);
    const __m256i sums = _mm256_maskload_epi32(e.col_sums + col0 + c_lo, mask);
    const __m256i corr = _mm256_mullo_epi32(sums, _mm256_set1_epi32(e.a_zero_point));
    const __m256 scale = _mm256_mul_ps(_mm256_set1_ps(e.a_scale),
                                       _mm256_maskload_ps(e.w_scales + col0 + c_lo, mask));
    const __m256 b = e.bias ? _mm256_maskload_ps(e.bias + col0 + c_lo, mask) : _mm256_setzero_ps();
    for (size_t r = 0; r < rows; ++r) {
      const __m256i s = _mm256_permutevar8x32_epi32(
          _mm256_hadd_epi32(acc[r][2 * half], acc[r][2 * half + 1]), order);
      const __m256 f = _mm256_cvtepi32_ps(_mm256_sub_epi32(s, corr));
      _mm256_maskstore_ps(c + (r0 + r) * ldc + col0 + c_lo, mask,
                          Activate(e.act, _mm256_fmadd_ps(f, scale, b)));
    }
  }
}

}  // namespace

void axle_s8_gemm_ukernel_8x48__avx2(size_t mr, size_t nr, size_t quads, const int32_t* a,
                                     const int8_t* w, size_t panel_stride, const S8Epilogue& e,
                                     float* c, size_t ldc) {
  for (size_t v = 0; v * 16 < nr; ++v) {
    const size_t cols = nr - v * 16 < 16 ? nr - v * 16 : 16;
    for (size_t r0 = 0; r0 < mr; r0 += 2)
      Tile2x16(mr - r0 < 2 ? 1 : 2, cols, quads, a, r0, w + v * panel_stride, e, v * 16, c, ldc);
  }
}

}  // namespace axle::x86
