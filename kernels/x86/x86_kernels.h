// The x86 kernel table: microkernels per ISA, chosen once at start-up from CPUID, and the
// portable drivers (blocking, threading) that call them. A null entry means the host (or the
// build, see AXLE_X86_ISA) lacks the ISA: callers fall back to the reference kernels.
#ifndef AXLE_KERNELS_X86_X86_KERNELS_H_
#define AXLE_KERNELS_X86_X86_KERNELS_H_

#include <cstddef>
#include <cstdint>

#include "kernels/common/parallel.h"
#include "kernels/common/tensor.h"

namespace axle::x86 {

enum GemmFlags : int {
  kGemmAccumulate = 1,  // add to C instead of overwriting it
  kGemmLast = 2,        // the last K block: apply bias and activation
};

// C[mr x nr] (mr <= MR, nr <= NR of the kernel) = A[mr x kc] @ W[kc x nr] (+ C), then on
// kGemmLast + bias[nr] and activation (ref::Activation numbering). W: 64-byte aligned rows of
// 16 floats per panel; a kernel wider than 16 reads the next panel panel_stride floats on.
using F32GemmUkernel = void (*)(size_t mr, size_t nr, size_t kc, const float* a, size_t lda,
                                const float* w, size_t panel_stride, float* c, size_t ldc,
                                int flags, const float* bias, int act);
void axle_f32_gemm_ukernel_6x16__avx2_fma(size_t mr, size_t nr, size_t kc, const float* a,
                                          size_t lda, const float* w, size_t panel_stride, float* c,
                                          size_t ldc, int flags, const float* bias, int act);
void axle_f32_gemm_ukernel_8x48__avx512f(size_t mr, size_t nr, size_t kc, const float* a,
                                         size_t lda, const float* w, size_t panel_stride, float* c,
                                         size_t ldc, int flags, const float* bias, int act);
// Packs rows x[0..rows) (rows <= 8, row stride ld) of kc columns as tile[kk * 8 + i], zero rows
// past `rows`: the A operand of the 8-row microkernel. tile is 32-byte aligned.
using F32PackA8Fn = void (*)(const float* x, size_t ld, size_t rows, size_t kc, float* tile);
void axle_f32_pack_a8__avx2(const float* x, size_t ld, size_t rows, size_t kc, float* tile);
// The f32 epilogue of the int8 GEMM, per output column n (pointers already offset to the
// microkernel's first column): y = a_scale * w_scales[n] * (acc - a_zero_point * col_sums[n])
// + bias[n] (bias may be null), then activation.
struct S8Epilogue {
  const int32_t* col_sums;
  const float* w_scales;
  const float* bias;
  float a_scale;
  int32_t a_zero_point;
  int act;
};
// C[mr x nr] (mr <= 8, nr <= 48) from A packed [quads][8] (4 u8 of consecutive k per int32)
// and three s8panel16x4 weight panels panel_stride bytes apart; the full K in one call.
using S8GemmUkernel = void (*)(size_t mr, size_t nr, size_t quads, const int32_t* a,
                               const int8_t* w, size_t panel_stride, const S8Epilogue& e, float* c,
                               size_t ldc);
void axle_s8_gemm_ukernel_8x48__avx2(size_t mr, size_t nr, size_t quads, const int32_t* a,
                                     const int8_t* w, size_t panel_stride, const S8Epilogue& e,
                                     float* c, size_t ldc);
void axle_s8_gemm_ukernel_8x48__avx512vnni(size_t mr, size_t nr, size_t quads, const int32_t* a,
                                           const int8_t* w, size_t panel_stride,
                                           const S8Epilogue& e, float* c, size_t ldc);

// The whole int8 GEMM for the AMX path (the driver's arguments, plus its column grouping).
struct S8GemmArgs {
  const uint8_t* x;
  size_t m, k;
  float a_scale;
  int32_t a_zero_point;
  const int8_t* packed;
  const int32_t* col_sums;
  const float* w_scales;
  size_t n;
  const float* bias;
  int act;
  float* y;
  size_t group_cols;  // columns per task (a multiple of 32)
};
// Tasks [task_begin, task_end) of (column group, 32-row block), group-major.
using S8GemmAmxFn = void (*)(const S8GemmArgs& args, int64_t task_begin, int64_t task_end);
void axle_s8_gemm__amx(const S8GemmArgs& args, int64_t task_begin, int64_t task_end);
// CPUID reports AMX-TILE and AMX-INT8 and Linux granted this process the tile state.
bool AmxAvailable();

// LayerNorm of `rows` rows of `inner` floats with per-element scale and (optional) bias.
using F32LayerNormFn = void (*)(const float* x, size_t rows, size_t inner, const float* scale,
                                const float* bias, float epsilon, float* y);
void axle_f32_layernorm__avx512f(const float* x, size_t rows, size_t inner, const float* scale,
                                 const float* bias, float epsilon, float* y);

// y[i] = saturate_u8(round_half_even(x[i] / scale) + zero_point): ONNX QuantizeLinear to u8,
// bit-identical to ref::QuantizeLinear.
using QuantizeU8Fn = void (*)(const float* x, size_t n, float scale, int32_t zero_point,
                              uint8_t* y);
void axle_quantize_u8__avx512f(const float* x, size_t n, float scale, int32_t zero_point,
                               uint8_t* y);

struct AttentionArgs {
  const float *q, *k, *v;
  const void* mask;         // null, f32 (additive) or bool (keep_true / keep_false)
  int mask_mode;            // ref::MaskMode numbering
  float mask_fill;          // score of masked-out keys
  int64_t mask_strides[4];  // element strides over (batch, head, query, key), 0 = broadcast
  int64_t batch, heads, sq, sk, dk, dv;
  float scale;
  float* y;
};
using F32AttentionFn = void (*)(const AttentionArgs& args, int64_t row_begin, int64_t row_end);
// Rows are (batch, head, query-block) tasks; see AttentionRows().
void axle_f32_attention__avx2_fma(const AttentionArgs& args, int64_t row_begin, int64_t row_end);
void axle_f32_attention__avx512f(const AttentionArgs& args, int64_t row_begin, int64_t row_end);

enum class VMathFn : int { kExp, kErf, kTanh, kGeluErf, kGeluTanh };
using F32VMathFn = void (*)(VMathFn fn, const float* x, float* y, size_t n);
void axle_f32_vmath__avx2_fma(VMathFn fn, const float* x, float* y, size_t n);

// Weight-only quantized GEMV over panels [p_begin, p_end) (layouts: kernels/common/pack_wq.h).
using F32GemvW8Fn = void (*)(const float* x, size_t k, const int8_t* packed, const float* scales,
                             size_t n, const float* bias, float* y, size_t p_begin, size_t p_end);
using F32GemvW4Fn = void (*)(const float* x, size_t k, const uint8_t* packed, const float* scales,
                             size_t n, size_t group, const float* bias, float* y, size_t p_begin,
                             size_t p_end);
void axle_f32_gemv_w8__avx512f(const float* x, size_t k, const int8_t* packed, const float* scales,
                               size_t n, const float* bias, float* y, size_t p_begin, size_t p_end);
void axle_f32_gemv_w4__avx512f(const float* x, size_t k, const uint8_t* packed, const float* scales,
                               size_t n, size_t group, const float* bias, float* y, size_t p_begin,
                               size_t p_end);

struct Kernels {
  const char* isa = "scalar";  // the ISA the table was filled for
  int gemm_mr = 6, gemm_nr = 16;
  bool gemm_packs_a = false;  // the microkernel reads A packed [kc][gemm_mr] by the driver
  F32GemmUkernel f32_gemm = nullptr;
  F32PackA8Fn f32_pack_a = nullptr;  // with gemm_packs_a (gemm_mr = 8)
  F32AttentionFn f32_attention = nullptr;
  F32VMathFn f32_vmath = nullptr;
  S8GemmUkernel s8_gemm = nullptr;     // u8 x s8 -> s32, exact (AVX-512 VNNI)
  S8GemmAmxFn s8_gemm_amx = nullptr;   // the same on AMX tiles; preferred when present
  QuantizeU8Fn quantize_u8 = nullptr;  // f32 -> u8 per tensor
  F32LayerNormFn f32_layernorm = nullptr;
  F32GemvW8Fn f32_gemv_w8 = nullptr;  // weight-only int8, M = 1
  F32GemvW4Fn f32_gemv_w4 = nullptr;  // weight-only int4 (group-wise scales), M = 1
};

enum class Isa { kAvx2, kAvx512, kAvx512Amx };
// The table of one ISA variant; empty (isa "scalar") when the host or the build lacks it.
// Tests run every variant the host supports against the reference kernels.
Kernels KernelsFor(Isa isa);

// The table for this host, filled once (thread-safe): the best variant the host supports. Setting
// the environment variable AXLE_FORCE_REFERENCE=1 leaves it empty: every op runs its reference
// kernel.
const Kernels& HostKernels();

// y[m x n] = act(x[m x k] @ W + bias) with W packed in 16-column panels (PackPanel16), blocked
// for the caches and split across `par` by (row block, panel group) tiles.
// residual (optional, [m x n]) is added after the activation, tile by tile while hot in L1.
void GemmF32Panel16(const Kernels& kernels, const float* x, size_t m, size_t k, const float* packed,
                    size_t n, const float* bias, int act, float* y, const Parallel* par,
                    const float* residual = nullptr);

// y[m x n] (f32) = dequantized u8 x[m x k] (a_scale, a_zero_point) @ s8 W (per-column
// w_scales; packed by PackS8Panel16x4 with its col_sums) + bias, activation. Needs s8_gemm.
void GemmS8Panel16x4(const Kernels& kernels, const uint8_t* x, size_t m, size_t k, float a_scale,
                     int32_t a_zero_point, const int8_t* packed, const int32_t* col_sums,
                     const float* w_scales, size_t n, const float* bias, int act, float* y,
                     const Parallel* par);

// y[n] = sum_k x[k] * dequantized w[k][n] + bias[n] for one row x (decode), the weights
// int8 (w8panel16) or int4 (w4panel16, a scale per `group` rows: pack_wq.h's IsW4Group),
// panels split across `par`. Need f32_gemv_w8 / _w4.
void GemvW8(const Kernels& kernels, const float* x, size_t k, const int8_t* packed,
            const float* scales, size_t n, const float* bias, float* y, const Parallel* par);
void GemvW4(const Kernels& kernels, const float* x, size_t k, const uint8_t* packed,
            const float* scales, size_t n, size_t group, const float* bias, float* y,
            const Parallel* par);

// Softmax over each of `rows` contiguous rows of n floats (ref::Softmax along the last axis):
// max, then exp(x - max) by f32_vmath, the sum in double, one division. Rows split across
// `par` above 64 Ki elements. Needs f32_vmath.
void SoftmaxF32Rows(const Kernels& kernels, const float* x, size_t rows, size_t n, float* y,
                    const Parallel* par);

// Multi-head attention in ref::Attention's layout and semantics, split across `par`.
void AttentionF32(const Kernels& kernels, const AttentionArgs& args, const Parallel* par);
// Query rows per attention task (a block shares its transposed key tiles).
constexpr int64_t kAttentionQueryBlock = 32;
// Head sizes the attention kernels take (their stack buffers); callers fall back beyond them.
constexpr int64_t kAttentionMaxDk = 128, kAttentionMaxDv = 256;

}  // namespace axle::x86

#endif  // AXLE_KERNELS_X86_X86_KERNELS_H_
