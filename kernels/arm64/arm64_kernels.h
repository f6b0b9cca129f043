// The AArch64 microkernels (NEON + FMA, dotprod SDOT, i8mm USMMLA), each in a translation unit
// compiled with only its extension's -march (kernels/CMakeLists.txt). kernels/arm64/config.cc
// puts them into cpu::Kernels tables (the signatures are the table's, kernels/cpu/cpu_kernels.h),
// chosen at run time from getauxval(AT_HWCAP / AT_HWCAP2).
#ifndef AXLE_KERNELS_ARM64_ARM64_KERNELS_H_
#define AXLE_KERNELS_ARM64_ARM64_KERNELS_H_

#include "kernels/cpu/cpu_kernels.h"

namespace axle::arm64 {

using cpu::AttentionArgs;
using cpu::DepthwiseArgs;
using cpu::kGemmAccumulate;
using cpu::kGemmLast;
using cpu::S8Epilogue;
using cpu::VMathFn;

// f32 GEMM, 4 rows x 16 columns (one panel16 panel): 16 accumulators, A read 4 k at a time
// (ld1 of 4 floats per row) and multiplied by lane (fmla v.4s, v.4s, v.s[k]).
void axle_f32_gemm_ukernel_4x16__neonfma(size_t mr, size_t nr, size_t kc, const float* a,
                                         size_t lda, const float* w, size_t panel_stride, float* c,
                                         size_t ldc, int flags, const float* bias, int act);
// u8 x s8 GEMM, 4 rows x 16 columns, 4 k per step: SDOT by lane (the u8 activations offset by
// -128 into s8, corrected in the epilogue with the column sums).
void axle_s8_gemm_ukernel_4x16c4__neondot(size_t mr, size_t nr, size_t quads, const int32_t* a,
                                          const int8_t* w, size_t panel_stride, const S8Epilogue& e,
                                          float* c, size_t ldc);
// The same with USMMLA (i8mm, u8 x s8 2x8 by 8x2 blocks), 8 k per step: the s8panel16x4 weights
// and the packed A interleaved to 2x8 blocks in registers (zip1/zip2 of two 4-k quads).
void axle_s8_gemm_ukernel_4x16c4__neoni8mm(size_t mr, size_t nr, size_t quads, const int32_t* a,
                                           const int8_t* w, size_t panel_stride,
                                           const S8Epilogue& e, float* c, size_t ldc);
// USMMLA on the i8mm layout s8panel16x8 (column pairs already interleaved): no weight zips.
void axle_s8_gemm_ukernel_4x16c8__neoni8mm(size_t mr, size_t nr, size_t quads, const int32_t* a,
                                           const int8_t* w, size_t panel_stride,
                                           const S8Epilogue& e, float* c, size_t ldc);
void axle_f32_vmath__neon(VMathFn fn, const float* x, float* y, size_t n);
void axle_f32_dwconv__neon(const DepthwiseArgs& args, int64_t row_begin, int64_t row_end);
void axle_f32_attention__neon(const AttentionArgs& args, int64_t row_begin, int64_t row_end);
void axle_f32_layernorm__neon(const float* x, size_t rows, size_t inner, const float* scale,
                              const float* bias, float epsilon, float* y);
void axle_quantize_u8__neon(const float* x, size_t n, float scale, int32_t zero_point, uint8_t* y);
void axle_f32_gemv_w8__neon(const float* x, size_t k, const int8_t* packed, const float* scales,
                            size_t n, const float* bias, float* y, size_t p_begin, size_t p_end);
void axle_f32_gemv_w4__neon(const float* x, size_t k, const uint8_t* packed, const float* scales,
                            size_t n, size_t group, const float* bias, float* y, size_t p_begin,
                            size_t p_end);

}  // namespace axle::arm64

#endif  // AXLE_KERNELS_ARM64_ARM64_KERNELS_H_
