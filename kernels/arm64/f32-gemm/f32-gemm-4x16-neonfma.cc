// fp32 GEMM microkernel, 4 rows x 16 columns, AArch64 NEON + FMA: C[mr x nr] = epilogue(A @ W
// (+ C)). W is one 16-column panel of the packed weight (kc rows of 16 floats, kernels/common/
// pack.h); A rows are read in place (row stride lda), 4 k at a time, and each W row meets its k
// by lane: per 4 k, 4 A loads + 16 W loads feed 64 FMLA (16 accumulators + 4 A + 4 W = 24 of
// the 32 q registers). The 4x16 shape is a public one that issues at the FMA peak of a
// Cortex-A78-class core (docs/kernels-arm64.md: llvm-mca on the inner loop).
#include <arm_neon.h>

#include <cstddef>
#include <cstring>

#include "kernels/arm64/arm64_kernels.h"
#include "kernels/arm64/neon-math.h"

namespace axle::arm64 {
namespace {

template <int MR>
void Tile(size_t kc, const float* a, size_t lda, const float* w, float* c, size_t ldc, int flags,
          const float* bias, int act) {
  float32x4_t acc[MR][4];
  if (flags & kGemmAccumulate) {
    for (int r = 0; r < MR; ++r)
      for (int j = 0; j < 4; ++j) acc[r][j] = vld1q_f32(c + r * ldc + 4 * j);
  } else {
    for (int r = 0; r < MR; ++r)
      for (int j = 0; j < 4; ++j) acc[r][j] = vdupq_n_f32(0.0f);
  }
  const float* ar[MR];
  for (int r = 0; r < MR; ++r) ar[r] = a + r * lda;
  size_t k = 0;
  for (; k + 4 <= kc; k += 4) {
    float32x4_t av[MR];
    for (int r = 0; r < MR; ++r) av[r] = vld1q_f32(ar[r] + k);
    const float* wk = w + k * 16;
#define AXLE_STEP(L)                                                                               \
  {                                                                                                \
    const float32x4_t w0 = vld1q_f32(wk + 16 * L), w1 = vld1q_f32(wk + 16 * L + 4);                \
    const float32x4_t w2 = vld1q_f32(wk + 16 * L + 8), w3 = vld1q_f32(wk + 16 * L + 12);           \
    for (int r = 0; r < MR; ++r) {                                                                 \
      acc[r][0] = vfmaq_laneq_f32(acc[r][0], w0, av[r], L);                                        \
      acc[r][1] = vfmaq_laneq_f32(acc[r][1], w1, av[r], L);                                        \
      acc[r][2] = vfmaq_laneq_f32(acc[r][2], w2, av[r], L);                                        \
      acc[r][3] = vfmaq_laneq_f32(acc[r][3], w3, av[r], L);                                        \
    }                                                                                              \
  }
    AXLE_STEP(0)
    AXLE_STEP(1)
    AXLE_STEP(2)
    AXLE_STEP(3)
#undef AXLE_STEP
  }
  for (; k < kc; ++k) {
    const float* wk = w + k * 16;
    const float32x4_t w0 = vld1q_f32(wk), w1 = vld1q_f32(wk + 4);
    const float32x4_t w2 = vld1q_f32(wk + 8), w3 = vld1q_f32(wk + 12);
    for (int r = 0; r < MR; ++r) {
      const float x = ar[r][k];
      acc[r][0] = vfmaq_n_f32(acc[r][0], w0, x);
      acc[r][1] = vfmaq_n_f32(acc[r][1], w1, x);
      acc[r][2] = vfmaq_n_f32(acc[r][2], w2, x);
      acc[r][3] = vfmaq_n_f32(acc[r][3], w3, x);
    }
  }
  if (flags & kGemmLast) {
    if (bias)
      for (int j = 0; j < 4; ++j) {
        const float32x4_t b = vld1q_f32(bias + 4 * j);
        for (int r = 0; r < MR; ++r) acc[r][j] = vaddq_f32(acc[r][j], b);
      }
    if (act != 0)
      for (int r = 0; r < MR; ++r)
        for (int j = 0; j < 4; ++j) acc[r][j] = Activate(act, acc[r][j]);
  }
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < 4; ++j) vst1q_f32(c + r * ldc + 4 * j, acc[r][j]);
}

template <int MR>
void TileAnyWidth(size_t nr, size_t kc, const float* a, size_t lda, const float* w, float* c,
                  size_t ldc, int flags, const float* bias, int act) {
  if (nr == 16) return Tile<MR>(kc, a, lda, w, c, ldc, flags, bias, act);
  // A partial panel: C and the bias through a 16-wide buffer (the packed W is zero past N).
  float cbuf[MR * 16] = {}, bbuf[16] = {};
  for (int r = 0; r < MR; ++r) std::memcpy(cbuf + r * 16, c + r * ldc, nr * sizeof(float));
  if (bias) std::memcpy(bbuf, bias, nr * sizeof(float));
  Tile<MR>(kc, a, lda, w, cbuf, 16, flags, bias ? bbuf : nullptr, act);
  for (int r = 0; r < MR; ++r) std::memcpy(c + r * ldc, cbuf + r * 16, nr * sizeof(float));
}

}  // namespace

void axle_f32_gemm_ukernel_4x16__neonfma(size_t mr, size_t nr, size_t kc, const float* a,
                                         size_t lda, const float* w, size_t /*panel_stride*/,
                                         float* c, size_t ldc, int flags, const float* bias,
                                         int act) {
  switch (mr) {
  case 4: return TileAnyWidth<4>(nr, kc, a, lda, w, c, ldc, flags, bias, act);
  case 3: return TileAnyWidth<3>(nr, kc, a, lda, w, c, ldc, flags, bias, act);
  case 2: return TileAnyWidth<2>(nr, kc, a, lda, w, c, ldc, flags, bias, act);
  case 1: return TileAnyWidth<1>(nr, kc, a, lda, w, c, ldc, flags, bias, act);
  default: return;
  }
}

}  // namespace axle::arm64
