// Reference kernels: portable, scalar, written for clarity and exactness. They are the oracle
// every optimized kernel is tested against, and the fallback every target can run.
//
// Conventions: tensors are dense row-major views; shapes have already been checked by the
// runtime's validator against each op's contract (ValidateXxx in runtime/src/op_table.cc), so a
// kernel only fails on data-dependent conditions (an out-of-range gather index, an integer
// division by zero), which it reports through KernelResult. Float accumulations run in double.
#ifndef AXLE_KERNELS_REF_REF_KERNELS_H_
#define AXLE_KERNELS_REF_REF_KERNELS_H_

#include <cstdint>

#include "kernels/common/parallel.h"
#include "kernels/common/tensor.h"

namespace axle::ref {

enum class KernelError : uint8_t { kOk, kDivisionByZero, kIndexOutOfRange, kBadScale };

// What went wrong, and at which element of which operand.
struct KernelResult {
  KernelError error = KernelError::kOk;
  int64_t element = 0;  // flat index of the offending element in `operand`
  int64_t value = 0;    // the offending value (e.g. the index read)
  int operand = 0;      // which input operand
  bool ok() const { return error == KernelError::kOk; }
};

enum class BinaryOp : uint8_t {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kPow,
  kMin,
  kMax,
  kEqual,
  kLess,
  kGreater,
  kLessOrEqual,
  kGreaterOrEqual,
  kAnd,
  kOr,
  kXor,
  kMod,           // integer remainder with the divisor's sign (Python %); ONNX Mod fmod=0
  kFmod,          // remainder with the dividend's sign (C fmod / %); ONNX Mod fmod=1
  kBitShiftLeft,  // unsigned integers; shifting by the width or more gives 0
  kBitShiftRight,
};
enum class UnaryOp : uint8_t {
  kRelu,
  kSigmoid,
  kTanh,
  kErf,
  kExp,
  kLog,
  kSqrt,
  kNeg,
  kAbs,
  kReciprocal,
  kFloor,
  kCeil,
  kClip,
  kLeakyRelu,
  kNot,
  kIdentity,
  kSin,
  kCos,
  kSign,
  kTan,
  kAsin,
  kAcos,
  kAtan,
  kSinh,
  kCosh,
  kAsinh,
  kAcosh,
  kAtanh,
  kRound,  // halves to even
};
enum class ReduceOp : uint8_t { kSum, kMean, kMax, kMin, kProd };

// Dtype contracts: which input dtypes a kernel accepts, and what it outputs.
bool BinarySupports(BinaryOp op, DType in);
DType BinaryOutputType(BinaryOp op, DType in);  // bool for comparisons, else `in`
bool UnarySupports(UnaryOp op, DType in);
bool ReduceSupports(ReduceOp op, DType in);
bool IsNumeric(DType t);  // every dtype but f16/bf16
// f16/bf16: elementwise arithmetic, comparisons and unary math compute in f32 and round once;
// reductions, matmul and normalization do not take them.
bool IsHalf(DType t);

// Output shape of numpy broadcasting of a and b; false when they do not broadcast.
bool BroadcastShapes(const Shape& a, const Shape& b, Shape* out);
// True when `from` broadcasts unidirectionally to `to`.
bool BroadcastsTo(const Shape& from, const Shape& to);
// Element strides of `in` viewed at `out`'s rank: 0 along broadcast (or missing) dimensions.
void BroadcastStridesOf(const Shape& in, const Shape& out, int64_t* strides);

// Elementwise with numpy broadcasting of a and b to out.shape.
KernelResult Binary(BinaryOp op, const TensorView& a, const TensorView& b, const TensorView& out);
// Elementwise; alpha/beta are Clip's bounds and LeakyRelu's slope.
void Unary(UnaryOp op, float alpha, float beta, const TensorView& x, const TensorView& y);

// numpy.matmul, f32 or f64: 1-D operands are promoted and their axis dropped; batch dims
// broadcast.
void MatMul(const TensorView& a, const TensorView& b, const TensorView& y);
// Y = alpha * op(A) @ op(B) + beta * C, f32; C (optional) broadcasts to (M, N).
void Gemm(const TensorView& a, const TensorView& b, const TensorView* c, float alpha, float beta,
          bool trans_a, bool trans_b, const TensorView& y);

// Softmax along `axis` (ONNX opset 13 semantics).
void Softmax(const TensorView& x, int axis, const TensorView& y);
// LayerNormalization over dims [axis, rank); scale and bias hold either one value or one per
// normalized element. mean and inv_std_dev (optional, f32) have the outer shape.
void LayerNorm(const TensorView& x, const TensorView& scale, const TensorView* bias, int axis,
               float epsilon, const TensorView& y, const TensorView* mean,
               const TensorView* inv_std_dev);

// Reduction over the dimensions whose bit is set in axes_mask. f32 max/min over one contiguous
// run of axes (the planner's max-pool) splits its outer (else inner) positions across `par`:
// exact, so equal to the single-threaded result bit for bit.
void Reduce(ReduceOp op, const TensorView& x, uint32_t axes_mask, const TensorView& y,
            const Parallel* par = nullptr);

// y[i0..] = x[i_perm...]: output dim d is input dim perm[d].
void Transpose(const TensorView& x, const int64_t* perm, const TensorView& y);
// Byte copy between views of equal byte size (Reshape, Identity of any dtype).
void Copy(const TensorView& x, const TensorView& y);
void Concat(const TensorView* const* inputs, int num_inputs, int axis, const TensorView& y);
// y[i] = x[starts + i * steps] per dimension.
void Slice(const TensorView& x, const int64_t* starts, const int64_t* steps, const TensorView& y);
// out = data[..., indices, ...] along axis; negative indices count from the end.
KernelResult Gather(const TensorView& data, const TensorView& indices, int axis,
                    const TensorView& y);
void Where(const TensorView& cond, const TensorView& x, const TensorView& y, const TensorView& out);
// Converts every element; float to integer saturates (NaN gives 0), to bool is `!= 0`.
void Cast(const TensorView& x, const TensorView& y);
// x broadcast to y.shape.
void Expand(const TensorView& x, const TensorView& y);

// --- Indexing (kernels/ref/indexing.cc); numbering shared with the schema's enums ---

enum class ScatterReduction : uint8_t { kNone = 0, kAdd = 1, kMul = 2, kMax = 3, kMin = 4 };

// Index of the max (else min) along `axis` into y (i64, x's shape with axis reduced); ties give
// the first index, or the last with select_last. NaN is never selected over a number.
void ArgReduce(const TensorView& x, int axis, bool is_min, bool select_last, const TensorView& y);
// y[i][j][k] = data[index[i][j][k]][j][k] along axis (y has indices' shape).
KernelResult GatherElements(const TensorView& data, const TensorView& indices, int axis,
                            const TensorView& y);
// y = data, then y[index[i][j]][j] (op)= updates[i][j] along axis. Input 1 holds the indices.
KernelResult ScatterElements(const TensorView& data, const TensorView& indices,
                             const TensorView& updates, int axis, ScatterReduction reduction,
                             const TensorView& y);
KernelResult GatherND(const TensorView& data, const TensorView& indices, int batch_dims,
                      const TensorView& y);
KernelResult ScatterND(const TensorView& data, const TensorView& indices, const TensorView& updates,
                       ScatterReduction reduction, const TensorView& y);
// The k = values.shape[axis] largest (else smallest) along axis, sorted; equal values keep the
// lower index first.
void TopK(const TensorView& x, int axis, bool largest, const TensorView& values,
          const TensorView& indices);
void CumSum(const TensorView& x, int axis, bool exclusive, bool reverse, const TensorView& y);

// --- Convolution, pooling, padding (kernels/ref/conv_pool.cc), f32 over [N, C, D1, ...] ---

enum class PoolMode : uint8_t { kMax = 0, kAverage = 1, kLp = 2 };
enum class PadMode : uint8_t { kConstant = 0, kReflect = 1, kEdge = 2, kWrap = 3 };

struct Window {
  int rank = 0;              // spatial dimensions
  const int64_t* kernel;     // [rank]
  const int64_t* strides;    // [rank]
  const int64_t* pads;       // [2 * rank]: begins, then ends
  const int64_t* dilations;  // [rank]
};

// y = conv(x, w) + bias; w is [M, C / group, k...]. Output positions split across `par`.
void Conv(const TensorView& x, const TensorView& w, const TensorView* bias, const Window& win,
          int64_t group, const TensorView& y, const Parallel* par = nullptr);
// Channels-last 2-D convolution pieces (the runtime's fast path for Conv: the compiler turns a
// convolution over [N, H, W, C] into Im2ColNhwc + a GEMM, or DepthwiseConvNhwc):
// y [N, Ho, Wo, kh * kw * C] = the window of every output position, (ky, kx, c) order, zeros
// for padding. Output rows split across `par`.
void Im2ColNhwc(const TensorView& x, const Window& win, const TensorView& y,
                const Parallel* par = nullptr);
// y [N, Ho, Wo, C] = act(sum over the window of x [N, H, W, C] * w [kh, kw, C] (+ bias [C])).
enum class Activation : uint8_t;
void DepthwiseConvNhwc(const TensorView& x, const TensorView& w, const TensorView* bias,
                       const Window& win, Activation act, const TensorView& y,
                       const Parallel* par = nullptr);
// Max or average pooling of x [N, H, W, C] (2-D window) into y [N, Ho, Wo, C] (floor extent).
void PoolNhwc(const TensorView& x, const Window& win, PoolMode mode, bool count_include_pad,
              const TensorView& y, const Parallel* par = nullptr);
// The transpose (gradient) of Conv; w is [C, M / group, k...]; pads begins trim the output.
void ConvTranspose(const TensorView& x, const TensorView& w, const TensorView* bias,
                   const Window& win, int64_t group, const TensorView& y);
void Pool(const TensorView& x, const Window& win, PoolMode mode, bool count_include_pad, int64_t p,
          const TensorView& y);
// pads: begins of every dimension then ends; any dtype for constant/edge/wrap/reflect.
void Pad(const TensorView& x, const int64_t* pads, PadMode mode, double value, const TensorView& y);

// Separable resampling (Resize): indices (i64) and weights (f32) are [sum of y's dims, taps];
// the rows of axis d follow those of axes < d. An index of -1 makes the element `extrapolation`.
// Indices are checked against x's dimensions before anything is written.
KernelResult Resample(const TensorView& x, const TensorView& indices, const TensorView& weights,
                      float extrapolation, const TensorView& y);

enum class SampleMode : uint8_t { kNearest = 0, kLinear = 1, kCubic = 2 };
enum class SamplePadding : uint8_t { kZeros = 0, kBorder = 1, kReflection = 2 };
// ONNX GridSample over [N, C, H, W] at grid [N, Ho, Wo, 2] (x, y normalized to [-1, 1]).
void GridSample(const TensorView& x, const TensorView& grid, SampleMode mode, SamplePadding padding,
                bool align_corners, const TensorView& y);

// --- Fused operations (produced by the compiler's fusion passes) ---

// Numbering shared with runtime/schema/axle_model.fbs (Activation, MaskMode).
enum class Activation : uint8_t { kNone = 0, kRelu = 1, kGelu = 2, kGeluTanh = 3, kRelu6 = 4 };
enum class MaskMode : uint8_t { kNone = 0, kAdditive = 1, kKeepTrue = 2, kKeepFalse = 3 };

// y[..., N] = act(x[..., K] @ w[K, N] + bias[N]) + residual[..., N], f32 (bias and residual
// optional). Rows split across `par`.
void Linear(const TensorView& x, const TensorView& w, const TensorView* bias, Activation act,
            const TensorView& y, const Parallel* par, const TensorView* residual = nullptr);
// Linear with the weight in the panel16 layout (kernels/common/pack.h): the portable fallback
// of the x86 GEMM, and its oracle's twin.
void LinearPanel16(const TensorView& x, const float* packed, int64_t k, int64_t n,
                   const TensorView* bias, Activation act, const TensorView& y, const Parallel* par,
                   const TensorView* residual = nullptr);
// LinearPanel16 over the 2-D convolution windows of a channels-last x [N, H, W, C] (k = kh * kw *
// C, (ky, kx, c) order, zeros for padding) into y [N, Ho, Wo, n]: the reference twin of the
// implicit-im2col GEMM (cpu::GemmF32Panel16 with ConvRows).
void LinearConvPanel16(const TensorView& x, const Window& win, const float* packed, int64_t k,
                       int64_t n, const TensorView* bias, Activation act, const TensorView& y,
                       const Parallel* par, const TensorView* residual = nullptr);
// Rows [row_begin, row_end) of y = act(x @ w + bias) for row-major x [*, k], w [k, n].
void MatMulRows(const float* x, const float* w, const float* bias, Activation act, int64_t k,
                int64_t n, int64_t row_begin, int64_t row_end, float* y);

constexpr int64_t kMaxAttentionHeadDim = 1024;
struct AttentionConfig {
  int64_t num_heads = 1;
  float scale = 1.0f;
  MaskMode mask = MaskMode::kNone;
  float mask_fill = 0.0f;  // the score of a masked-out key (kKeepTrue / kKeepFalse)
  int64_t kv_heads = 0;    // K/V heads (grouped-query attention); 0 = num_heads
  bool zero_empty_rows = false;  // a query row with every key at -inf gives 0 instead of NaN
};
// Multi-head scaled dot-product attention on unsplit heads: q [B, Sq, H*dk], k [B, Sk, G*dk],
// v [B, Sk, G*dv] -> y [B, Sq, H*dv] with G = kv_heads dividing H; query head h uses columns
// [h*d, (h+1)*d) of q and y, and K/V head h / (H / G). The mask broadcasts
// to [B, H, Sq, Sk]: added to the scaled scores (f32), or selecting which keys keep their score
// (bool) while the others get mask_fill. f32.
void Attention(const TensorView& q, const TensorView& k, const TensorView& v,
               const TensorView* mask, const AttentionConfig& config, const TensorView& y,
               const Parallel* par);
// GELU, exact (0.5 x (1 + erf(x / sqrt 2))) or the tanh approximation. f32.
void Gelu(const TensorView& x, bool tanh_approximation, const TensorView& y);
// y = x / sqrt(mean(x^2 over dims [axis, rank)) + epsilon) * scale. f32.
void RmsNorm(const TensorView& x, const TensorView& scale, int axis, float epsilon,
             const TensorView& y);

// A fused elementwise program: a stack machine over f32 values, one (instruction, argument)
// byte pair per step, evaluated for every output element with numpy broadcasting of inputs.
enum class ElementwiseInstr : uint8_t {
  kLoad = 0,    // push input[arg]
  kConst = 1,   // push constants[arg]
  kBinary = 2,  // pop b, pop a, push a (BinaryOp arg) b; arithmetic ops only (Add..Max)
  kUnary = 3,   // replace the top with (UnaryOp arg)(top); not Clip, LeakyRelu, Not, Identity
  kGelu = 4,    // replace the top with GELU(top); arg 0 exact, 1 tanh approximation
};
constexpr int kMaxElementwiseStack = 8;
constexpr int kMaxElementwiseInputs = 8;
// Null when the program is well formed for these inputs and constants, else what is wrong
// with instruction *at.
const char* CheckElementwiseProgram(const uint8_t* code, int64_t size, int num_inputs,
                                    int64_t num_constants, int64_t* at);
void FusedElementwise(const uint8_t* code, int64_t size, const float* constants,
                      const TensorView* const* inputs, int num_inputs, const TensorView& y,
                      const Parallel* par);

// --- Quantized ---

// Weight-only quantized GEMV references (layouts: kernels/common/pack_wq.h), accumulating in
// double: y[n] = sum_k x[k] * scale * w[k][n] + bias[n]; int4 scales per `group` rows.
void GemvW8(const float* x, int64_t k, const int8_t* packed, const float* scales, int64_t n,
            const float* bias, float* y);
void GemvW4(const float* x, int64_t k, const uint8_t* packed, const float* scales, int64_t n,
            int64_t group, const float* bias, float* y);

// y[m x n] = act(a_scale * w_scales[n] * sum_k (x[m][k] - a_zero_point) * w[k][n] + bias[n]):
// u8 activations (per-tensor scale and zero point) times s8 weights [K, N] (per-column scales),
// accumulated exactly in 64-bit integers; the oracle of the x86 int8 GEMM.
void GemmU8S8(const uint8_t* x, int64_t m, int64_t k, float a_scale, int32_t a_zero_point,
              const int8_t* w, const float* w_scales, int64_t n, const float* bias, Activation act,
              float* y);

// y[m x n] = act(y) + residual (optional): the epilogue of kernels that produce y + bias.
void ActivateRows(float* y, int64_t m, int64_t n, Activation act, const float* residual);

// ONNX QuantizeLinear, per tensor: y = saturate(round_half_even(x / scale) + zero_point), y u8
// or i8 (zero_point's type).
void QuantizeLinear(const TensorView& x, float scale, int32_t zero_point, const TensorView& y);
// ONNX DequantizeLinear, per tensor: y = (x - zero_point) * scale for x u8, i8 or i32.
void DequantizeLinear(const TensorView& x, float scale, int32_t zero_point, const TensorView& y);
// LinearInt8 on the reference path: y [m, n] = act(x_scale * w_scales[j] * sum_k (x - x_zp) w
// + bias) + residual, exact integer sums; w in `layout`: [K, N], s8panel16x4 or s8panel16x8
// (kernels/common/pack_s8.h).
enum class S8Layout : uint8_t { kKN = 0, kPanel16x4 = 1, kPanel16x8 = 2 };
void LinearInt8(const uint8_t* x, int64_t m, int64_t k, float x_scale, int32_t x_zero_point,
                const int8_t* w, S8Layout layout, const float* w_scales, int64_t n,
                const float* bias, Activation act, const float* residual, float* y);

}  // namespace axle::ref

#endif  // AXLE_KERNELS_REF_REF_KERNELS_H_
