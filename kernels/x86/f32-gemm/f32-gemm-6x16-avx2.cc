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
