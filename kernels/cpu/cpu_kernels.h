// The CPU kernel layer: one table of microkernels per ISA variant (x86 AVX2 / AVX-512 / AMX,
// AArch64 NEON / dotprod / i8mm), the variant list of this build and host, and the portable
// drivers (cache blocking, packing, threading) that call the microkernels through the table.
// The arch folders (kernels/x86/, kernels/arm64/) hold only microkernels and their config.cc,
// which fills tables; kernels/cpu/select.cc is the one place that knows which arch was built.
// A null entry means the variant has no such microkernel: callers fall back to the reference
// kernels (kernels/ref/) and say so (see the runtime's step implementation report).
#ifndef AXLE_KERNELS_CPU_CPU_KERNELS_H_
#define AXLE_KERNELS_CPU_CPU_KERNELS_H_

#include <cstddef>
#include <cstdint>

#include "kernels/common/parallel.h"
#include "kernels/common/tensor.h"

namespace axle::cpu {

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
// Packs rows x[0..rows) (rows <= 8, row stride ld) of kc columns as tile[kk * 8 + i], zero rows
// past `rows`: the A operand of the 8-row microkernel. tile is 32-byte aligned.
using F32PackA8Fn = void (*)(const float* x, size_t ld, size_t rows, size_t kc, float* tile);
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
// C[mr x nr] (mr <= s8_mr, nr <= s8_nr of the table) from A packed [quads][s8_mr] (4 u8 of
// consecutive k per int32, zero past K; when `quads` is odd one more quad of zeros follows) and
// s8_nr / 16 weight panels (s8panel16x4, or s8panel16x8 for s8_gemm_c8) panel_stride bytes
// apart; the full K in one call.
using S8GemmUkernel = void (*)(size_t mr, size_t nr, size_t quads, const int32_t* a,
                               const int8_t* w, size_t panel_stride, const S8Epilogue& e, float* c,
                               size_t ldc);

// The whole int8 GEMM in one call, for microkernels with their own blocking (x86 AMX tiles): the
// driver's arguments, plus its column grouping.
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
using S8GemmWholeFn = void (*)(const S8GemmArgs& args, int64_t task_begin, int64_t task_end);

// LayerNorm of `rows` rows of `inner` floats with per-element scale and (optional) bias.
using F32LayerNormFn = void (*)(const float* x, size_t rows, size_t inner, const float* scale,
                                const float* bias, float epsilon, float* y);

// y[i] = saturate_u8(round_half_even(x[i] / scale) + zero_point): ONNX QuantizeLinear to u8,
// bit-identical to ref::QuantizeLinear.
using QuantizeU8Fn = void (*)(const float* x, size_t n, float scale, int32_t zero_point,
                              uint8_t* y);

struct AttentionArgs {
  const float *q, *k, *v;
  const void* mask;         // null, f32 (additive) or bool (keep_true / keep_false)
  int mask_mode;            // ref::MaskMode numbering
  float mask_fill;          // score of masked-out keys
  int64_t mask_strides[4];  // element strides over (batch, head, query, key), 0 = broadcast
  int64_t batch, heads, sq, sk, dk, dv;
  int64_t kv_heads;      // K/V heads: query head h reads K/V head h / (heads / kv_heads)
  bool zero_empty_rows;  // a row with every key masked out gives 0, not NaN
  int64_t range;         // queries per task (set by AttentionF32): rows are (b, h, range) tasks
  float scale;
  float* y;
};
using F32AttentionFn = void (*)(const AttentionArgs& args, int64_t row_begin, int64_t row_end);
// Rows are (batch, head, query-block) tasks; see AttentionRows().

// A depthwise convolution over channels-last x [N, H, W, C] with w [kh, kw, C] (+ bias [C]) into
// y [N, oh, ow, C], then act (ref::Activation numbering: 0 none, 1 relu, 4 relu6).
struct DepthwiseArgs {
  const float *x, *w, *bias;
  float* y;
  int64_t batch, h, w_in, c, oh, ow, kh, kw;
  int64_t stride[2], pad[2], dilation[2];  // pad: the begin pads of H and W
  int act;
};
// Output rows [row_begin, row_end) of the batch * oh rows.
using F32DepthwiseFn = void (*)(const DepthwiseArgs& args, int64_t row_begin, int64_t row_end);

enum class VMathFn : int { kExp, kErf, kTanh, kGeluErf, kGeluTanh };
using F32VMathFn = void (*)(VMathFn fn, const float* x, float* y, size_t n);

// Weight-only quantized GEMV over panels [p_begin, p_end) (layouts: kernels/common/pack_wq.h).
using F32GemvW8Fn = void (*)(const float* x, size_t k, const int8_t* packed, const float* scales,
                             size_t n, const float* bias, float* y, size_t p_begin, size_t p_end);
using F32GemvW4Fn = void (*)(const float* x, size_t k, const uint8_t* packed, const float* scales,
                             size_t n, size_t group, const float* bias, float* y, size_t p_begin,
                             size_t p_end);

struct Kernels {
  const char* isa = "reference";  // the variant's name, e.g. "avx512f+amx", "neon+dotprod"
  bool available = false;    // the host has them (and the OS granted them: AMX tile state)
  const char* missing = "";  // when not available: the feature(s) the host lacks
  int gemm_mr = 6, gemm_nr = 16;
  bool gemm_packs_a = false;  // the microkernel reads A packed [kc][gemm_mr] by the driver
  F32GemmUkernel f32_gemm = nullptr;
  F32PackA8Fn f32_pack_a = nullptr;  // with gemm_packs_a (gemm_mr = 8)
  F32AttentionFn f32_attention = nullptr;
  F32VMathFn f32_vmath = nullptr;
  int s8_mr = 8, s8_nr = 48;              // the s8_gemm tile (s8_nr a multiple of 16)
  S8GemmUkernel s8_gemm = nullptr;        // u8 x s8 -> s32, exact, on s8panel16x4 weights
  S8GemmUkernel s8_gemm_c8 = nullptr;     // the same on s8panel16x8 weights (the i8mm layout)
  S8GemmWholeFn s8_gemm_whole = nullptr;  // the whole GEMM (AMX); preferred when present
  QuantizeU8Fn quantize_u8 = nullptr;     // f32 -> u8 per tensor
  F32LayerNormFn f32_layernorm = nullptr;
  F32GemvW8Fn f32_gemv_w8 = nullptr;  // weight-only int8, M = 1
  F32GemvW4Fn f32_gemv_w4 = nullptr;  // weight-only int4 (group-wise scales), M = 1
  F32DepthwiseFn f32_depthwise = nullptr;  // channels-last depthwise convolution
};

// Every variant this build holds for the host's architecture, best first, available or not
// (kernels/x86/config.cc or kernels/arm64/config.cc fills them). Tests run each available one
// against the reference kernels and report the others as skipped, naming what the host lacks.
constexpr int kMaxVariants = 8;
int Variants(Kernels out[kMaxVariants]);

// The table for this host, chosen once (thread-safe): the first available variant. The
// environment variable AXLE_FORCE_REFERENCE=1 leaves it empty (every op runs its reference
// kernel); AXLE_CPU_VARIANT=<isa> pins an available variant by name (else it is ignored).
const Kernels& HostKernels();
// The architecture this build's kernels are for: "x86_64", "aarch64" or "portable".
const char* Arch();
// Whether the host CPU has `feature` (a /proc/cpuinfo flag name: avx2, avx512f, avx512_vnni,
// amx_int8, asimd, asimddp, i8mm, bf16, fphp, sve2...); false for names of another arch.
bool HostHasFeature(const char* feature);

// The rows of a GEMM's A operand read in place from a channels-last image (implicit im2col):
// row (b, oy, ox) is the 2-D window of x [batch, h, w, c] at that output position, (ky, kx, ch)
// order, zeros for padding; k = kh * kw * c, m = batch * oh * ow.
struct ConvRows {
  const float* x;
  int64_t h, w, c, oh, ow, kh, kw;
  int64_t stride[2], pad[2], dilation[2];  // pad: the top and left pads
};
// dst[i][0, kc) = columns [k0, k0 + kc) of rows r .. r + rows (row stride ld).
void GatherConvRows(const ConvRows& a, size_t r, size_t rows, size_t k0, size_t kc, float* dst,
                    size_t ld);

// y[m x n] = act(x[m x k] @ W + bias) with W packed in 16-column panels (PackPanel16), blocked
// for the caches and split across `par` by (row block, panel group) tiles.
// residual (optional, [m x n]) is added after the activation, tile by tile while hot in L1.
// With `conv`, A is not x but the convolution windows it describes (x is ignored): the rows are
// gathered block by block as the GEMM packs them, never materialized whole.
void GemmF32Panel16(const Kernels& kernels, const float* x, size_t m, size_t k, const float* packed,
                    size_t n, const float* bias, int act, float* y, const Parallel* par,
                    const float* residual = nullptr, const ConvRows* conv = nullptr);

// y[m x n] (f32) = dequantized u8 x[m x k] (a_scale, a_zero_point) @ s8 W (per-column
// w_scales; packed by PackS8Panel16x4 with its col_sums, or with c8 by PackS8Panel16x8) + bias,
// activation. Needs s8_gemm (s8_gemm_c8 with c8); K at most kS8GemmMaxK.
constexpr size_t kS8GemmMaxK = 8192;
void GemmS8Panel16x4(const Kernels& kernels, const uint8_t* x, size_t m, size_t k, float a_scale,
                     int32_t a_zero_point, const int8_t* packed, const int32_t* col_sums,
                     const float* w_scales, size_t n, const float* bias, int act, float* y,
                     const Parallel* par, bool c8 = false);

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

// ref::FusedElementwise's program in f32 over 256-element chunks, each instruction a loop the
// compiler vectorizes (exp, tanh, erf, sigmoid and GELU through f32_vmath): the same results as
// the reference within the vmath kernels' stated errors. Needs f32_vmath.
void FusedElementwiseF32(const Kernels& kernels, const uint8_t* code, int64_t size,
                         const float* constants, const TensorView* const* inputs, int num_inputs,
                         const TensorView& y, const Parallel* par);

// Depthwise convolution (ref::DepthwiseConvNhwc's semantics), output rows split across `par`.
void DepthwiseConvF32(const Kernels& kernels, const DepthwiseArgs& args, const Parallel* par);

// Multi-head attention in ref::Attention's layout and semantics, split across `par`.
void AttentionF32(const Kernels& kernels, const AttentionArgs& args, const Parallel* par);
// Queries scored together (register blocks of them share each loaded key vector), and the most
// queries one task covers (its key tiles are transposed once for all of them).
constexpr int64_t kAttentionQueryBlock = 64, kAttentionMaxRange = 4096;
// Head sizes the attention kernels take (their stack buffers); callers fall back beyond them.
constexpr int64_t kAttentionMaxDk = 128, kAttentionMaxDv = 256;

}  // namespace axle::cpu

#endif  // AXLE_KERNELS_CPU_CPU_KERNELS_H_
