// fp32 GEMM microkernel, 12 rows x 32 columns, AVX-512F: C[mr x nr] = epilogue(A @ W (+ C)).
// The 32 columns are two adjacent 16-column panels of the packed weight (panel_stride floats
// apart); 24 zmm accumulators, 2 weight vectors, broadcasts of A: 27 of the 32 zmm registers.
// Per k: 2 weight loads + 12 broadcasts feed 24 FMAs, so the FMA ports, not loads, bound it.
// A arrives packed by the driver as [kc][12] (lda is ignored): 12 rows lda apart would alias
// in L1 when lda is a multiple of 4 KiB.
#include <immintrin.h>

#include <cstddef>

#include "kernels/x86/avx512-math.h"
#include "kernels/x86/x86_kernels.h"

namespace axle::x86 {
namespace {

template <int MR>
void Tile(size_t nr, size_t kc, const float* a, size_t lda, const float* w, size_t panel_stride,
          float* c, size_t ldc, int flags, const float* bias, int act) {
  __m512 lo[MR], hi[MR];
  const __mmask16 m0 = nr >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << nr) - 1);
  const __mmask16 m1 = nr >= 32  ? 0xFFFF
                       : nr > 16 ? static_cast<__mmask16>((1u << (nr - 16)) - 1)
                                 : 0;
  const float* w1 = m1 ? w + panel_stride : w;  // a lone last panel reads itself twice, masked
  if (flags & kGemmAccumulate) {
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) {
      lo[r] = _mm512_maskz_loadu_ps(m0, c + r * ldc);
      hi[r] = _mm512_maskz_loadu_ps(m1, c + r * ldc + 16);
    }
  } else {
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) lo[r] = hi[r] = _mm512_setzero_ps();
  }
#pragma GCC unroll 2
  for (size_t k = 0; k < kc; ++k) {
    const __m512 w0 = _mm512_load_ps(w + k * 16);
    const __m512 wb = _mm512_load_ps(w1 + k * 16);
#pragma GCC unroll 12
    for (int r = 0; r < MR; ++r) {
      const __m512 x = _mm512_set1_ps(a[k * 12 + r]);
      lo[r] = _mm512_fmadd_ps(x, w0, lo[r]);
      hi[r] = _mm512_fmadd_ps(x, wb, hi[r]);
    }
  }
  if (flags & kGemmLast) {
    if (bias) {
      const __m512 b0 = _mm512_maskz_loadu_ps(m0, bias);
      const __m512 b1 = _mm512_maskz_loadu_ps(m1, bias + 16);
#pragma GCC unroll 12
      for (int r = 0; r < MR; ++r) {
        lo[r] = _mm512_add_ps(lo[r], b0);
        hi[r] = _mm512_add_ps(hi[r], b1);
      }
    }
    if (act != 0) {
#pragma GCC unroll 12
      for (int r = 0; r < MR; ++r) {
        lo[r] = Activate512(act, lo[r]);
        hi[r] = Activate512(act, hi[r]);
      }
    }
  }
#pragma GCC unroll 12
  for (int r = 0; r < MR; ++r) {
    _mm512_mask_storeu_ps(c + r * ldc, m0, lo[r]);
    _mm512_mask_storeu_ps(c + r * ldc + 16, m1, hi[r]);
  }
}

}  // namespace

void axle_f32_gemm_ukernel_12x32__avx512f(size_t mr, size_t nr, size_t kc, const float* a,
                                          size_t lda, const float* w, size_t panel_stride, float* c,
                                          size_t ldc, int flags, const float* bias, int act) {
  switch (mr) {
  case 12: return Tile<12>(nr, kc, a, lda, w, panel_stride, c, ldc, flags, bias, act);
  case 11: return Tile<11>(nr, kc, a, lda, w, panel_stride, c, ldc, flags, bias, act);
  case 10: return Tile<10>(nr, kc, a, lda, w, panel_stride, c, ldc, flags, bias, act);
  case 9: return Tile<9>(nr, kc, a, lda, w, panel_stride, c, ldc, flags, bias, act);
  case 8: return Tile<8>(nr, kc, a, lda, w, panel_stride, c, ldc, flags, bias, act);
  case 7: return Tile<7>(nr, kc, a, lda, w, panel_stride, c, ldc, flags, bias, act);
  case 6: return Tile<6>(nr, kc, a, lda, w, panel_stride, c, ldc, flags, bias, act);
  case 5: return Tile<5>(nr, kc, a, lda, w, panel_stride, c, ldc, flags, bias, act);
  case 4: return Tile<4>(nr, kc, a, lda, w, panel_stride, c, ldc, flags, bias, act);
  case 3: return Tile<3>(nr, kc, a, lda, w, panel_stride, c, ldc, flags, bias, act);
  case 2: return Tile<2>(nr, kc, a, lda, w, panel_stride, c, ldc, flags, bias, act);
  case 1: return Tile<1>(nr, kc, a, lda, w, panel_stride, c, ldc, flags, bias, act);
  default: return;
  }
}

}  // namespace axle::x86
