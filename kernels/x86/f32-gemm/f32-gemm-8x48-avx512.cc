// fp32 GEMM microkernel, 8 rows x 48 columns, AVX-512F: C[mr x nr] = epilogue(A @ W (+ C)).
// The 48 columns are three adjacent 16-column panels of the packed weight (panel_stride floats
// apart); 24 zmm accumulators, 3 weight vectors, one broadcast of A: 28 of 32 zmm registers.
// Per k: 3 weight loads + 8 broadcasts feed 24 FMAs, so the FMA ports, not loads, bound it.
// A arrives packed by the driver as [kc][8] (lda is ignored): 8 rows lda apart would alias in
// L1 when lda is a multiple of 4 KiB.
#include <immintrin.h>

#include <cstddef>

#include "kernels/x86/avx512-math.h"
#include "kernels/x86/x86_kernels.h"

namespace axle::x86 {
namespace {

// A tile of MR rows x kNV 16-column vectors. The driver hands the last panels of a row as a
// narrower tile (nr <= 32 or 16): kNV = 2 or 1 instead of masking whole vectors of FMAs away
// (a 64-column output was 48 + a 3-vector tile with one vector in use: 67% of the FMAs useful).
template <int MR, int kNV>
void Tile(size_t nr, size_t kc, const float* a, const float* w, size_t panel_stride, float* c,
          size_t ldc, int flags, const float* bias, int act) {
  __m512 acc[MR][kNV];
  __mmask16 mask[kNV];
  const float* panel[kNV];
  for (int v = 0; v < kNV; ++v) {
    mask[v] = PanelMask(nr, v);
    panel[v] = mask[v] ? w + v * panel_stride : w;  // absent panels re-read the first, masked
  }
  if (flags & kGemmAccumulate) {
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 3
      for (int v = 0; v < kNV; ++v)
        acc[r][v] = _mm512_maskz_loadu_ps(mask[v], c + r * ldc + 16 * v);
  } else {
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 3
      for (int v = 0; v < kNV; ++v) acc[r][v] = _mm512_setzero_ps();
  }
#pragma GCC unroll 2
  for (size_t k = 0; k < kc; ++k) {
    __m512 wv[kNV];
#pragma GCC unroll 3
    for (int v = 0; v < kNV; ++v) wv[v] = _mm512_load_ps(panel[v] + k * 16);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m512 x = _mm512_set1_ps(a[k * 8 + r]);
#pragma GCC unroll 3
      for (int v = 0; v < kNV; ++v) acc[r][v] = _mm512_fmadd_ps(x, wv[v], acc[r][v]);
    }
  }
  if (flags & kGemmLast) {
#pragma GCC unroll 3
    for (int v = 0; v < kNV; ++v) {
      const __m512 b = bias ? _mm512_maskz_loadu_ps(mask[v], bias + 16 * v) : _mm512_setzero_ps();
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) acc[r][v] = Activate512(act, _mm512_add_ps(acc[r][v], b));
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 3
    for (int v = 0; v < kNV; ++v) _mm512_mask_storeu_ps(c + r * ldc + 16 * v, mask[v], acc[r][v]);
}

template <int kNV>
void Rows(size_t mr, size_t nr, size_t kc, const float* a, const float* w, size_t panel_stride,
          float* c, size_t ldc, int flags, const float* bias, int act) {
  switch (mr) {
  case 8: return Tile<8, kNV>(nr, kc, a, w, panel_stride, c, ldc, flags, bias, act);
  case 7: return Tile<7, kNV>(nr, kc, a, w, panel_stride, c, ldc, flags, bias, act);
  case 6: return Tile<6, kNV>(nr, kc, a, w, panel_stride, c, ldc, flags, bias, act);
  case 5: return Tile<5, kNV>(nr, kc, a, w, panel_stride, c, ldc, flags, bias, act);
  case 4: return Tile<4, kNV>(nr, kc, a, w, panel_stride, c, ldc, flags, bias, act);
  case 3: return Tile<3, kNV>(nr, kc, a, w, panel_stride, c, ldc, flags, bias, act);
  case 2: return Tile<2, kNV>(nr, kc, a, w, panel_stride, c, ldc, flags, bias, act);
  case 1: return Tile<1, kNV>(nr, kc, a, w, panel_stride, c, ldc, flags, bias, act);
  default: return;
  }
}

}  // namespace

void axle_f32_gemm_ukernel_8x48__avx512f(size_t mr, size_t nr, size_t kc, const float* a,
                                         size_t /*lda*/, const float* w, size_t panel_stride,
                                         float* c, size_t ldc, int flags, const float* bias,
                                         int act) {
  if (nr > 32) return Rows<3>(mr, nr, kc, a, w, panel_stride, c, ldc, flags, bias, act);
  if (nr > 16) return Rows<2>(mr, nr, kc, a, w, panel_stride, c, ldc, flags, bias, act);
  Rows<1>(mr, nr, kc, a, w, panel_stride, c, ldc, flags, bias, act);
}

}  // namespace axle::x86
