// The f32 epilogue of the AArch64 int8 GEMMs (S8Epilogue): int32 accumulators of one row and 16
// columns to y = a_scale * w_scales[n] * (acc + correction * col_sums[n]) + bias[n], activation,
// stored to the first nr columns. `correction` is -a_zero_point for an exact u8 x s8 product
// (USMMLA) and 128 - a_zero_point for SDOT on activations offset by -128.
#ifndef AXLE_KERNELS_ARM64_S8_GEMM_S8_EPILOGUE_NEON_H_
#define AXLE_KERNELS_ARM64_S8_GEMM_S8_EPILOGUE_NEON_H_

#include <arm_neon.h>

#include <cstring>

#include "kernels/arm64/arm64_kernels.h"
#include "kernels/arm64/neon-math.h"

namespace axle::arm64 {

static inline void S8StoreRow(const int32x4_t acc[4], const S8Epilogue& e, int32_t correction,
                              size_t nr, float* c) {
  float out[16];
  const size_t full = nr >= 16 ? 4 : nr / 4;
  for (size_t j = 0; j < 4; ++j) {
    // Columns past nr read the tables' padding only when nr allows; past it, zeros.
    int32x4_t sums;
    float32x4_t scales, bias = vdupq_n_f32(0.0f);
    if (j < full) {
      sums = vld1q_s32(e.col_sums + 4 * j);
      scales = vld1q_f32(e.w_scales + 4 * j);
      if (e.bias) bias = vld1q_f32(e.bias + 4 * j);
    } else {
      int32_t s[4] = {};
      float sc[4] = {}, b[4] = {};
      for (size_t t = 0; t < 4 && 4 * j + t < nr; ++t) {
        s[t] = e.col_sums[4 * j + t];
        sc[t] = e.w_scales[4 * j + t];
        if (e.bias) b[t] = e.bias[4 * j + t];
      }
      sums = vld1q_s32(s);
      scales = vld1q_f32(sc);
      bias = vld1q_f32(b);
    }
    const int32x4_t exact = vmlaq_n_s32(acc[j], sums, correction);
    float32x4_t y = vfmaq_f32(bias, vcvtq_f32_s32(exact), vmulq_n_f32(scales, e.a_scale));
    if (e.act != 0) y = Activate(e.act, y);
    if (nr >= 16) {
      vst1q_f32(c + 4 * j, y);
    } else {
      vst1q_f32(out + 4 * j, y);
    }
  }
  if (nr < 16) std::memcpy(c, out, nr * sizeof(float));
}

// The i8mm kernels' accumulators acc[p][j] (rows 2p, 2p + 1 x columns 2j, 2j + 1, as USMMLA
// leaves them: [r0c0, r0c1, r1c0, r1c1]) unzipped into rows and stored (exact u8 x s8 sums).
static inline void S8StoreRowPairs(const int32x4_t acc[2][8], size_t mr, size_t nr,
                                   const S8Epilogue& e, float* c, size_t ldc) {
  for (size_t r = 0; r < mr && r < 4; ++r) {
    const int p = static_cast<int>(r / 2);
    int32x4_t row[4];
    for (int g = 0; g < 4; ++g) {
      const int32x4_t x = acc[p][2 * g], y = acc[p][2 * g + 1];
      // Row 2p is the low half of each block, row 2p + 1 the high half.
      row[g] = r % 2 == 0 ? vcombine_s32(vget_low_s32(x), vget_low_s32(y))
                          : vcombine_s32(vget_high_s32(x), vget_high_s32(y));
    }
    S8StoreRow(row, e, -e.a_zero_point, nr, c + r * ldc);
  }
}

}  // namespace axle::arm64

#endif  // AXLE_KERNELS_ARM64_S8_GEMM_S8_EPILOGUE_NEON_H_
