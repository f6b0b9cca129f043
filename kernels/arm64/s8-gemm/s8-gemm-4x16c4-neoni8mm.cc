// u8 x s8 -> f32 GEMM microkernel, 4 rows x 16 columns, AArch64 i8mm (USMMLA: a 2x8 u8 block
// times an 8x2 s8 block into a 2x2 int32 block) on the s8panel16x4 weights every Arm core runs
// (a plan compiled for a Cortex-A78AE target, run on a core with i8mm). Two quads (8 k) per
// step: zip1/zip2 on 32-bit lanes interleave two quads into the 2x8 blocks USMMLA takes (rows
// 0-1 and 2-3 of A; column pairs of W). Per 8 k: 2 + 8 loads, 2 + 8 zips and 16 USMMLA (twice
// the MACs of SDOT each); the zips are the price of the shared layout (docs/kernels-arm64.md).
// Plans for i8mm targets use s8panel16x8 and the 4x16c8 kernel, which needs no weight zips.
// An odd `quads` reads one quad more of A (the driver's zero quad) and of the panel (zero past K).
#include <arm_neon.h>

#include "kernels/arm64/arm64_kernels.h"
#include "kernels/arm64/s8-gemm/s8-epilogue-neon.h"

namespace axle::arm64 {

void axle_s8_gemm_ukernel_4x16c4__neoni8mm(size_t mr, size_t nr, size_t quads, const int32_t* a,
                                           const int8_t* w, size_t /*panel_stride*/,
                                           const S8Epilogue& e, float* c, size_t ldc) {
  // acc[p][j]: rows (2p, 2p + 1) x columns (2j, 2j + 1) as [r0c0, r0c1, r1c0, r1c1].
  int32x4_t acc[2][8];
  for (int p = 0; p < 2; ++p)
    for (int j = 0; j < 8; ++j) acc[p][j] = vdupq_n_s32(0);
  for (size_t q = 0; q < quads; q += 2) {
    const int32x4_t a0 = vld1q_s32(a + 4 * q), a1 = vld1q_s32(a + 4 * q + 4);
    const uint8x16_t rows01 = vreinterpretq_u8_s32(vzip1q_s32(a0, a1));
    const uint8x16_t rows23 = vreinterpretq_u8_s32(vzip2q_s32(a0, a1));
    const int32_t* wq = reinterpret_cast<const int32_t*>(w + 64 * q);
    for (int g = 0; g < 4; ++g) {  // columns 4g .. 4g + 3
      const int32x4_t lo = vld1q_s32(wq + 4 * g), hi = vld1q_s32(wq + 16 + 4 * g);
      const int8x16_t c01 = vreinterpretq_s8_s32(vzip1q_s32(lo, hi));
      const int8x16_t c23 = vreinterpretq_s8_s32(vzip2q_s32(lo, hi));
      acc[0][2 * g] = vusmmlaq_s32(acc[0][2 * g], rows01, c01);
      acc[0][2 * g + 1] = vusmmlaq_s32(acc[0][2 * g + 1], rows01, c23);
      acc[1][2 * g] = vusmmlaq_s32(acc[1][2 * g], rows23, c01);
      acc[1][2 * g + 1] = vusmmlaq_s32(acc[1][2 * g + 1], rows23, c23);
    }
  }
  S8StoreRowPairs(acc, mr, nr, e, c, ldc);
}

}  // namespace axle::arm64
