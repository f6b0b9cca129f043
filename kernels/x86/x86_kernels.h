// The x86 microkernels (AVX2 + FMA, AVX-512F, AVX-512 VNNI, AMX-INT8), each in a translation unit
// compiled with only its ISA's flags. kernels/x86/config.cc puts them into cpu::Kernels tables
// (the signatures are the table's, kernels/cpu/cpu_kernels.h), chosen at run time from CPUID.
#ifndef AXLE_KERNELS_X86_X86_KERNELS_H_
#define AXLE_KERNELS_X86_X86_KERNELS_H_

#include "kernels/cpu/cpu_kernels.h"

namespace axle::x86 {

// The table's types, by their short names in the microkernels.
using cpu::AttentionArgs;
using cpu::kGemmAccumulate;
using cpu::kGemmLast;
using cpu::S8Epilogue;
using cpu::S8GemmArgs;
using cpu::VMathFn;

void axle_f32_gemm_ukernel_6x16__avx2_fma(size_t mr, size_t nr, size_t kc, const float* a,
                                          size_t lda, const float* w, size_t panel_stride, float* c,
                                          size_t ldc, int flags, const float* bias, int act);
void axle_f32_gemm_ukernel_8x48__avx512f(size_t mr, size_t nr, size_t kc, const float* a,
                                         size_t lda, const float* w, size_t panel_stride, float* c,
                                         size_t ldc, int flags, const float* bias, int act);
void axle_f32_pack_a8__avx2(const float* x, size_t ld, size_t rows, size_t kc, float* tile);
void axle_s8_gemm_ukernel_8x48__avx2(size_t mr, size_t nr, size_t quads, const int32_t* a,
                                     const int8_t* w, size_t panel_stride, const cpu::S8Epilogue& e,
                                     float* c, size_t ldc);
void axle_s8_gemm_ukernel_8x48__avx512vnni(size_t mr, size_t nr, size_t quads, const int32_t* a,
                                           const int8_t* w, size_t panel_stride,
                                           const cpu::S8Epilogue& e, float* c, size_t ldc);
void axle_s8_gemm__amx(const cpu::S8GemmArgs& args, int64_t task_begin, int64_t task_end);
bool AmxAvailable();
void axle_f32_layernorm__avx512f(const float* x, size_t rows, size_t inner, const float* scale,
                                 const float* bias, float epsilon, float* y);
void axle_quantize_u8__avx512f(const float* x, size_t n, float scale, int32_t zero_point,
                               uint8_t* y);
void axle_f32_dwconv__avx2_fma(const cpu::DepthwiseArgs& args, int64_t row_begin, int64_t row_end);
void axle_f32_dwconv__avx512f(const cpu::DepthwiseArgs& args, int64_t row_begin, int64_t row_end);
void axle_f32_attention__avx2_fma(const cpu::AttentionArgs& args, int64_t row_begin,
                                  int64_t row_end);
void axle_f32_attention__avx512f(const cpu::AttentionArgs& args, int64_t row_begin,
                                 int64_t row_end);
void axle_f32_vmath__avx2_fma(cpu::VMathFn fn, const float* x, float* y, size_t n);
void axle_f32_gemv_w8__avx512f(const float* x, size_t k, const int8_t* packed, const float* scales,
                               size_t n, const float* bias, float* y, size_t p_begin, size_t p_end);
void axle_f32_gemv_w4__avx512f(const float* x, size_t k, const uint8_t* packed, const float* scales,
                               size_t n, size_t group, const float* bias, float* y, size_t p_begin,
                               size_t p_end);
// CPUID reports AMX-TILE and AMX-INT8 and Linux granted this process the tile state.
bool AmxAvailable();

}  // namespace axle::x86

#endif  // AXLE_KERNELS_X86_X86_KERNELS_H_
