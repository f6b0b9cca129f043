// int8 GEMM microkernel, 8 rows x 48 columns, AVX-512 VNNI: u8 activations x s8 weights -> s32
// (vpdpbusd: exact, no int16 intermediate, no saturation), then the f32 epilogue
//   y = a_scale * w_scale[n] * (acc - a_zero_point * col_sums[n]) + bias[n], activation.
// A arrives packed by the driver as [quads][8] 32-bit groups of 4 consecutive k; W is three
// adjacent s8panel16x4 panels (kernels/common/pack_s8.h), panel_stride bytes apart.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "kernels/x86/avx512-math.h"
#include "kernels/x86/x86_kernels.h"

namespace axle::x86 {
namespace {

template <int MR>
void Tile(size_t nr, size_t quads, const int32_t* a, const int8_t* w, size_t panel_stride,
          const S8Epilogue& e, float* c, size_t ldc) {
  constexpr int kNV = 3;
  __m512i acc[MR][kNV];
  __mmask16 mask[kNV];
  const int8_t* panel[kNV];
  for (int v = 0; v < kNV; ++v) {
    mask[v] = PanelMask(nr, v);
    panel[v] = mask[v] ? w + v * panel_stride : w;
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 3
    for (int v = 0; v < kNV; ++v) acc[r][v] = _mm512_setzero_si512();
#pragma GCC unroll 2
  for (size_t q = 0; q < quads; ++q) {
    __m512i wv[kNV];
#pragma GCC unroll 3
    for (int v = 0; v < kNV; ++v)
      wv[v] = _mm512_load_si512(reinterpret_cast<const __m512i*>(panel[v] + q * 64));
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m512i x = _mm512_set1_epi32(a[q * 8 + r]);
#pragma GCC unroll 3
      for (int v = 0; v < kNV; ++v) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], x, wv[v]);
    }
  }
#pragma GCC unroll 3
  for (int v = 0; v < kNV; ++v) {
    const __m512i sums = _mm512_maskz_loadu_epi32(mask[v], e.col_sums + 16 * v);
    const __m512i corr = _mm512_mullo_epi32(sums, _mm512_set1_epi32(e.a_zero_point));
    const __m512 scale = _mm512_mul_ps(_mm512_set1_ps(e.a_scale),
                                       _mm512_maskz_loadu_ps(mask[v], e.w_scales + 16 * v));
    const __m512 b = e.bias ? _mm512_maskz_loadu_ps(mask[v], e.bias + 16 * v) : _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m512 f = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][v], corr));
      const __m512 out = Activate512(e.act, _mm512_fmadd_ps(f, scale, b));
      _mm512_mask_storeu_ps(c + r * ldc + 16 * v, mask[v], out);
    }
  }
}

}  // namespace

void axle_s8_gemm_ukernel_8x48__avx512vnni(size_t mr, size_t nr, size_t quads, const int32_t* a,
                                           const int8_t* w, size_t panel_stride,
                                           const S8Epilogue& e, float* c, size_t ldc) {
  switch (mr) {
  case 8: return Tile<8>(nr, quads, a, w, panel_stride, e, c, ldc);
  case 7: return Tile<7>(nr, quads, a, w, panel_stride, e, c, ldc);
  case 6: return Tile<6>(nr, quads, a, w, panel_stride, e, c, ldc);
  case 5: return Tile<5>(nr, quads, a, w, panel_stride, e, c, ldc);
  case 4: return Tile<4>(nr, quads, a, w, panel_stride, e, c, ldc);
  case 3: return Tile<3>(nr, quads, a, w, panel_stride, e, c, ldc);
  case 2: return Tile<2>(nr, quads, a, w, panel_stride, e, c, ldc);
  case 1: return Tile<1>(nr, quads, a, w, panel_stride, e, c, ldc);
  default: return;
  }
}

}  // namespace axle::x86
