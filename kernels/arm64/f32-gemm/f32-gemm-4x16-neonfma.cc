// fp32 GEMM microkernel, 4 rows x 16 columns, AArch64 NEON + FMA: C[mr x nr] = epilogue(A @ W
// (+ C)). W is one 16-column panel of the packed weight (kc rows of 16 floats, kernels/common/
// pack.h); A rows are read in place (row stride lda), 4 k at a time, and each W row meets its k
// by lane: per 4 k, 4 A loads + 16 W loads feed 64 FMLA (16 accumulators + 4 A + 4 W = 24 of
// the 32 q registers). Rows past mr read row mr - 1 again and are not stored. The 4x16 shape is a
// public one that issues at the FMA peak of a Cortex-A78-class core (docs/kernels-arm64.md:
// llvm-mca on the inner loop).
#include <arm_neon.h>

#include <cstddef>
#include <cstring>

#include "kernels/arm64/arm64_kernels.h"
#include "kernels/arm64/neon-math.h"

namespace axle::arm64 {
namespace {

// The 4x16 tile with its 16 accumulators as named variables (GCC 12 keeps an array of 16
// vectors in memory, spilling it every iteration). Rows past mr alias row mr - 1 (XNNPACK's
// way): they compute a copy of it and are never stored. c and bias point at 16 valid columns.
void Tile(size_t mr, size_t kc, const float* a, size_t lda, const float* w, float* c, size_t ldc,
          int flags, const float* bias, int act) {
  const float* a0 = a;
  const float* a1 = mr > 1 ? a0 + lda : a0;
  const float* a2 = mr > 2 ? a1 + lda : a1;
  const float* a3 = mr > 3 ? a2 + lda : a2;
  float* c0 = c;
  float* c1 = mr > 1 ? c0 + ldc : c0;
  float* c2 = mr > 2 ? c1 + ldc : c1;
  float* c3 = mr > 3 ? c2 + ldc : c2;
  float32x4_t v00, v01, v02, v03, v10, v11, v12, v13, v20, v21, v22, v23, v30, v31, v32, v33;
  if (flags & kGemmAccumulate) {
    v00 = vld1q_f32(c0), v01 = vld1q_f32(c0 + 4), v02 = vld1q_f32(c0 + 8), v03 = vld1q_f32(c0 + 12);
    v10 = vld1q_f32(c1), v11 = vld1q_f32(c1 + 4), v12 = vld1q_f32(c1 + 8), v13 = vld1q_f32(c1 + 12);
    v20 = vld1q_f32(c2), v21 = vld1q_f32(c2 + 4), v22 = vld1q_f32(c2 + 8), v23 = vld1q_f32(c2 + 12);
    v30 = vld1q_f32(c3), v31 = vld1q_f32(c3 + 4), v32 = vld1q_f32(c3 + 8), v33 = vld1q_f32(c3 + 12);
  } else {
    v00 = v01 = v02 = v03 = v10 = v11 = v12 = v13 = vdupq_n_f32(0.0f);
    v20 = v21 = v22 = v23 = v30 = v31 = v32 = v33 = vdupq_n_f32(0.0f);
  }
#define AXLE_ROWS(X0, X1, X2, X3, L)                                                               \
  {                                                                                                \
    const float32x4_t w0 = vld1q_f32(w), w1 = vld1q_f32(w + 4);                                    \
    const float32x4_t w2 = vld1q_f32(w + 8), w3 = vld1q_f32(w + 12);                               \
    w += 16;                                                                                       \
    v00 = vfmaq_laneq_f32(v00, w0, X0, L), v01 = vfmaq_laneq_f32(v01, w1, X0, L);                  \
    v02 = vfmaq_laneq_f32(v02, w2, X0, L), v03 = vfmaq_laneq_f32(v03, w3, X0, L);                  \
    v10 = vfmaq_laneq_f32(v10, w0, X1, L), v11 = vfmaq_laneq_f32(v11, w1, X1, L);                  \
    v12 = vfmaq_laneq_f32(v12, w2, X1, L), v13 = vfmaq_laneq_f32(v13, w3, X1, L);                  \
    v20 = vfmaq_laneq_f32(v20, w0, X2, L), v21 = vfmaq_laneq_f32(v21, w1, X2, L);                  \
    v22 = vfmaq_laneq_f32(v22, w2, X2, L), v23 = vfmaq_laneq_f32(v23, w3, X2, L);                  \
    v30 = vfmaq_laneq_f32(v30, w0, X3, L), v31 = vfmaq_laneq_f32(v31, w1, X3, L);                  \
    v32 = vfmaq_laneq_f32(v32, w2, X3, L), v33 = vfmaq_laneq_f32(v33, w3, X3, L);                  \
  }
  size_t k = 0;
  for (; k + 4 <= kc; k += 4) {
    const float32x4_t x0 = vld1q_f32(a0 + k), x1 = vld1q_f32(a1 + k);
    const float32x4_t x2 = vld1q_f32(a2 + k), x3 = vld1q_f32(a3 + k);
    AXLE_ROWS(x0, x1, x2, x3, 0)
    AXLE_ROWS(x0, x1, x2, x3, 1)
    AXLE_ROWS(x0, x1, x2, x3, 2)
    AXLE_ROWS(x0, x1, x2, x3, 3)
  }
  for (; k < kc; ++k) {
    const float32x4_t x0 = vdupq_n_f32(a0[k]), x1 = vdupq_n_f32(a1[k]);
    const float32x4_t x2 = vdupq_n_f32(a2[k]), x3 = vdupq_n_f32(a3[k]);
    AXLE_ROWS(x0, x1, x2, x3, 0)
  }
#undef AXLE_ROWS
  float32x4_t acc[4][4] = {
      {v00, v01, v02, v03}, {v10, v11, v12, v13}, {v20, v21, v22, v23}, {v30, v31, v32, v33}};
  if (flags & kGemmLast) {
    if (bias)
      for (int j = 0; j < 4; ++j) {
        const float32x4_t b = vld1q_f32(bias + 4 * j);
        for (int r = 0; r < 4; ++r) acc[r][j] = vaddq_f32(acc[r][j], b);
      }
    if (act != 0)
      for (int r = 0; r < 4; ++r)
        for (int j = 0; j < 4; ++j) acc[r][j] = Activate(act, acc[r][j]);
  }
  float* rows[4] = {c0, c1, c2, c3};
  for (size_t r = 0; r < mr && r < 4; ++r)
    for (int j = 0; j < 4; ++j) vst1q_f32(rows[r] + 4 * j, acc[r][j]);
}

}  // namespace

void axle_f32_gemm_ukernel_4x16__neonfma(size_t mr, size_t nr, size_t kc, const float* a,
                                         size_t lda, const float* w, size_t /*panel_stride*/,
                                         float* c, size_t ldc, int flags, const float* bias,
                                         int act) {
  if (mr == 0 || mr > 4) return;
  if (nr == 16) return Tile(mr, kc, a, lda, w, c, ldc, flags, bias, act);
  // A partial panel: C and the bias through a 16-wide buffer (the packed W is zero past N).
  float cbuf[4 * 16] = {}, bbuf[16] = {};
  for (size_t r = 0; r < mr; ++r) std::memcpy(cbuf + r * 16, c + r * ldc, nr * sizeof(float));
  if (bias) std::memcpy(bbuf, bias, nr * sizeof(float));
  Tile(mr, kc, a, lda, w, cbuf, 16, flags, bias ? bbuf : nullptr, act);
  for (size_t r = 0; r < mr; ++r) std::memcpy(c + r * ldc, cbuf + r * 16, nr * sizeof(float));
}

}  // namespace axle::arm64
