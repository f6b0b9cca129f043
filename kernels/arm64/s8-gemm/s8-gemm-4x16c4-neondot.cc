// u8 x s8 -> f32 GEMM microkernel, 4 rows x 16 columns, AArch64 dotprod (SDOT by lane). A is
// packed [quads][4] (4 k of one row per 32-bit lane), W is one s8panel16x4 panel (16 columns x
// 4 k per 64-byte row: 4 q registers). Per quad: one 16-byte A load (EOR 0x80 turns u8 into
// s8 - 128), 4 W loads, 16 SDOT into 16 int32x4 accumulators — the "4x16c4" shape that issues
// at the SDOT peak of a Cortex-A78-class core (docs/kernels-arm64.md). The full K in one call.
#include <arm_neon.h>

#include "kernels/arm64/arm64_kernels.h"
#include "kernels/arm64/s8-gemm/s8-epilogue-neon.h"

namespace axle::arm64 {

void axle_s8_gemm_ukernel_4x16c4__neondot(size_t mr, size_t nr, size_t quads, const int32_t* a,
                                          const int8_t* w, size_t /*panel_stride*/,
                                          const S8Epilogue& e, float* c, size_t ldc) {
  int32x4_t acc[4][4];
  for (int r = 0; r < 4; ++r)
    for (int j = 0; j < 4; ++j) acc[r][j] = vdupq_n_s32(0);
  const uint8x16_t flip = vdupq_n_u8(0x80);
  const uint8_t* ap = reinterpret_cast<const uint8_t*>(a);
  for (size_t q = 0; q < quads; ++q) {
    const int8x16_t av = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(ap + 16 * q), flip));
    const int8_t* wq = w + 64 * q;
    const int8x16_t w0 = vld1q_s8(wq), w1 = vld1q_s8(wq + 16);
    const int8x16_t w2 = vld1q_s8(wq + 32), w3 = vld1q_s8(wq + 48);
#define AXLE_ROW(R)                                                                                \
  acc[R][0] = vdotq_laneq_s32(acc[R][0], w0, av, R);                                               \
  acc[R][1] = vdotq_laneq_s32(acc[R][1], w1, av, R);                                               \
  acc[R][2] = vdotq_laneq_s32(acc[R][2], w2, av, R);                                               \
  acc[R][3] = vdotq_laneq_s32(acc[R][3], w3, av, R);
    AXLE_ROW(0)
    AXLE_ROW(1)
    AXLE_ROW(2)
    AXLE_ROW(3)
#undef AXLE_ROW
  }
  for (size_t r = 0; r < mr && r < 4; ++r)
    S8StoreRow(acc[r], e, 128 - e.a_zero_point, nr, c + r * ldc);
}

}  // namespace axle::arm64
