// fp32 GEMM microkernel, 6 rows x 16 columns, AVX2 + FMA: C[mr x nr] = epilogue(A @ W (+ C)).
// W is one 16-column panel of the packed weight (kc rows of 16 floats, see kernels/common/
// pack.h); A rows are read in place (row stride lda). 12 accumulators, 2 weight vectors and one
// broadcast: 15 of the 16 ymm registers.
#include <immintrin.h>

#include <cstddef>

#include "kernels/x86/avx2-math.h"
#include "kernels/x86/x86_kernels.h"

namespace axle::x86 {
namespace {

template <int MR>
void Tile(size_t nr, size_t kc, const float* a, size_t lda, const float* w, float* c, size_t ldc,
          int flags, const float* bias, int act) {
  __m256 lo[MR], hi[MR];
  const bool full = nr == 16;
  const __m256i m0 = FirstLanes(nr < 8 ? static_cast<int>(nr) : 8);
  const __m256i m1 = FirstLanes(nr > 8 ? static_cast<int>(nr - 8) : 0);
  if (flags & kGemmAccumulate) {
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      lo[r] = full ? _mm256_loadu_ps(c + r * ldc) : _mm256_maskload_ps(c + r * ldc, m0);
      hi[r] = full ? _mm256_loadu_ps(c + r * ldc + 8) : _mm256_maskload_ps(c + r * ldc + 8, m1);
    }
  } else {
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) lo[r] = hi[r] = _mm256_setzero_ps();
  }
#pragma GCC unroll 4
  for (size_t k = 0; k < kc; ++k) {
    const __m256 w0 = _mm256_load_ps(w + k * 16);
    const __m256 w1 = _mm256_load_ps(w + k * 16 + 8);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
      const __m256 x = _mm256_broadcast_ss(a + r * lda + k);
      lo[r] = _mm256_fmadd_ps(x, w0, lo[r]);
      hi[r] = _mm256_fmadd_ps(x, w1, hi[r]);
    }
  }
  if (flags & kGemmLast) {
    if (bias) {
      const __m256 b0 = full ? _mm256_loadu_ps(bias) : _mm256_maskload_ps(bias, m0);
      const __m256 b1 = full ? _mm256_loadu_ps(bias + 8) : _mm256_maskload_ps(bias + 8, m1);
#pragma GCC unroll 6
      for (int r = 0; r < MR; ++r) {
        lo[r] = _mm256_add_ps(lo[r], b0);
        hi[r] = _mm256_add_ps(hi[r], b1);
      }
    }
    if (act != 0) {
#pragma GCC unroll 6
      for (int r = 0; r < MR; ++r) {
        lo[r] = Activate(act, lo[r]);
        hi[r] = Activate(act, hi[r]);
      }
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) {
    if (full) {
      _mm256_storeu_ps(c + r * ldc, lo[r]);
      _mm256_storeu_ps(c + r * ldc + 8, hi[r]);
    } else {
      _mm256_maskstore_ps(c + r * ldc, m0, lo[r]);
      _mm256_maskstore_ps(c + r * ldc + 8, m1, hi[r]);
    }
  }
}

}  // namespace

void axle_f32_gemm_ukernel_6x16__avx2_fma(size_t mr, size_t nr, size_t kc, const float* a,
                                          size_t lda, const float* w, size_t /*panel_stride*/,
                                          float* c, size_t ldc, int flags, const float* bias,
                                          int act) {
  switch (mr) {
  case 6: return Tile<6>(nr, kc, a, lda, w, c, ldc, flags, bias, act);
  case 5: return Tile<5>(nr, kc, a, lda, w, c, ldc, flags, bias, act);
  case 4: return Tile<4>(nr, kc, a, lda, w, c, ldc, flags, bias, act);
  case 3: return Tile<3>(nr, kc, a, lda, w, c, ldc, flags, bias, act);
  case 2: return Tile<2>(nr, kc, a, lda, w, c, ldc, flags, bias, act);
  case 1: return Tile<1>(nr, kc, a, lda, w, c, ldc, flags, bias, act);
  default: return;
  }
}

}  // namespace axle::x86

namespace axle::x86 {

// 8 x 8 transposes: rows x[0..rows) (row stride ld, rows <= 8; missing rows read as zero) to
// tile[kk * 8 + i] for kk < kc. Tail columns (kc % 8) scalar.
void axle_f32_pack_a8__avx2(const float* x, size_t ld, size_t rows, size_t kc, float* tile) {
  const __m256 zero = _mm256_setzero_ps();
  size_t kk = 0;
  for (; kk + 8 <= kc; kk += 8) {
    __m256 r[8];
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i)
      r[i] = static_cast<size_t>(i) < rows ? _mm256_loadu_ps(x + i * ld + kk) : zero;
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    float* o = tile + kk * 8;
    _mm256_store_ps(o + 0, _mm256_permute2f128_ps(s0, s4, 0x20));
    _mm256_store_ps(o + 8, _mm256_permute2f128_ps(s1, s5, 0x20));
    _mm256_store_ps(o + 16, _mm256_permute2f128_ps(s2, s6, 0x20));
    _mm256_store_ps(o + 24, _mm256_permute2f128_ps(s3, s7, 0x20));
    _mm256_store_ps(o + 32, _mm256_permute2f128_ps(s0, s4, 0x31));
    _mm256_store_ps(o + 40, _mm256_permute2f128_ps(s1, s5, 0x31));
    _mm256_store_ps(o + 48, _mm256_permute2f128_ps(s2, s6, 0x31));
    _mm256_store_ps(o + 56, _mm256_permute2f128_ps(s3, s7, 0x31));
  }
  for (; kk < kc; ++kk)
    for (size_t i = 0; i < 8; ++i) tile[kk * 8 + i] = i < rows ? x[i * ld + kk] : 0.0f;
}

}  // namespace axle::x86
