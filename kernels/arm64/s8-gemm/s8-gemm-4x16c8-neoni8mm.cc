// u8 x s8 -> f32 GEMM microkernel, 4 rows x 16 columns, AArch64 i8mm (USMMLA), on the i8mm
// weight layout s8panel16x8 (kernels/common/pack_s8.h: each 16 bytes one column pair x 8 k, the
// operand USMMLA takes as it is). A is packed [quads][4] by the driver; two quads (8 k) per step
// are interleaved into row pairs with zip1/zip2. Per 8 k: 2 + 8 loads, 2 zips and 16 USMMLA
// (32 MACs each, twice an SDOT's). An odd `quads` reads one quad more of A (the driver's zero
// quad) and of the panel's last oct (zero past K).
#include <arm_neon.h>

#include "kernels/arm64/arm64_kernels.h"
#include "kernels/arm64/s8-gemm/s8-epilogue-neon.h"

namespace axle::arm64 {

void axle_s8_gemm_ukernel_4x16c8__neoni8mm(size_t mr, size_t nr, size_t quads, const int32_t* a,
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
    const int8_t* wo = w + 64 * q;  // oct q / 2: 128 bytes
    for (int j = 0; j < 8; ++j) {
      const int8x16_t cols = vld1q_s8(wo + 16 * j);
      acc[0][j] = vusmmlaq_s32(acc[0][j], rows01, cols);
      acc[1][j] = vusmmlaq_s32(acc[1][j], rows23, cols);
    }
  }
  S8StoreRowPairs(acc, mr, nr, e, c, ldc);
}

}  // namespace axle::arm64
