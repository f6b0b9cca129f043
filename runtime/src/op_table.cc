// The kernel contract table: arity, parameters, validation and dispatch for every OpCode.
#include "runtime/src/op_table.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>

#include "kernels/common/pack_s8.h"
#include "kernels/common/pack_wq.h"
#include "kernels/cpu/cpu_kernels.h"
#include "runtime/schema/axle_model_generated.h"

namespace axle {
namespace {

namespace fb = ::axle::schema;
using ref::KernelResult;

// Records which implementation a runner chose (OpArgs::impl), and returns the table for chains
// like `if (Use(a, k) ...)`.
void Report(const OpArgs& a, const char* impl) {
  if (a.impl) *a.impl = impl;
}

Status Invalid(const char* format, ...) __attribute__((format(printf, 1, 2)));
Status Invalid(const char* format, ...) {
  char message[768];
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof(message), format, args);
  va_end(args);
  return Error(AXLE_INVALID_MODEL, "%s", message);
}

// "f32[2,3,4]" for messages.
struct ShapeText {
  char text[160];
  explicit ShapeText(const TensorView& v) {
    int n = std::snprintf(text, sizeof(text), "%s[", DTypeName(v.dtype));
    for (int i = 0; i < v.shape.rank && n < 140; ++i)
      n += std::snprintf(text + n, sizeof(text) - n, i ? ",%lld" : "%lld",
                         static_cast<long long>(v.shape.dims[i]));
    std::snprintf(text + n, sizeof(text) - n, "]");
  }
};

Status ExpectDType(const TensorView& v, DType want, const char* role) {
  if (v.dtype != want)
    return Invalid("%s has dtype %s, expected %s", role, DTypeName(v.dtype), DTypeName(want));
  return AXLE_OK;
}

Status ExpectShape(const TensorView& v, const Shape& want, const char* role) {
  if (v.shape != want) {
    TensorView expected = v;
    expected.shape = want;
    return Invalid("%s is %s, but its inputs give %s", role, ShapeText(v).text,
                   ShapeText(expected).text);
  }
  return AXLE_OK;
}

Status ExpectOutput(const OpArgs& a, uint32_t k, DType dtype, const Shape& shape) {
  AXLE_RETURN_IF_ERROR(ExpectDType(*a.out[k], dtype, k == 0 ? "output 0" : "an output"));
  return ExpectShape(*a.out[k], shape, k == 0 ? "output 0" : "an output");
}

Status ExpectFloat(const TensorView& v, const char* role) {
  if (v.dtype != DType::kF32 && v.dtype != DType::kF64)
    return Invalid("%s has dtype %s; the kernel takes f32 or f64", role, DTypeName(v.dtype));
  return AXLE_OK;
}

Status ExpectAxis(int64_t axis, int rank) {
  if (axis < 0 || axis >= rank)
    return Invalid("axis %lld is outside [0, %d)", static_cast<long long>(axis), rank);
  return AXLE_OK;
}

Status ExpectPresent(const OpArgs& a) {
  for (uint32_t k = 0; k < a.num_in; ++k)
    if (!a.in[k]) return Invalid("input %u is absent, and this kernel has no optional inputs", k);
  return AXLE_OK;
}

// --- Elementwise ---

Status ValidateBinary(const OpInfo& op, const OpArgs& a) {
  const auto bop = static_cast<ref::BinaryOp>(op.variant);
  const TensorView& x = *a.in[0];
  const TensorView& y = *a.in[1];
  if (x.dtype != y.dtype)
    return Invalid("inputs have different dtypes (%s, %s)", DTypeName(x.dtype), DTypeName(y.dtype));
  if (!ref::BinarySupports(bop, x.dtype))
    return Invalid("dtype %s is not supported", DTypeName(x.dtype));
  Shape out;
  if (!ref::BroadcastShapes(x.shape, y.shape, &out))
    return Invalid("input shapes %s and %s do not broadcast", ShapeText(x).text, ShapeText(y).text);
  return ExpectOutput(a, 0, ref::BinaryOutputType(bop, x.dtype), out);
}
KernelResult RunBinary(const OpInfo& op, const OpArgs& a) {
  const auto fn = static_cast<ref::BinaryOp>(op.variant);
  const cpu::Kernels& kernels = cpu::HostKernels();
  // f32 arithmetic as a two-load program of the vectorized fused-elementwise driver.
  if (kernels.f32_vmath && a.in[0]->dtype == DType::kF32 && a.in[1]->dtype == DType::kF32 &&
      a.out[0]->dtype == DType::kF32 &&
      (fn == ref::BinaryOp::kAdd || fn == ref::BinaryOp::kSub || fn == ref::BinaryOp::kMul ||
       fn == ref::BinaryOp::kDiv || fn == ref::BinaryOp::kMin || fn == ref::BinaryOp::kMax)) {
    const uint8_t code[] = {
        static_cast<uint8_t>(ref::ElementwiseInstr::kLoad),   0,
        static_cast<uint8_t>(ref::ElementwiseInstr::kLoad),   1,
        static_cast<uint8_t>(ref::ElementwiseInstr::kBinary), static_cast<uint8_t>(fn)};
    cpu::FusedElementwiseF32(kernels, code, sizeof(code), nullptr, a.in, 2, *a.out[0], a.par);
    Report(a, kernels.isa);
    return {};
  }
  return ref::Binary(fn, *a.in[0], *a.in[1], *a.out[0]);
}

Status ValidateUnary(const OpInfo& op, const OpArgs& a) {
  const TensorView& x = *a.in[0];
  if (!ref::UnarySupports(static_cast<ref::UnaryOp>(op.variant), x.dtype))
    return Invalid("dtype %s is not supported", DTypeName(x.dtype));
  return ExpectOutput(a, 0, x.dtype, x.shape);
}
KernelResult RunUnary(const OpInfo& op, const OpArgs& a) {
  const auto fn = static_cast<ref::UnaryOp>(op.variant);
  const cpu::Kernels& kernels = cpu::HostKernels();
  // The f32 functions the vectorized fused-elementwise driver has: a one-load program.
  if (kernels.f32_vmath && a.in[0]->dtype == DType::kF32 && a.out[0]->dtype == DType::kF32 &&
      (fn == ref::UnaryOp::kRelu || fn == ref::UnaryOp::kSigmoid || fn == ref::UnaryOp::kTanh ||
       fn == ref::UnaryOp::kErf || fn == ref::UnaryOp::kExp || fn == ref::UnaryOp::kNeg ||
       fn == ref::UnaryOp::kAbs || fn == ref::UnaryOp::kSqrt || fn == ref::UnaryOp::kReciprocal)) {
    const uint8_t code[] = {static_cast<uint8_t>(ref::ElementwiseInstr::kLoad), 0,
                            static_cast<uint8_t>(ref::ElementwiseInstr::kUnary),
                            static_cast<uint8_t>(fn)};
    cpu::FusedElementwiseF32(kernels, code, sizeof(code), nullptr, a.in, 1, *a.out[0], a.par);
    Report(a, kernels.isa);
    return {};
  }
  ref::Unary(static_cast<ref::UnaryOp>(op.variant), a.params.alpha, a.params.beta, *a.in[0],
             *a.out[0]);
  return {};
}

Status ValidateWhere(const OpInfo&, const OpArgs& a) {
  const TensorView& c = *a.in[0];
  const TensorView& x = *a.in[1];
  const TensorView& y = *a.in[2];
  AXLE_RETURN_IF_ERROR(ExpectDType(c, DType::kBool, "condition (input 0)"));
  if (x.dtype != y.dtype)
    return Invalid("inputs 1 and 2 have different dtypes (%s, %s)", DTypeName(x.dtype),
                   DTypeName(y.dtype));
  Shape xy, out;
  if (!ref::BroadcastShapes(x.shape, y.shape, &xy) || !ref::BroadcastShapes(c.shape, xy, &out))
    return Invalid("input shapes %s, %s and %s do not broadcast", ShapeText(c).text,
                   ShapeText(x).text, ShapeText(y).text);
  return ExpectOutput(a, 0, x.dtype, out);
}
KernelResult RunWhere(const OpInfo&, const OpArgs& a) {
  ref::Where(*a.in[0], *a.in[1], *a.in[2], *a.out[0]);
  return {};
}

Status ValidateCast(const OpInfo&, const OpArgs& a) {
  return ExpectShape(*a.out[0], a.in[0]->shape, "output 0");
}
KernelResult RunCast(const OpInfo&, const OpArgs& a) {
  ref::Cast(*a.in[0], *a.out[0]);
  return {};
}

Status ValidateExpand(const OpInfo&, const OpArgs& a) {
  const TensorView& x = *a.in[0];
  AXLE_RETURN_IF_ERROR(ExpectDType(*a.out[0], x.dtype, "output 0"));
  if (!ref::BroadcastsTo(x.shape, a.out[0]->shape))
    return Invalid("input %s does not broadcast to output %s", ShapeText(x).text,
                   ShapeText(*a.out[0]).text);
  return AXLE_OK;
}
KernelResult RunExpand(const OpInfo&, const OpArgs& a) {
  ref::Expand(*a.in[0], *a.out[0]);
  return {};
}

// --- Linear algebra ---

Status ValidateMatMul(const OpInfo&, const OpArgs& a) {
  const TensorView& x = *a.in[0];
  const TensorView& w = *a.in[1];
  AXLE_RETURN_IF_ERROR(ExpectFloat(x, "input 0"));
  AXLE_RETURN_IF_ERROR(ExpectDType(w, x.dtype, "input 1"));
  if (x.shape.rank < 1 || w.shape.rank < 1) return Invalid("inputs must have rank >= 1");
  const int64_t k_a = x.shape.dims[x.shape.rank - 1];
  const int64_t k_b = w.shape.rank == 1 ? w.shape.dims[0] : w.shape.dims[w.shape.rank - 2];
  if (k_a != k_b)
    return Invalid("inner dimensions differ: %s @ %s", ShapeText(x).text, ShapeText(w).text);
  Shape ba, bb, out;
  ba.rank = x.shape.rank > 2 ? x.shape.rank - 2 : 0;
  bb.rank = w.shape.rank > 2 ? w.shape.rank - 2 : 0;
  for (int d = 0; d < ba.rank; ++d) ba.dims[d] = x.shape.dims[d];
  for (int d = 0; d < bb.rank; ++d) bb.dims[d] = w.shape.dims[d];
  if (!ref::BroadcastShapes(ba, bb, &out))
    return Invalid("batch dimensions of %s and %s do not broadcast", ShapeText(x).text,
                   ShapeText(w).text);
  if (x.shape.rank >= 2) out.dims[out.rank++] = x.shape.dims[x.shape.rank - 2];
  if (w.shape.rank >= 2) out.dims[out.rank++] = w.shape.dims[w.shape.rank - 1];
  return ExpectOutput(a, 0, x.dtype, out);
}
KernelResult RunMatMul(const OpInfo&, const OpArgs& a) {
  ref::MatMul(*a.in[0], *a.in[1], *a.out[0]);
  return {};
}

Status ValidateGemm(const OpInfo&, const OpArgs& a) {
  const TensorView& x = *a.in[0];
  const TensorView& w = *a.in[1];
  AXLE_RETURN_IF_ERROR(ExpectDType(x, DType::kF32, "input A"));
  AXLE_RETURN_IF_ERROR(ExpectDType(w, DType::kF32, "input B"));
  if (x.shape.rank != 2 || w.shape.rank != 2) return Invalid("A and B must have rank 2");
  const bool ta = a.params.trans_a, tb = a.params.trans_b;
  const int64_t m = ta ? x.shape.dims[1] : x.shape.dims[0];
  const int64_t k = ta ? x.shape.dims[0] : x.shape.dims[1];
  const int64_t k2 = tb ? w.shape.dims[1] : w.shape.dims[0];
  const int64_t n = tb ? w.shape.dims[0] : w.shape.dims[1];
  if (k != k2)
    return Invalid("inner dimensions differ: A %s (trans_a=%d), B %s (trans_b=%d)",
                   ShapeText(x).text, ta, ShapeText(w).text, tb);
  Shape out;
  out.rank = 2;
  out.dims[0] = m;
  out.dims[1] = n;
  if (a.num_in > 2 && a.in[2]) {
    AXLE_RETURN_IF_ERROR(ExpectDType(*a.in[2], DType::kF32, "input C"));
    if (a.in[2]->shape.rank > 2 || !ref::BroadcastsTo(a.in[2]->shape, out))
      return Invalid("C %s does not broadcast to (%lld, %lld)", ShapeText(*a.in[2]).text,
                     static_cast<long long>(m), static_cast<long long>(n));
  }
  return ExpectOutput(a, 0, DType::kF32, out);
}
KernelResult RunGemm(const OpInfo&, const OpArgs& a) {
  const TensorView* c = a.num_in > 2 ? a.in[2] : nullptr;
  ref::Gemm(*a.in[0], *a.in[1], c, a.params.alpha, a.params.beta, a.params.trans_a,
            a.params.trans_b, *a.out[0]);
  return {};
}

// --- Normalization ---

Status ValidateSoftmax(const OpInfo&, const OpArgs& a) {
  const TensorView& x = *a.in[0];
  AXLE_RETURN_IF_ERROR(ExpectFloat(x, "input 0"));
  AXLE_RETURN_IF_ERROR(ExpectAxis(a.params.axis, x.shape.rank));
  return ExpectOutput(a, 0, x.dtype, x.shape);
}
KernelResult RunSoftmax(const OpInfo&, const OpArgs& a) {
  const cpu::Kernels& kernels = cpu::HostKernels();
  const TensorView& x = *a.in[0];
  if (!kernels.f32_vmath) {
    Report(a, "reference: no vector exp in this CPU variant");
  } else if (x.dtype != DType::kF32 || a.params.axis != x.shape.rank - 1) {
    Report(a, "reference: not f32 along the last axis");
  } else {
    const int64_t n = x.shape.dims[x.shape.rank - 1], rows = n ? x.NumElements() / n : 0;
    cpu::SoftmaxF32Rows(kernels, x.As<float>(), static_cast<size_t>(rows), static_cast<size_t>(n),
                        a.out[0]->As<float>(), a.par);
    Report(a, kernels.isa);
    return {};
  }
  ref::Softmax(*a.in[0], static_cast<int>(a.params.axis), *a.out[0]);
  return {};
}

Status ValidateLayerNorm(const OpInfo&, const OpArgs& a) {
  const TensorView& x = *a.in[0];
  AXLE_RETURN_IF_ERROR(ExpectFloat(x, "input 0"));
  AXLE_RETURN_IF_ERROR(ExpectAxis(a.params.axis, x.shape.rank));
  const int axis = static_cast<int>(a.params.axis);
  int64_t inner = 1;
  Shape stats = x.shape;
  for (int d = axis; d < x.shape.rank; ++d) {
    inner *= x.shape.dims[d];
    stats.dims[d] = 1;
  }
  for (uint32_t k = 1; k < a.num_in; ++k) {
    if (!a.in[k]) continue;
    const char* role = k == 1 ? "scale" : "bias";
    AXLE_RETURN_IF_ERROR(ExpectDType(*a.in[k], x.dtype, role));
    const int64_t n = a.in[k]->NumElements();
    if (n != inner && n != 1)
      return Invalid("%s has %lld elements; expected 1 or %lld (the normalized size)", role,
                     static_cast<long long>(n), static_cast<long long>(inner));
  }
  AXLE_RETURN_IF_ERROR(ExpectOutput(a, 0, x.dtype, x.shape));
  for (uint32_t k = 1; k < a.num_out; ++k)
    if (a.out[k]) AXLE_RETURN_IF_ERROR(ExpectOutput(a, k, DType::kF32, stats));
  return AXLE_OK;
}
KernelResult RunLayerNorm(const OpInfo&, const OpArgs& a) {
  const TensorView* bias = a.num_in > 2 ? a.in[2] : nullptr;
  const TensorView* mean = a.num_out > 1 ? a.out[1] : nullptr;
  const TensorView* inv = a.num_out > 2 ? a.out[2] : nullptr;
  const cpu::Kernels& kernels = cpu::HostKernels();
  const TensorView& x = *a.in[0];
  const int64_t axis = a.params.axis;
  if (!kernels.f32_layernorm) {
    Report(a, "reference: no layernorm microkernel in this CPU variant");
  } else if (x.dtype != DType::kF32 || mean || inv || axis != x.shape.rank - 1 ||
             a.in[1]->NumElements() != x.shape.dims[axis] ||
             (bias && bias->NumElements() != x.shape.dims[axis])) {
    Report(a, "reference: not f32 over the last axis with full scale and bias, or statistics "
              "requested");
  } else {
    const int64_t inner = x.shape.dims[axis], rows = inner ? x.NumElements() / inner : 0;
    ParallelFor(rows * inner > (1 << 15) ? a.par : nullptr, rows, [&](int64_t b, int64_t e) {
      kernels.f32_layernorm(x.As<float>() + b * inner, static_cast<size_t>(e - b),
                            static_cast<size_t>(inner), a.in[1]->As<float>(),
                            bias ? bias->As<float>() : nullptr, a.params.epsilon,
                            a.out[0]->As<float>() + b * inner);
    });
    Report(a, kernels.isa);
    return {};
  }
  ref::LayerNorm(*a.in[0], *a.in[1], bias, static_cast<int>(a.params.axis), a.params.epsilon,
                 *a.out[0], mean, inv);
  return {};
}

// --- Reductions ---

Status ValidateReduce(const OpInfo& op, const OpArgs& a) {
  const TensorView& x = *a.in[0];
  if (!ref::ReduceSupports(static_cast<ref::ReduceOp>(op.variant), x.dtype))
    return Invalid("dtype %s is not supported", DTypeName(x.dtype));
  const uint32_t mask = a.params.axes_mask;
  if (mask >> x.shape.rank)
    return Invalid("reduced axes mask 0x%x names axes beyond the input rank %d", mask,
                   x.shape.rank);
  Shape out;
  for (int d = 0; d < x.shape.rank; ++d) {
    if (!(mask & (1u << d)))
      out.dims[out.rank++] = x.shape.dims[d];
    else if (a.params.keepdims)
      out.dims[out.rank++] = 1;
  }
  return ExpectOutput(a, 0, x.dtype, out);
}
KernelResult RunReduce(const OpInfo& op, const OpArgs& a) {
  ref::Reduce(static_cast<ref::ReduceOp>(op.variant), *a.in[0], a.params.axes_mask, *a.out[0],
              a.par);
  return {};
}

// --- Data movement ---

Status ValidateTranspose(const OpInfo&, const OpArgs& a) {
  const TensorView& x = *a.in[0];
  Shape out;
  out.rank = x.shape.rank;
  uint32_t seen = 0;
  for (int d = 0; d < x.shape.rank; ++d) {
    const int64_t p = a.params.perm[d];
    if (p < 0 || p >= x.shape.rank || (seen & (1u << p)))
      return Invalid("perm is not a permutation of [0, %d): entry %d is %lld", x.shape.rank, d,
                     static_cast<long long>(p));
    seen |= 1u << p;
    out.dims[d] = x.shape.dims[p];
  }
  return ExpectOutput(a, 0, x.dtype, out);
}
KernelResult RunTranspose(const OpInfo&, const OpArgs& a) {
  ref::Transpose(*a.in[0], a.params.perm, *a.out[0]);
  return {};
}

Status ValidateReshape(const OpInfo&, const OpArgs& a) {
  const TensorView& x = *a.in[0];
  AXLE_RETURN_IF_ERROR(ExpectDType(*a.out[0], x.dtype, "output 0"));
  if (a.out[0]->NumElements() != x.NumElements())
    return Invalid("input %s and output %s differ in element count", ShapeText(x).text,
                   ShapeText(*a.out[0]).text);
  return AXLE_OK;
}
KernelResult RunCopy(const OpInfo&, const OpArgs& a) {
  ref::Copy(*a.in[0], *a.out[0]);
  return {};
}

Status ValidateConcat(const OpInfo&, const OpArgs& a) {
  AXLE_RETURN_IF_ERROR(ExpectPresent(a));
  const TensorView& x0 = *a.in[0];
  AXLE_RETURN_IF_ERROR(ExpectAxis(a.params.axis, x0.shape.rank));
  const int axis = static_cast<int>(a.params.axis);
  Shape out = x0.shape;
  out.dims[axis] = 0;
  for (uint32_t k = 0; k < a.num_in; ++k) {
    const TensorView& x = *a.in[k];
    if (x.dtype != x0.dtype || x.shape.rank != x0.shape.rank)
      return Invalid("input %u is %s, incompatible with input 0 %s", k, ShapeText(x).text,
                     ShapeText(x0).text);
    for (int d = 0; d < x.shape.rank; ++d)
      if (d != axis && x.shape.dims[d] != x0.shape.dims[d])
        return Invalid("input %u is %s; it differs from input 0 %s off the concat axis %d", k,
                       ShapeText(x).text, ShapeText(x0).text, axis);
    out.dims[axis] += x.shape.dims[axis];
  }
  return ExpectOutput(a, 0, x0.dtype, out);
}
KernelResult RunConcat(const OpInfo&, const OpArgs& a) {
  ref::Concat(a.in, static_cast<int>(a.num_in), static_cast<int>(a.params.axis), *a.out[0]);
  return {};
}

Status ValidateSlice(const OpInfo&, const OpArgs& a) {
  const TensorView& x = *a.in[0];
  const TensorView& y = *a.out[0];
  AXLE_RETURN_IF_ERROR(ExpectDType(y, x.dtype, "output 0"));
  if (y.shape.rank != x.shape.rank)
    return Invalid("output rank %d differs from input rank %d", y.shape.rank, x.shape.rank);
  if (y.NumElements() == 0) return AXLE_OK;
  for (int d = 0; d < x.shape.rank; ++d) {
    const int64_t start = a.params.starts[d], step = a.params.steps[d];
    const int64_t n = y.shape.dims[d], dim = x.shape.dims[d];
    int64_t span, last;
    if (step == 0) return Invalid("step of dimension %d is 0", d);
    if (start < 0 || start >= dim || __builtin_mul_overflow(n - 1, step, &span) ||
        __builtin_add_overflow(start, span, &last) || last < 0 || last >= dim)
      return Invalid("dimension %d reads indices %lld + i * %lld for i < %lld, outside [0, %lld)",
                     d, static_cast<long long>(start), static_cast<long long>(step),
                     static_cast<long long>(n), static_cast<long long>(dim));
  }
  return AXLE_OK;
}
KernelResult RunSlice(const OpInfo&, const OpArgs& a) {
  ref::Slice(*a.in[0], a.params.starts, a.params.steps, *a.out[0]);
  return {};
}

Status ValidateGather(const OpInfo&, const OpArgs& a) {
  const TensorView& data = *a.in[0];
  const TensorView& idx = *a.in[1];
  if (idx.dtype != DType::kI32 && idx.dtype != DType::kI64)
    return Invalid("indices have dtype %s; expected i32 or i64", DTypeName(idx.dtype));
  AXLE_RETURN_IF_ERROR(ExpectAxis(a.params.axis, data.shape.rank));
  const int axis = static_cast<int>(a.params.axis);
  if (data.shape.rank - 1 + idx.shape.rank > kMaxRank)
    return Invalid("output rank %d exceeds %d", data.shape.rank - 1 + idx.shape.rank, kMaxRank);
  Shape out;
  for (int d = 0; d < axis; ++d) out.dims[out.rank++] = data.shape.dims[d];
  for (int d = 0; d < idx.shape.rank; ++d) out.dims[out.rank++] = idx.shape.dims[d];
  for (int d = axis + 1; d < data.shape.rank; ++d) out.dims[out.rank++] = data.shape.dims[d];
  return ExpectOutput(a, 0, data.dtype, out);
}
KernelResult RunGather(const OpInfo&, const OpArgs& a) {
  return ref::Gather(*a.in[0], *a.in[1], static_cast<int>(a.params.axis), *a.out[0]);
}

// --- Fused operations ---

Status ExpectF32(const TensorView& v, const char* role) {
  return ExpectDType(v, DType::kF32, role);
}

// The optional epilogue operands of the linear family: bias [N] at input `bias_at`, residual
// (the output's shape) at bias_at + 1; then the f32 output [..., N] (x's shape, last dim N).
Status ValidateLinearEpilogueOf(const OpArgs& a, uint32_t bias_at, const Shape& out) {
  const int64_t n = out.dims[out.rank - 1];
  Shape vec;
  vec.rank = 1;
  vec.dims[0] = n;
  if (a.num_in > bias_at && a.in[bias_at]) {
    AXLE_RETURN_IF_ERROR(ExpectF32(*a.in[bias_at], "bias"));
    AXLE_RETURN_IF_ERROR(ExpectShape(*a.in[bias_at], vec, "bias"));
  }
  if (a.num_in > bias_at + 1 && a.in[bias_at + 1]) {
    AXLE_RETURN_IF_ERROR(ExpectF32(*a.in[bias_at + 1], "residual"));
    AXLE_RETURN_IF_ERROR(ExpectShape(*a.in[bias_at + 1], out, "residual"));
  }
  return ExpectOutput(a, 0, DType::kF32, out);
}
Status ValidateLinearEpilogue(const OpArgs& a, uint32_t bias_at, const TensorView& x, int64_t n) {
  Shape out = x.shape;
  out.dims[out.rank - 1] = n;
  return ValidateLinearEpilogueOf(a, bias_at, out);
}

Status ChannelsLastWindow(const OpArgs& a, Shape* out);
ref::Window WindowOf(const StepParams& p);

Status ValidateLinear(const OpInfo&, const OpArgs& a) {
  if (!a.in[0] || !a.in[1]) return Invalid("input and weight must be present");
  const TensorView& x = *a.in[0];
  const TensorView& w = *a.in[1];
  AXLE_RETURN_IF_ERROR(ExpectF32(x, "input 0"));
  AXLE_RETURN_IF_ERROR(ExpectF32(w, "weight"));
  const TensorView& y = *a.out[0];
  if (x.shape.rank < 1 || y.shape.rank != x.shape.rank)
    return Invalid("input %s and output %s must have the same rank >= 1", ShapeText(x).text,
                   ShapeText(y).text);
  int64_t k = x.shape.dims[x.shape.rank - 1];
  const int64_t n = y.shape.dims[y.shape.rank - 1];
  Shape out = x.shape;
  out.dims[out.rank - 1] = n;
  if (a.params.window_rank) {  // implicit im2col: x is [N, H, W, C], y [N, Ho, Wo, n]
    AXLE_RETURN_IF_ERROR(ChannelsLastWindow(a, &out));
    out.dims[3] = n;
    k *= a.params.kernel[0] * a.params.kernel[1];
    if (a.params.weight_layout != fb::WeightLayout_Panel16)
      return Invalid("a linear over convolution windows needs its weight packed (panel16)");
  }
  if (a.params.weight_layout == fb::WeightLayout_Panel16) {
    if (w.shape.rank != 3 || w.shape.dims[2] != 16 || w.shape.dims[1] != k ||
        w.shape.dims[0] != (n + 15) / 16)
      return Invalid("packed weight %s is not [ceil(%lld / 16), %lld, 16]", ShapeText(w).text,
                     static_cast<long long>(n), static_cast<long long>(k));
  } else if (w.shape.rank != 2 || w.shape.dims[0] != k || w.shape.dims[1] != n) {
    return Invalid("input %s, weight %s and output %s do not match (weight must be [K, N])",
                   ShapeText(x).text, ShapeText(w).text, ShapeText(y).text);
  }
  return ValidateLinearEpilogueOf(a, 2, out);
}
KernelResult RunLinear(const OpInfo&, const OpArgs& a) {
  const TensorView* bias = a.num_in > 2 ? a.in[2] : nullptr;
  const TensorView* residual = a.num_in > 3 ? a.in[3] : nullptr;
  const auto act = static_cast<ref::Activation>(a.params.activation);
  const TensorView& x = *a.in[0];
  const TensorView& y = *a.out[0];
  if (a.params.weight_layout != fb::WeightLayout_Panel16) {
    if (a.params.window_rank) {  // the validator refuses it; kept as a guard
      Report(a, "reference: convolution windows need packed weights");
      return {};
    }
    Report(a, "reference: weights not packed (the plan's layout is [K, N])");
    ref::Linear(x, *a.in[1], bias, act, y, a.par, residual);
    return {};
  }
  const int64_t k = a.in[1]->shape.dims[1], n = y.shape.dims[y.shape.rank - 1];
  const cpu::Kernels& kernels = cpu::HostKernels();
  cpu::ConvRows conv{};
  if (a.params.window_rank) {
    conv.x = x.As<float>();
    conv.h = x.shape.dims[1], conv.w = x.shape.dims[2], conv.c = x.shape.dims[3];
    conv.oh = y.shape.dims[1], conv.ow = y.shape.dims[2];
    conv.kh = a.params.kernel[0], conv.kw = a.params.kernel[1];
    for (int d = 0; d < 2; ++d) {
      conv.stride[d] = a.params.strides[d];
      conv.pad[d] = a.params.pads[d];
      conv.dilation[d] = a.params.dilations[d];
    }
  }
  if (kernels.f32_gemm) {
    const size_t m = static_cast<size_t>(n ? y.NumElements() / n : 0);
    cpu::GemmF32Panel16(kernels, x.As<float>(), m, static_cast<size_t>(k), a.in[1]->As<float>(),
                        static_cast<size_t>(n), bias ? bias->As<float>() : nullptr,
                        static_cast<int>(act), y.As<float>(), a.par,
                        residual ? residual->As<float>() : nullptr,
                        a.params.window_rank ? &conv : nullptr);
    Report(a, kernels.isa);
    return {};
  }
  if (a.params.window_rank) {
    Report(a, "reference: no f32 GEMM microkernel in this CPU variant");
    ref::LinearConvPanel16(x, WindowOf(a.params), a.in[1]->As<float>(), k, n, bias, act, y, a.par,
                           residual);
    return {};
  }
  Report(a, "reference: no f32 GEMM microkernel in this CPU variant");
  ref::LinearPanel16(x, a.in[1]->As<float>(), k, n, bias, act, y, a.par, residual);
  return {};
}

// --- Quantization ---

// A per-tensor quantization parameter: a one-element tensor of the given dtype.
Status ExpectScalarOf(const TensorView& v, DType dtype, const char* role) {
  AXLE_RETURN_IF_ERROR(ExpectDType(v, dtype, role));
  if (v.NumElements() != 1)
    return Invalid("%s %s must hold one value (per-tensor quantization)", role, ShapeText(v).text);
  return AXLE_OK;
}

float ScaleOf(const TensorView& v) { return v.As<float>()[0]; }
int32_t ZeroPointOf(const TensorView* v) {
  if (!v) return 0;
  switch (v->dtype) {
  case DType::kU8: return v->As<uint8_t>()[0];
  case DType::kI8: return v->As<int8_t>()[0];
  default: return v->As<int32_t>()[0];
  }
}

Status ValidateQuantizeLinear(const OpInfo&, const OpArgs& a) {
  if (!a.in[0] || !a.in[1] || !a.in[2]) return Invalid("input, scale and zero point are required");
  AXLE_RETURN_IF_ERROR(ExpectF32(*a.in[0], "input"));
  AXLE_RETURN_IF_ERROR(ExpectScalarOf(*a.in[1], DType::kF32, "scale"));
  const DType q = a.in[2]->dtype;
  if (q != DType::kU8 && q != DType::kI8)
    return Invalid("zero point must be u8 or i8, got %s", DTypeName(q));
  AXLE_RETURN_IF_ERROR(ExpectScalarOf(*a.in[2], q, "zero point"));
  return ExpectOutput(a, 0, q, a.in[0]->shape);
}
KernelResult RunQuantizeLinear(const OpInfo&, const OpArgs& a) {
  const float scale = ScaleOf(*a.in[1]);
  if (!(scale > 0.0f) || !std::isfinite(scale)) {
    ref::KernelResult r;
    r.error = ref::KernelError::kBadScale;
    r.operand = 1;
    return r;
  }
  const cpu::Kernels& kernels = cpu::HostKernels();
  if (!kernels.quantize_u8) {
    Report(a, "reference: no quantize microkernel in this CPU variant");
  } else if (a.out[0]->dtype != DType::kU8) {
    Report(a, "reference: the output is not u8");
  } else {
    const int64_t n = a.in[0]->NumElements();
    // Split across threads in 4 KB chunks.
    ParallelFor(n > (1 << 16) ? a.par : nullptr, (n + 4095) / 4096, [&](int64_t b, int64_t e) {
      const int64_t lo = b * 4096, hi = std::min(n, e * 4096);
      kernels.quantize_u8(a.in[0]->As<float>() + lo, static_cast<size_t>(hi - lo), scale,
                          ZeroPointOf(a.in[2]), a.out[0]->As<uint8_t>() + lo);
    });
    Report(a, kernels.isa);
    return {};
  }
  ref::QuantizeLinear(*a.in[0], scale, ZeroPointOf(a.in[2]), *a.out[0]);
  return {};
}

Status ValidateDequantizeLinear(const OpInfo&, const OpArgs& a) {
  if (!a.in[0] || !a.in[1]) return Invalid("input and scale are required");
  const DType q = a.in[0]->dtype;
  if (q != DType::kU8 && q != DType::kI8 && q != DType::kI32)
    return Invalid("input must be u8, i8 or i32, got %s", DTypeName(q));
  AXLE_RETURN_IF_ERROR(ExpectScalarOf(*a.in[1], DType::kF32, "scale"));
  if (a.num_in > 2 && a.in[2]) AXLE_RETURN_IF_ERROR(ExpectScalarOf(*a.in[2], q, "zero point"));
  return ExpectOutput(a, 0, DType::kF32, a.in[0]->shape);
}
KernelResult RunDequantizeLinear(const OpInfo&, const OpArgs& a) {
  ref::DequantizeLinear(*a.in[0], ScaleOf(*a.in[1]), ZeroPointOf(a.num_in > 2 ? a.in[2] : nullptr),
                        *a.out[0]);
  return {};
}

Status ValidateLinearInt8(const OpInfo&, const OpArgs& a) {
  for (uint32_t i = 0; i < 4; ++i)
    if (!a.in[i])
      return Invalid("input %u (input, weight, weight scales, column sums) is absent", i);
  const TensorView& x = *a.in[0];
  const TensorView& w = *a.in[1];
  AXLE_RETURN_IF_ERROR(ExpectDType(x, DType::kU8, "input"));
  AXLE_RETURN_IF_ERROR(ExpectDType(w, DType::kI8, "weight"));
  const TensorView& y = *a.out[0];
  if (x.shape.rank < 1 || y.shape.rank != x.shape.rank)
    return Invalid("input %s and output %s must have the same rank >= 1", ShapeText(x).text,
                   ShapeText(y).text);
  const int64_t k = x.shape.dims[x.shape.rank - 1], n = y.shape.dims[y.shape.rank - 1];
  const int64_t quads = static_cast<int64_t>(S8KQuads(static_cast<size_t>(k)));
  if (a.params.weight_layout == fb::WeightLayout_S8Panel16x4) {
    if (w.shape.rank != 3 || w.shape.dims[0] != (n + 15) / 16 || w.shape.dims[1] != quads ||
        w.shape.dims[2] != 64)
      return Invalid("packed int8 weight %s is not [ceil(%lld / 16), ceil(%lld / 64) * 16, 64]",
                     ShapeText(w).text, static_cast<long long>(n), static_cast<long long>(k));
  } else if (a.params.weight_layout == fb::WeightLayout_S8Panel16x8) {
    if (w.shape.rank != 3 || w.shape.dims[0] != (n + 15) / 16 || w.shape.dims[1] != quads / 2 ||
        w.shape.dims[2] != 128)
      return Invalid("s8panel16x8 weight %s is not [ceil(%lld / 16), ceil(%lld / 64) * 8, 128]",
                     ShapeText(w).text, static_cast<long long>(n), static_cast<long long>(k));
  } else if (a.params.weight_layout != fb::WeightLayout_KN || w.shape.rank != 2 ||
             w.shape.dims[0] != k || w.shape.dims[1] != n) {
    return Invalid("input %s, weight %s and output %s do not match (weight must be [K, N], "
                   "s8panel16x4 or s8panel16x8)",
                   ShapeText(x).text, ShapeText(w).text, ShapeText(y).text);
  }
  Shape vec;
  vec.rank = 1;
  vec.dims[0] = n;
  AXLE_RETURN_IF_ERROR(ExpectDType(*a.in[2], DType::kF32, "weight scales"));
  AXLE_RETURN_IF_ERROR(ExpectShape(*a.in[2], vec, "weight scales"));
  AXLE_RETURN_IF_ERROR(ExpectDType(*a.in[3], DType::kI32, "column sums"));
  AXLE_RETURN_IF_ERROR(ExpectShape(*a.in[3], vec, "column sums"));
  return ValidateLinearEpilogue(a, 4, x, n);
}
KernelResult RunLinearInt8(const OpInfo&, const OpArgs& a) {
  const TensorView& x = *a.in[0];
  const TensorView& y = *a.out[0];
  const int64_t k = x.shape.dims[x.shape.rank - 1], n = y.shape.dims[y.shape.rank - 1];
  const int64_t m = n ? y.NumElements() / n : 0;
  const float* bias = a.num_in > 4 && a.in[4] ? a.in[4]->As<float>() : nullptr;
  const float* residual = a.num_in > 5 && a.in[5] ? a.in[5]->As<float>() : nullptr;
  const auto act = static_cast<ref::Activation>(a.params.activation);
  const auto layout =
      a.params.weight_layout == fb::WeightLayout_S8Panel16x4   ? ref::S8Layout::kPanel16x4
      : a.params.weight_layout == fb::WeightLayout_S8Panel16x8 ? ref::S8Layout::kPanel16x8
                                                               : ref::S8Layout::kKN;
  const cpu::Kernels& kernels = cpu::HostKernels();
  const cpu::S8GemmUkernel ukernel = layout == ref::S8Layout::kPanel16x4   ? kernels.s8_gemm
                                     : layout == ref::S8Layout::kPanel16x8 ? kernels.s8_gemm_c8
                                                                           : nullptr;
  if (layout == ref::S8Layout::kKN) {
    Report(a, "reference: weights not packed (the plan's layout is [K, N])");
  } else if (!ukernel) {
    Report(a, layout == ref::S8Layout::kPanel16x8
                  ? "reference: weights packed for i8mm (s8panel16x8) and this CPU variant has "
                    "no i8mm GEMM"
                  : "reference: no int8 GEMM microkernel in this CPU variant");
  } else if (k > static_cast<int64_t>(cpu::kS8GemmMaxK)) {
    Report(a, "reference: K above the int8 GEMM's 8192");
  } else {
    float* py = y.As<float>();
    cpu::GemmS8Panel16x4(kernels, x.As<uint8_t>(), static_cast<size_t>(m), static_cast<size_t>(k),
                         a.params.input_scale, a.params.input_zero_point, a.in[1]->As<int8_t>(),
                         a.in[3]->As<int32_t>(), a.in[2]->As<float>(), static_cast<size_t>(n), bias,
                         static_cast<int>(act), py, a.par,
                         /*c8=*/layout == ref::S8Layout::kPanel16x8);
    if (residual)
      for (int64_t i = 0; i < m * n; ++i) py[i] += residual[i];
    Report(a, kernels.isa);
    return {};
  }
  ref::LinearInt8(x.As<uint8_t>(), m, k, a.params.input_scale, a.params.input_zero_point,
                  a.in[1]->As<int8_t>(), layout, a.in[2]->As<float>(), n, bias, act, residual,
                  y.As<float>());
  return {};
}

Status ValidateLinearWeightOnly(const OpInfo&, const OpArgs& a) {
  for (uint32_t i = 0; i < 3; ++i)
    if (!a.in[i]) return Invalid("input %u (input, weight, scales) is absent", i);
  const TensorView& x = *a.in[0];
  const TensorView& w = *a.in[1];
  const TensorView& s = *a.in[2];
  AXLE_RETURN_IF_ERROR(ExpectF32(x, "input"));
  AXLE_RETURN_IF_ERROR(ExpectF32(s, "scales"));
  const TensorView& y = *a.out[0];
  if (x.shape.rank < 1 || y.shape.rank != x.shape.rank)
    return Invalid("input %s and output %s must have the same rank >= 1", ShapeText(x).text,
                   ShapeText(y).text);
  const int64_t k = x.shape.dims[x.shape.rank - 1], n = y.shape.dims[y.shape.rank - 1];
  const int64_t panels = (n + 15) / 16;
  if (a.params.weight_layout == fb::WeightLayout_W8Panel16) {
    AXLE_RETURN_IF_ERROR(ExpectDType(w, DType::kI8, "weight"));
    if (w.shape.rank != 3 || w.shape.dims[0] != panels || w.shape.dims[1] != k ||
        w.shape.dims[2] != 16)
      return Invalid("w8panel16 weight %s is not [%lld, %lld, 16]", ShapeText(w).text,
                     static_cast<long long>(panels), static_cast<long long>(k));
    if (s.shape.rank != 1 || s.shape.dims[0] != n)
      return Invalid("scales %s are not [%lld]", ShapeText(s).text, static_cast<long long>(n));
  } else if (a.params.weight_layout == fb::WeightLayout_W4Panel16) {
    AXLE_RETURN_IF_ERROR(ExpectDType(w, DType::kU8, "weight"));
    if (w.shape.rank != 3 || w.shape.dims[0] != panels || w.shape.dims[1] != (k + 1) / 2 ||
        w.shape.dims[2] != 16)
      return Invalid("w4panel16 weight %s is not [%lld, %lld, 16]", ShapeText(w).text,
                     static_cast<long long>(panels), static_cast<long long>((k + 1) / 2));
    const int64_t group = a.params.weight_group;
    if (!IsW4Group(group))
      return Invalid("w4panel16 group size %lld is not 32, 64 or 128",
                     static_cast<long long>(group));
    const int64_t groups = (k + group - 1) / group;
    if (s.shape.rank != 2 || s.shape.dims[0] != groups || s.shape.dims[1] != n)
      return Invalid("scales %s are not [%lld, %lld] (a scale per %lld rows and column)",
                     ShapeText(s).text, static_cast<long long>(groups), static_cast<long long>(n),
                     static_cast<long long>(group));
  } else {
    return Invalid("weight layout %d is not a weight-only layout (w8panel16, w4panel16)",
                   static_cast<int>(a.params.weight_layout));
  }
  return ValidateLinearEpilogue(a, 3, x, n);
}
KernelResult RunLinearWeightOnly(const OpInfo&, const OpArgs& a) {
  const TensorView& x = *a.in[0];
  const TensorView& y = *a.out[0];
  const int64_t k = x.shape.dims[x.shape.rank - 1], n = y.shape.dims[y.shape.rank - 1];
  const int64_t m = n ? y.NumElements() / n : 0;
  const float* bias = a.num_in > 3 && a.in[3] ? a.in[3]->As<float>() : nullptr;
  const float* residual = a.num_in > 4 && a.in[4] ? a.in[4]->As<float>() : nullptr;
  const bool w4 = a.params.weight_layout == fb::WeightLayout_W4Panel16;
  const float* scales = a.in[2]->As<float>();
  float* py = y.As<float>();
  // One GEMV per row: the layouts serve the memory-bound decode step (M = 1), split across
  // the threads by column panels; longer inputs split by rows instead (one wake-up, not one
  // per row) and re-read the weights from the caches.
  const Parallel* panel_par = m == 1 ? a.par : nullptr;
  const cpu::Kernels& kernels = cpu::HostKernels();
  const bool fast = w4 ? kernels.f32_gemv_w4 != nullptr : kernels.f32_gemv_w8 != nullptr;
  Report(a, fast ? kernels.isa : "reference: no weight-only GEMV microkernel in this CPU variant");
  ParallelFor(m > 1 ? a.par : nullptr, m, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = x.As<float>() + r * k;
      float* yr = py + r * n;
      if (!w4 && kernels.f32_gemv_w8) {
        cpu::GemvW8(kernels, xr, static_cast<size_t>(k), a.in[1]->As<int8_t>(), scales,
                    static_cast<size_t>(n), bias, yr, panel_par);
        continue;
      }
      if (w4 && kernels.f32_gemv_w4) {
        cpu::GemvW4(kernels, xr, static_cast<size_t>(k), a.in[1]->As<uint8_t>(), scales,
                    static_cast<size_t>(n), static_cast<size_t>(a.params.weight_group), bias, yr,
                    panel_par);
        continue;
      }
      if (w4)
        ref::GemvW4(xr, k, a.in[1]->As<uint8_t>(), scales, n, a.params.weight_group, bias, yr);
      else
        ref::GemvW8(xr, k, a.in[1]->As<int8_t>(), scales, n, bias, yr);
    }
  });
  ref::ActivateRows(py, m, n, static_cast<ref::Activation>(a.params.activation), residual);
  return {};
}

Status ValidateAttention(const OpInfo&, const OpArgs& a) {
  for (uint32_t k = 0; k < 3; ++k)
    if (!a.in[k]) return Invalid("input %u (query, key, value) is absent", k);
  const TensorView& q = *a.in[0];
  const TensorView& k = *a.in[1];
  const TensorView& v = *a.in[2];
  AXLE_RETURN_IF_ERROR(ExpectF32(q, "query"));
  AXLE_RETURN_IF_ERROR(ExpectF32(k, "key"));
  AXLE_RETURN_IF_ERROR(ExpectF32(v, "value"));
  const int64_t h = a.params.num_heads;
  const int64_t g = a.params.kv_heads > 0 ? a.params.kv_heads : h;
  if (q.shape.rank != 3 || k.shape.rank != 3 || v.shape.rank != 3)
    return Invalid("query %s, key %s and value %s must be [B, S, H*d]", ShapeText(q).text,
                   ShapeText(k).text, ShapeText(v).text);
  if (h < 1 || g < 1 || h % g)
    return Invalid("%lld key/value heads do not divide %lld query heads", static_cast<long long>(g),
                   static_cast<long long>(h));
  if (q.shape.dims[2] % h || v.shape.dims[2] % g || v.shape.dims[2] / g > 1024)
    return Invalid("%lld heads do not split query %s and %lld value %s (head size at most 1024)",
                   static_cast<long long>(h), ShapeText(q).text, static_cast<long long>(g),
                   ShapeText(v).text);
  if (k.shape.dims[0] != q.shape.dims[0] || v.shape.dims[0] != q.shape.dims[0] ||
      k.shape.dims[1] != v.shape.dims[1] || k.shape.dims[2] / g != q.shape.dims[2] / h ||
      k.shape.dims[2] % g)
    return Invalid("query %s, key %s and value %s disagree in batch, length or head size",
                   ShapeText(q).text, ShapeText(k).text, ShapeText(v).text);
  const bool has_mask = a.num_in > 3 && a.in[3];
  const auto mode = static_cast<ref::MaskMode>(a.params.mask_mode);
  if (has_mask != (mode != ref::MaskMode::kNone))
    return Invalid("mask mode %d does not match a mask that is %s", a.params.mask_mode,
                   has_mask ? "present" : "absent");
  if (has_mask) {
    const TensorView& m = *a.in[3];
    AXLE_RETURN_IF_ERROR(
        ExpectDType(m, mode == ref::MaskMode::kAdditive ? DType::kF32 : DType::kBool, "mask"));
    Shape full;
    full.rank = 4;
    full.dims[0] = q.shape.dims[0];
    full.dims[1] = h;
    full.dims[2] = q.shape.dims[1];
    full.dims[3] = k.shape.dims[1];
    if (!ref::BroadcastsTo(m.shape, full))
      return Invalid("mask %s does not broadcast to [B, H, Sq, Sk] = [%lld,%lld,%lld,%lld]",
                     ShapeText(m).text, static_cast<long long>(full.dims[0]),
                     static_cast<long long>(h), static_cast<long long>(full.dims[2]),
                     static_cast<long long>(full.dims[3]));
  }
  Shape out = q.shape;
  out.dims[2] = v.shape.dims[2] / g * h;
  return ExpectOutput(a, 0, DType::kF32, out);
}
KernelResult RunAttention(const OpInfo&, const OpArgs& a) {
  ref::AttentionConfig c;
  c.num_heads = a.params.num_heads;
  c.scale = a.params.alpha;
  c.mask = static_cast<ref::MaskMode>(a.params.mask_mode);
  c.mask_fill = a.params.beta;
  c.kv_heads = a.params.kv_heads > 0 ? a.params.kv_heads : c.num_heads;
  c.zero_empty_rows = a.params.zero_empty_rows;
  const TensorView* mask = a.num_in > 3 ? a.in[3] : nullptr;
  const TensorView &q = *a.in[0], &k = *a.in[1], &v = *a.in[2];
  const cpu::Kernels& kernels = cpu::HostKernels();
  const int64_t dk = q.shape.dims[2] / c.num_heads, dv = v.shape.dims[2] / c.kv_heads;
  if (!kernels.f32_attention) {
    Report(a, "reference: no fused attention microkernel in this CPU variant");
  } else if (dk > cpu::kAttentionMaxDk || dv > cpu::kAttentionMaxDv) {
    Report(a, "reference: head size above the fused kernel's 128 (key) / 256 (value)");
  } else {
    cpu::AttentionArgs args{};
    args.q = q.As<float>();
    args.k = k.As<float>();
    args.v = v.As<float>();
    args.mask = mask ? mask->data : nullptr;
    args.mask_mode = static_cast<int>(c.mask);
    args.mask_fill = c.mask_fill;
    if (mask) {
      Shape full;
      full.rank = 4;
      full.dims[0] = q.shape.dims[0];
      full.dims[1] = c.num_heads;
      full.dims[2] = q.shape.dims[1];
      full.dims[3] = k.shape.dims[1];
      ref::BroadcastStridesOf(mask->shape, full, args.mask_strides);
    }
    args.batch = q.shape.dims[0];
    args.heads = c.num_heads;
    args.kv_heads = c.kv_heads;
    args.zero_empty_rows = c.zero_empty_rows;
    args.sq = q.shape.dims[1];
    args.sk = k.shape.dims[1];
    args.dk = dk;
    args.dv = dv;
    args.scale = c.scale;
    args.y = a.out[0]->As<float>();
    cpu::AttentionF32(kernels, args, a.par);
    Report(a, kernels.isa);
    return {};
  }
  ref::Attention(q, k, v, mask, c, *a.out[0], a.par);
  return {};
}

Status ValidateGelu(const OpInfo&, const OpArgs& a) {
  AXLE_RETURN_IF_ERROR(ExpectF32(*a.in[0], "input 0"));
  const auto act = static_cast<ref::Activation>(a.params.activation);
  if (act != ref::Activation::kGelu && act != ref::Activation::kGeluTanh)
    return Invalid("activation %d is not a GELU form", a.params.activation);
  return ExpectOutput(a, 0, DType::kF32, a.in[0]->shape);
}
KernelResult RunGelu(const OpInfo&, const OpArgs& a) {
  const bool tanh_form = a.params.activation == static_cast<uint8_t>(ref::Activation::kGeluTanh);
  const cpu::Kernels& kernels = cpu::HostKernels();
  if (kernels.f32_vmath) {
    const float* x = a.in[0]->As<float>();
    float* y = a.out[0]->As<float>();
    const auto fn = tanh_form ? cpu::VMathFn::kGeluTanh : cpu::VMathFn::kGeluErf;
    ParallelFor(a.par, (a.in[0]->NumElements() + 4095) / 4096, [&](int64_t b, int64_t e) {
      const int64_t n = a.in[0]->NumElements();
      const int64_t lo = b * 4096, hi = std::min(n, e * 4096);
      kernels.f32_vmath(fn, x + lo, y + lo, static_cast<size_t>(hi - lo));
    });
    Report(a, kernels.isa);
    return {};
  }
  Report(a, "reference: no vector math in this CPU variant");
  ref::Gelu(*a.in[0], tanh_form, *a.out[0]);
  return {};
}

Status ValidateRmsNorm(const OpInfo&, const OpArgs& a) {
  AXLE_RETURN_IF_ERROR(ExpectPresent(a));
  const TensorView& x = *a.in[0];
  AXLE_RETURN_IF_ERROR(ExpectF32(x, "input 0"));
  AXLE_RETURN_IF_ERROR(ExpectF32(*a.in[1], "scale"));
  AXLE_RETURN_IF_ERROR(ExpectAxis(a.params.axis, x.shape.rank));
  int64_t inner = 1;
  for (int d = static_cast<int>(a.params.axis); d < x.shape.rank; ++d) inner *= x.shape.dims[d];
  if (a.in[1]->NumElements() != inner && a.in[1]->NumElements() != 1)
    return Invalid("scale has %lld elements; expected 1 or %lld",
                   static_cast<long long>(a.in[1]->NumElements()), static_cast<long long>(inner));
  return ExpectOutput(a, 0, DType::kF32, x.shape);
}
KernelResult RunRmsNorm(const OpInfo&, const OpArgs& a) {
  ref::RmsNorm(*a.in[0], *a.in[1], static_cast<int>(a.params.axis), a.params.epsilon, *a.out[0]);
  return {};
}

Status ValidateFusedElementwise(const OpInfo&, const OpArgs& a) {
  AXLE_RETURN_IF_ERROR(ExpectPresent(a));
  if (a.num_in > static_cast<uint32_t>(ref::kMaxElementwiseInputs))
    return Invalid("%u inputs; a fused elementwise step takes at most %d", a.num_in,
                   ref::kMaxElementwiseInputs);
  const TensorView& y = *a.out[0];
  AXLE_RETURN_IF_ERROR(ExpectF32(y, "output 0"));
  for (uint32_t k = 0; k < a.num_in; ++k) {
    AXLE_RETURN_IF_ERROR(ExpectF32(*a.in[k], "an input"));
    if (!ref::BroadcastsTo(a.in[k]->shape, y.shape))
      return Invalid("input %u %s does not broadcast to output %s", k, ShapeText(*a.in[k]).text,
                     ShapeText(y).text);
  }
  int64_t at = 0;
  if (const char* why =
          ref::CheckElementwiseProgram(a.params.code, a.params.code_size,
                                       static_cast<int>(a.num_in), a.params.num_constants, &at))
    return Invalid("program instruction %lld %s", static_cast<long long>(at), why);
  return AXLE_OK;
}
KernelResult RunFusedElementwise(const OpInfo&, const OpArgs& a) {
  const cpu::Kernels& kernels = cpu::HostKernels();
  if (kernels.f32_vmath) {
    cpu::FusedElementwiseF32(kernels, a.params.code, a.params.code_size, a.params.constants, a.in,
                             static_cast<int>(a.num_in), *a.out[0], a.par);
    Report(a, kernels.isa);
    return {};
  }
  Report(a, "reference: no vector math kernels in this CPU variant");
  ref::FusedElementwise(a.params.code, a.params.code_size, a.params.constants, a.in,
                        static_cast<int>(a.num_in), *a.out[0], a.par);
  return {};
}

// --- Indexing ---

Status ExpectIndices(const TensorView& v, const char* role) {
  if (v.dtype != DType::kI32 && v.dtype != DType::kI64)
    return Invalid("%s has dtype %s; indices are i32 or i64", role, DTypeName(v.dtype));
  return AXLE_OK;
}

Status ExpectNumeric(const TensorView& v, const char* role) {
  if (!ref::IsNumeric(v.dtype))
    return Invalid("%s has dtype %s, which this kernel does not take", role, DTypeName(v.dtype));
  return AXLE_OK;
}

Status ValidateArgReduce(const OpInfo&, const OpArgs& a) {
  const TensorView& x = *a.in[0];
  AXLE_RETURN_IF_ERROR(ExpectNumeric(x, "input 0"));
  AXLE_RETURN_IF_ERROR(ExpectAxis(a.params.axis, x.shape.rank));
  if (x.shape.dims[a.params.axis] == 0) return Invalid("the reduced axis is empty");
  Shape out = x.shape;
  if (a.params.keepdims) {
    out.dims[a.params.axis] = 1;
  } else {
    for (int d = static_cast<int>(a.params.axis); d + 1 < out.rank; ++d)
      out.dims[d] = out.dims[d + 1];
    --out.rank;
  }
  return ExpectOutput(a, 0, DType::kI64, out);
}
KernelResult RunArgReduce(const OpInfo& op, const OpArgs& a) {
  ref::ArgReduce(*a.in[0], static_cast<int>(a.params.axis), op.variant == 1,
                 a.params.select_last_index, *a.out[0]);
  return {};
}

// Indices of the same rank as the data, no larger than it outside `axis`.
Status ValidateElementsIndices(const TensorView& data, const TensorView& idx, int64_t axis) {
  AXLE_RETURN_IF_ERROR(ExpectIndices(idx, "indices (input 1)"));
  AXLE_RETURN_IF_ERROR(ExpectAxis(axis, data.shape.rank));
  if (idx.shape.rank != data.shape.rank)
    return Invalid("indices %s and data %s differ in rank", ShapeText(idx).text,
                   ShapeText(data).text);
  for (int d = 0; d < data.shape.rank; ++d)
    if (d != axis && idx.shape.dims[d] > data.shape.dims[d])
      return Invalid("indices %s exceed data %s in dimension %d", ShapeText(idx).text,
                     ShapeText(data).text, d);
  return AXLE_OK;
}

Status ValidateGatherElements(const OpInfo&, const OpArgs& a) {
  AXLE_RETURN_IF_ERROR(ValidateElementsIndices(*a.in[0], *a.in[1], a.params.axis));
  return ExpectOutput(a, 0, a.in[0]->dtype, a.in[1]->shape);
}
KernelResult RunGatherElements(const OpInfo&, const OpArgs& a) {
  return ref::GatherElements(*a.in[0], *a.in[1], static_cast<int>(a.params.axis), *a.out[0]);
}

Status ValidateScatterElements(const OpInfo&, const OpArgs& a) {
  const TensorView& data = *a.in[0];
  AXLE_RETURN_IF_ERROR(ExpectNumeric(data, "data (input 0)"));
  AXLE_RETURN_IF_ERROR(ValidateElementsIndices(data, *a.in[1], a.params.axis));
  if (a.in[2]->dtype != data.dtype) return Invalid("updates and data differ in dtype");
  AXLE_RETURN_IF_ERROR(ExpectShape(*a.in[2], a.in[1]->shape, "updates (input 2)"));
  return ExpectOutput(a, 0, data.dtype, data.shape);
}
KernelResult RunScatterElements(const OpInfo&, const OpArgs& a) {
  return ref::ScatterElements(*a.in[0], *a.in[1], *a.in[2], static_cast<int>(a.params.axis),
                              static_cast<ref::ScatterReduction>(a.params.reduction), *a.out[0]);
}

// The shape a GatherND of `data` by `idx` gives (also ScatterND's updates, batch_dims 0).
Status NdShape(const TensorView& data, const TensorView& idx, int64_t batch_dims, Shape* out) {
  AXLE_RETURN_IF_ERROR(ExpectIndices(idx, "indices (input 1)"));
  if (idx.shape.rank < 1) return Invalid("indices must have rank >= 1");
  const int64_t k = idx.shape.dims[idx.shape.rank - 1];
  if (batch_dims < 0 || batch_dims >= idx.shape.rank || k < 0 || batch_dims + k > data.shape.rank)
    return Invalid("indices %s with batch_dims %lld do not index data %s", ShapeText(idx).text,
                   static_cast<long long>(batch_dims), ShapeText(data).text);
  for (int d = 0; d < batch_dims; ++d)
    if (idx.shape.dims[d] != data.shape.dims[d])
      return Invalid("batch dimension %d differs between data and indices", d);
  out->rank = 0;
  for (int d = 0; d + 1 < idx.shape.rank; ++d) out->dims[out->rank++] = idx.shape.dims[d];
  for (int d = static_cast<int>(batch_dims + k); d < data.shape.rank; ++d) {
    if (out->rank >= kMaxRank) return Invalid("the result has rank above %d", kMaxRank);
    out->dims[out->rank++] = data.shape.dims[d];
  }
  return AXLE_OK;
}

Status ValidateGatherND(const OpInfo&, const OpArgs& a) {
  Shape out;
  AXLE_RETURN_IF_ERROR(NdShape(*a.in[0], *a.in[1], a.params.batch_dims, &out));
  return ExpectOutput(a, 0, a.in[0]->dtype, out);
}
KernelResult RunGatherND(const OpInfo&, const OpArgs& a) {
  return ref::GatherND(*a.in[0], *a.in[1], static_cast<int>(a.params.batch_dims), *a.out[0]);
}

Status ValidateScatterND(const OpInfo&, const OpArgs& a) {
  const TensorView& data = *a.in[0];
  AXLE_RETURN_IF_ERROR(ExpectNumeric(data, "data (input 0)"));
  Shape updates;
  AXLE_RETURN_IF_ERROR(NdShape(data, *a.in[1], 0, &updates));
  if (a.in[2]->dtype != data.dtype) return Invalid("updates and data differ in dtype");
  AXLE_RETURN_IF_ERROR(ExpectShape(*a.in[2], updates, "updates (input 2)"));
  return ExpectOutput(a, 0, data.dtype, data.shape);
}
KernelResult RunScatterND(const OpInfo&, const OpArgs& a) {
  return ref::ScatterND(*a.in[0], *a.in[1], *a.in[2],
                        static_cast<ref::ScatterReduction>(a.params.reduction), *a.out[0]);
}

Status ValidateTopK(const OpInfo&, const OpArgs& a) {
  const TensorView& x = *a.in[0];
  AXLE_RETURN_IF_ERROR(ExpectNumeric(x, "input 0"));
  AXLE_RETURN_IF_ERROR(ExpectAxis(a.params.axis, x.shape.rank));
  Shape out = x.shape;
  out.dims[a.params.axis] =
      a.out[0]->shape.rank == x.shape.rank ? a.out[0]->shape.dims[a.params.axis] : -1;
  if (out.dims[a.params.axis] < 0 || out.dims[a.params.axis] > x.shape.dims[a.params.axis])
    return Invalid("k must be in [0, %lld]", static_cast<long long>(x.shape.dims[a.params.axis]));
  AXLE_RETURN_IF_ERROR(ExpectOutput(a, 0, x.dtype, out));
  return ExpectOutput(a, 1, DType::kI64, out);
}
KernelResult RunTopK(const OpInfo&, const OpArgs& a) {
  ref::TopK(*a.in[0], static_cast<int>(a.params.axis), a.params.largest, *a.out[0], *a.out[1]);
  return {};
}

Status ValidateCumSum(const OpInfo&, const OpArgs& a) {
  const TensorView& x = *a.in[0];
  AXLE_RETURN_IF_ERROR(ExpectNumeric(x, "input 0"));
  AXLE_RETURN_IF_ERROR(ExpectAxis(a.params.axis, x.shape.rank));
  return ExpectOutput(a, 0, x.dtype, x.shape);
}
KernelResult RunCumSum(const OpInfo&, const OpArgs& a) {
  ref::CumSum(*a.in[0], static_cast<int>(a.params.axis), a.params.exclusive, a.params.reverse,
              *a.out[0]);
  return {};
}

// --- Convolution and pooling ---

ref::Window WindowOf(const StepParams& p) {
  ref::Window w;
  w.rank = p.window_rank;
  w.kernel = p.kernel;
  w.strides = p.strides;
  w.pads = p.pads;
  w.dilations = p.dilations;
  return w;
}

Status ExpectWindowInput(const TensorView& x, const StepParams& p) {
  AXLE_RETURN_IF_ERROR(ExpectF32(x, "input 0"));
  if (x.shape.rank != p.window_rank + 2)
    return Invalid("input 0 %s needs rank %d: [N, C] and %d spatial dimensions", ShapeText(x).text,
                   p.window_rank + 2, p.window_rank);
  return AXLE_OK;
}

// Output extent of a window sliding over `in` (floor, or ceil when `ceil_mode`).
int64_t WindowOut(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe,
                  bool ceil_mode) {
  const int64_t span = in + pb + pe - ((k - 1) * d + 1);
  if (span < 0) return 0;
  return (ceil_mode ? (span + s - 1) / s : span / s) + 1;
}

Status ValidateConv(const OpInfo&, const OpArgs& a) {
  const StepParams& p = a.params;
  const TensorView& x = *a.in[0];
  const TensorView& w = *a.in[1];
  AXLE_RETURN_IF_ERROR(ExpectWindowInput(x, p));
  AXLE_RETURN_IF_ERROR(ExpectF32(w, "weight (input 1)"));
  const int64_t c = x.shape.dims[1], m = w.shape.dims[0];
  if (w.shape.rank != x.shape.rank || c % p.group || m % p.group || w.shape.dims[1] != c / p.group)
    return Invalid("weight %s does not fit input %s with group %lld", ShapeText(w).text,
                   ShapeText(x).text, static_cast<long long>(p.group));
  Shape out = x.shape;
  out.dims[1] = m;
  for (int d = 0; d < p.window_rank; ++d) {
    if (w.shape.dims[2 + d] != p.kernel[d])
      return Invalid("weight %s does not match kernel size %lld in spatial dimension %d",
                     ShapeText(w).text, static_cast<long long>(p.kernel[d]), d);
    out.dims[2 + d] = WindowOut(x.shape.dims[2 + d], p.kernel[d], p.strides[d], p.dilations[d],
                                p.pads[d], p.pads[p.window_rank + d], false);
  }
  if (a.num_in > 2 && a.in[2]) {
    AXLE_RETURN_IF_ERROR(ExpectF32(*a.in[2], "bias (input 2)"));
    if (a.in[2]->NumElements() != m)
      return Invalid("bias has %lld values for %lld output channels",
                     static_cast<long long>(a.in[2]->NumElements()), static_cast<long long>(m));
  }
  return ExpectOutput(a, 0, DType::kF32, out);
}
KernelResult RunConv(const OpInfo&, const OpArgs& a) {
  ref::Conv(*a.in[0], *a.in[1], a.num_in > 2 ? a.in[2] : nullptr, WindowOf(a.params),
            a.params.group, *a.out[0], a.par);
  return {};
}

// Channels-last [N, H, W, C] input and the [N, Ho, Wo, *] extent of a 2-D window over it.
Status ChannelsLastWindow(const OpArgs& a, Shape* out) {
  const StepParams& p = a.params;
  const TensorView& x = *a.in[0];
  AXLE_RETURN_IF_ERROR(ExpectF32(x, "input 0"));
  if (p.window_rank != 2 || x.shape.rank != 4)
    return Invalid("input 0 %s must be [N, H, W, C] under a 2-D window (got %d dimensions)",
                   ShapeText(x).text, p.window_rank);
  *out = x.shape;
  for (int d = 0; d < 2; ++d) {
    out->dims[1 + d] = WindowOut(x.shape.dims[1 + d], p.kernel[d], p.strides[d], p.dilations[d],
                                 p.pads[d], p.pads[2 + d], false);
    if (out->dims[1 + d] < 1)
      return Invalid("the window leaves no output in spatial dimension %d of input %s", d,
                     ShapeText(x).text);
  }
  return AXLE_OK;
}

Status ValidateIm2Col(const OpInfo&, const OpArgs& a) {
  Shape out;
  AXLE_RETURN_IF_ERROR(ChannelsLastWindow(a, &out));
  out.dims[3] = a.params.kernel[0] * a.params.kernel[1] * a.in[0]->shape.dims[3];
  return ExpectOutput(a, 0, DType::kF32, out);
}
KernelResult RunIm2Col(const OpInfo&, const OpArgs& a) {
  ref::Im2ColNhwc(*a.in[0], WindowOf(a.params), *a.out[0], a.par);
  Report(a, "reference");
  return {};
}

Status ValidateDepthwiseConv(const OpInfo&, const OpArgs& a) {
  Shape out;
  AXLE_RETURN_IF_ERROR(ChannelsLastWindow(a, &out));
  const TensorView& w = *a.in[1];
  const int64_t c = a.in[0]->shape.dims[3];
  AXLE_RETURN_IF_ERROR(ExpectF32(w, "weight (input 1)"));
  if (w.shape.rank != 3 || w.shape.dims[0] != a.params.kernel[0] ||
      w.shape.dims[1] != a.params.kernel[1] || w.shape.dims[2] != c)
    return Invalid("weight %s is not [kh, kw, C] = [%lld, %lld, %lld]", ShapeText(w).text,
                   static_cast<long long>(a.params.kernel[0]),
                   static_cast<long long>(a.params.kernel[1]), static_cast<long long>(c));
  const auto act = static_cast<ref::Activation>(a.params.activation);
  if (act != ref::Activation::kNone && act != ref::Activation::kRelu &&
      act != ref::Activation::kRelu6)
    return Invalid("activation %d: a depthwise convolution applies none, relu or relu6",
                   a.params.activation);
  if (a.num_in > 2 && a.in[2]) {
    AXLE_RETURN_IF_ERROR(ExpectF32(*a.in[2], "bias (input 2)"));
    if (a.in[2]->NumElements() != c)
      return Invalid("bias has %lld values for %lld channels",
                     static_cast<long long>(a.in[2]->NumElements()), static_cast<long long>(c));
  }
  return ExpectOutput(a, 0, DType::kF32, out);
}
KernelResult RunDepthwiseConv(const OpInfo&, const OpArgs& a) {
  const cpu::Kernels& kernels = cpu::HostKernels();
  const TensorView &x = *a.in[0], &y = *a.out[0];
  if (kernels.f32_depthwise) {
    cpu::DepthwiseArgs d{};
    d.x = x.As<float>();
    d.w = a.in[1]->As<float>();
    d.bias = a.num_in > 2 && a.in[2] ? a.in[2]->As<float>() : nullptr;
    d.y = y.As<float>();
    d.batch = x.shape.dims[0], d.h = x.shape.dims[1], d.w_in = x.shape.dims[2];
    d.c = x.shape.dims[3], d.oh = y.shape.dims[1], d.ow = y.shape.dims[2];
    d.kh = a.params.kernel[0], d.kw = a.params.kernel[1];
    for (int i = 0; i < 2; ++i) {
      d.stride[i] = a.params.strides[i];
      d.pad[i] = a.params.pads[i];
      d.dilation[i] = a.params.dilations[i];
    }
    d.act = a.params.activation;
    cpu::DepthwiseConvF32(kernels, d, a.par);
    Report(a, kernels.isa);
    return {};
  }
  Report(a, "reference: no depthwise microkernel in this CPU variant");
  ref::DepthwiseConvNhwc(*a.in[0], *a.in[1], a.num_in > 2 ? a.in[2] : nullptr, WindowOf(a.params),
                         static_cast<ref::Activation>(a.params.activation), *a.out[0], a.par);
  return {};
}

Status ValidateConvTranspose(const OpInfo&, const OpArgs& a) {
  const StepParams& p = a.params;
  const TensorView& x = *a.in[0];
  const TensorView& w = *a.in[1];
  const TensorView& y = *a.out[0];
  AXLE_RETURN_IF_ERROR(ExpectWindowInput(x, p));
  AXLE_RETURN_IF_ERROR(ExpectF32(w, "weight (input 1)"));
  const int64_t c = x.shape.dims[1];
  if (w.shape.rank != x.shape.rank || w.shape.dims[0] != c || c % p.group)
    return Invalid("weight %s does not fit input %s with group %lld", ShapeText(w).text,
                   ShapeText(x).text, static_cast<long long>(p.group));
  const int64_t m = w.shape.dims[1] * p.group;
  AXLE_RETURN_IF_ERROR(ExpectF32(y, "output 0"));
  if (y.shape.rank != x.shape.rank || y.shape.dims[0] != x.shape.dims[0] || y.shape.dims[1] != m)
    return Invalid("output 0 %s does not have [N, %lld, ...] and the input's rank",
                   ShapeText(y).text, static_cast<long long>(m));
  for (int d = 0; d < p.window_rank; ++d)
    if (w.shape.dims[2 + d] != p.kernel[d])
      return Invalid("weight %s does not match kernel size %lld in spatial dimension %d",
                     ShapeText(w).text, static_cast<long long>(p.kernel[d]), d);
  if (a.num_in > 2 && a.in[2]) {
    AXLE_RETURN_IF_ERROR(ExpectF32(*a.in[2], "bias (input 2)"));
    if (a.in[2]->NumElements() != m)
      return Invalid("bias has %lld values for %lld output channels",
                     static_cast<long long>(a.in[2]->NumElements()), static_cast<long long>(m));
  }
  return AXLE_OK;
}
KernelResult RunConvTranspose(const OpInfo&, const OpArgs& a) {
  ref::ConvTranspose(*a.in[0], *a.in[1], a.num_in > 2 ? a.in[2] : nullptr, WindowOf(a.params),
                     a.params.group, *a.out[0]);
  return {};
}

Status ValidatePool(const OpInfo&, const OpArgs& a) {
  const StepParams& p = a.params;
  const TensorView& x = *a.in[0];
  const TensorView& y = *a.out[0];
  if (p.channels_last) {
    Shape out;
    AXLE_RETURN_IF_ERROR(ChannelsLastWindow(a, &out));
    if (p.pool != static_cast<uint8_t>(ref::PoolMode::kMax) &&
        p.pool != static_cast<uint8_t>(ref::PoolMode::kAverage))
      return Invalid("channels-last pooling is max or average, not mode %d", p.pool);
    return ExpectOutput(a, 0, DType::kF32, out);
  }
  AXLE_RETURN_IF_ERROR(ExpectWindowInput(x, p));
  AXLE_RETURN_IF_ERROR(ExpectF32(y, "output 0"));
  if (y.shape.rank != x.shape.rank || y.shape.dims[0] != x.shape.dims[0] ||
      y.shape.dims[1] != x.shape.dims[1])
    return Invalid("output 0 %s does not keep input 0's %s batch and channels", ShapeText(y).text,
                   ShapeText(x).text);
  for (int d = 0; d < p.window_rank; ++d) {
    const int64_t in = x.shape.dims[2 + d], e = y.shape.dims[2 + d];
    const int64_t lo = WindowOut(in, p.kernel[d], p.strides[d], p.dilations[d], p.pads[d],
                                 p.pads[p.window_rank + d], false);
    const int64_t hi = WindowOut(in, p.kernel[d], p.strides[d], p.dilations[d], p.pads[d],
                                 p.pads[p.window_rank + d], true);
    if (e != lo && e != hi)
      return Invalid("output 0 %s: spatial dimension %d should be %lld (or %lld with ceil_mode)",
                     ShapeText(y).text, d, static_cast<long long>(lo), static_cast<long long>(hi));
  }
  return AXLE_OK;
}
KernelResult RunPool(const OpInfo&, const OpArgs& a) {
  if (a.params.channels_last) {
    ref::PoolNhwc(*a.in[0], WindowOf(a.params), static_cast<ref::PoolMode>(a.params.pool),
                  a.params.count_include_pad, *a.out[0], a.par);
    return {};
  }
  ref::Pool(*a.in[0], WindowOf(a.params), static_cast<ref::PoolMode>(a.params.pool),
            a.params.count_include_pad, a.params.p, *a.out[0]);
  return {};
}

Status ValidatePad(const OpInfo&, const OpArgs& a) {
  const TensorView& x = *a.in[0];
  AXLE_RETURN_IF_ERROR(ExpectNumeric(x, "input 0"));
  if (a.params.num_pads != 2 * x.shape.rank)
    return Invalid("%d pads for rank %d", a.params.num_pads, x.shape.rank);
  Shape out = x.shape;
  for (int d = 0; d < x.shape.rank; ++d) {
    out.dims[d] += a.params.pads[d] + a.params.pads[x.shape.rank + d];
    if (x.shape.dims[d] == 0 && out.dims[d] > 0 && a.params.pool != 0)
      return Invalid("dimension %d is empty: only constant padding can fill it", d);
  }
  return ExpectOutput(a, 0, x.dtype, out);
}
KernelResult RunPad(const OpInfo&, const OpArgs& a) {
  ref::Pad(*a.in[0], a.params.pads, static_cast<ref::PadMode>(a.params.pool), a.params.pad_value,
           *a.out[0]);
  return {};
}

Status ValidateResample(const OpInfo&, const OpArgs& a) {
  const TensorView& x = *a.in[0];
  const TensorView& idx = *a.in[1];
  const TensorView& w = *a.in[2];
  const TensorView& y = *a.out[0];
  AXLE_RETURN_IF_ERROR(ExpectF32(x, "input 0"));
  AXLE_RETURN_IF_ERROR(ExpectDType(idx, DType::kI64, "indices (input 1)"));
  AXLE_RETURN_IF_ERROR(ExpectF32(w, "weights (input 2)"));
  AXLE_RETURN_IF_ERROR(ExpectF32(y, "output 0"));
  if (y.shape.rank != x.shape.rank) return Invalid("output 0 and input 0 differ in rank");
  int64_t rows = 0;
  for (int d = 0; d < y.shape.rank; ++d) rows += y.shape.dims[d];
  if (idx.shape.rank != 2 || idx.shape.dims[1] < 1 || idx.shape.dims[0] < rows ||
      !(w.shape == idx.shape))
    return Invalid("indices %s and weights %s must be [%lld+, T] alike", ShapeText(idx).text,
                   ShapeText(w).text, static_cast<long long>(rows));
  return AXLE_OK;
}
KernelResult RunResample(const OpInfo&, const OpArgs& a) {
  return ref::Resample(*a.in[0], *a.in[1], *a.in[2], a.params.alpha, *a.out[0]);
}

Status ValidateGridSample(const OpInfo&, const OpArgs& a) {
  const TensorView& x = *a.in[0];
  const TensorView& g = *a.in[1];
  AXLE_RETURN_IF_ERROR(ExpectF32(x, "input 0"));
  AXLE_RETURN_IF_ERROR(ExpectF32(g, "grid (input 1)"));
  if (x.shape.rank != 4 || g.shape.rank != 4 || g.shape.dims[0] != x.shape.dims[0] ||
      g.shape.dims[3] != 2)
    return Invalid("input 0 %s and grid %s must be [N, C, H, W] and [N, Ho, Wo, 2]",
                   ShapeText(x).text, ShapeText(g).text);
  Shape out = x.shape;
  out.dims[2] = g.shape.dims[1];
  out.dims[3] = g.shape.dims[2];
  return ExpectOutput(a, 0, DType::kF32, out);
}
KernelResult RunGridSample(const OpInfo&, const OpArgs& a) {
  ref::GridSample(*a.in[0], *a.in[1], static_cast<ref::SampleMode>(a.params.pool),
                  static_cast<ref::SamplePadding>(a.params.padding), a.params.align_corners,
                  *a.out[0]);
  return {};
}

// --- The table ---

constexpr uint8_t kNone = fb::Params_NONE;
constexpr uint8_t kMany = 255;

#define AXLE_BINARY(NAME, TEXT)                                                                    \
  OpInfo {                                                                                         \
    TEXT, 2, 2, 1, 1, kNone, false, static_cast<uint8_t>(ref::BinaryOp::k##NAME), ValidateBinary,  \
        RunBinary                                                                                  \
  }
#define AXLE_UNARY(NAME, TEXT, PARAMS)                                                             \
  OpInfo {                                                                                         \
    TEXT, 1, 1, 1, 1, PARAMS, PARAMS != kNone, static_cast<uint8_t>(ref::UnaryOp::k##NAME),        \
        ValidateUnary, RunUnary                                                                    \
  }
#define AXLE_REDUCE(NAME, TEXT, OP)                                                                \
  OpInfo {                                                                                         \
    TEXT, 1, 1, 1, 1, fb::Params_ReduceParams, true, static_cast<uint8_t>(ref::ReduceOp::k##OP),   \
        ValidateReduce, RunReduce                                                                  \
  }

struct Entry {
  uint16_t opcode;
  OpInfo info;
};

const Entry kOps[] = {
    {fb::OpCode_Add, AXLE_BINARY(Add, "add")},
    {fb::OpCode_Sub, AXLE_BINARY(Sub, "sub")},
    {fb::OpCode_Mul, AXLE_BINARY(Mul, "mul")},
    {fb::OpCode_Div, AXLE_BINARY(Div, "div")},
    {fb::OpCode_Pow, AXLE_BINARY(Pow, "pow")},
    {fb::OpCode_Min, AXLE_BINARY(Min, "min")},
    {fb::OpCode_Max, AXLE_BINARY(Max, "max")},
    {fb::OpCode_Equal, AXLE_BINARY(Equal, "equal")},
    {fb::OpCode_Less, AXLE_BINARY(Less, "less")},
    {fb::OpCode_Greater, AXLE_BINARY(Greater, "greater")},
    {fb::OpCode_LessOrEqual, AXLE_BINARY(LessOrEqual, "less_equal")},
    {fb::OpCode_GreaterOrEqual, AXLE_BINARY(GreaterOrEqual, "greater_equal")},
    {fb::OpCode_And, AXLE_BINARY(And, "and")},
    {fb::OpCode_Or, AXLE_BINARY(Or, "or")},
    {fb::OpCode_Xor, AXLE_BINARY(Xor, "xor")},
    {fb::OpCode_Mod, AXLE_BINARY(Mod, "mod")},
    {fb::OpCode_Fmod, AXLE_BINARY(Fmod, "fmod")},
    {fb::OpCode_BitShiftLeft, AXLE_BINARY(BitShiftLeft, "bit_shift_left")},
    {fb::OpCode_BitShiftRight, AXLE_BINARY(BitShiftRight, "bit_shift_right")},
    {fb::OpCode_Relu, AXLE_UNARY(Relu, "relu", kNone)},
    {fb::OpCode_Sigmoid, AXLE_UNARY(Sigmoid, "sigmoid", kNone)},
    {fb::OpCode_Tanh, AXLE_UNARY(Tanh, "tanh", kNone)},
    {fb::OpCode_Erf, AXLE_UNARY(Erf, "erf", kNone)},
    {fb::OpCode_Exp, AXLE_UNARY(Exp, "exp", kNone)},
    {fb::OpCode_Log, AXLE_UNARY(Log, "log", kNone)},
    {fb::OpCode_Sqrt, AXLE_UNARY(Sqrt, "sqrt", kNone)},
    {fb::OpCode_Neg, AXLE_UNARY(Neg, "neg", kNone)},
    {fb::OpCode_Abs, AXLE_UNARY(Abs, "abs", kNone)},
    {fb::OpCode_Reciprocal, AXLE_UNARY(Reciprocal, "reciprocal", kNone)},
    {fb::OpCode_Floor, AXLE_UNARY(Floor, "floor", kNone)},
    {fb::OpCode_Ceil, AXLE_UNARY(Ceil, "ceil", kNone)},
    {fb::OpCode_Clip, AXLE_UNARY(Clip, "clip", fb::Params_UnaryParams)},
    {fb::OpCode_LeakyRelu, AXLE_UNARY(LeakyRelu, "leaky_relu", fb::Params_UnaryParams)},
    {fb::OpCode_Not, AXLE_UNARY(Not, "not", kNone)},
    {fb::OpCode_Identity, AXLE_UNARY(Identity, "identity", kNone)},
    {fb::OpCode_Sin, AXLE_UNARY(Sin, "sin", kNone)},
    {fb::OpCode_Cos, AXLE_UNARY(Cos, "cos", kNone)},
    {fb::OpCode_Sign, AXLE_UNARY(Sign, "sign", kNone)},
    {fb::OpCode_Tan, AXLE_UNARY(Tan, "tan", kNone)},
    {fb::OpCode_Asin, AXLE_UNARY(Asin, "asin", kNone)},
    {fb::OpCode_Acos, AXLE_UNARY(Acos, "acos", kNone)},
    {fb::OpCode_Atan, AXLE_UNARY(Atan, "atan", kNone)},
    {fb::OpCode_Sinh, AXLE_UNARY(Sinh, "sinh", kNone)},
    {fb::OpCode_Cosh, AXLE_UNARY(Cosh, "cosh", kNone)},
    {fb::OpCode_Asinh, AXLE_UNARY(Asinh, "asinh", kNone)},
    {fb::OpCode_Acosh, AXLE_UNARY(Acosh, "acosh", kNone)},
    {fb::OpCode_Atanh, AXLE_UNARY(Atanh, "atanh", kNone)},
    {fb::OpCode_Round, AXLE_UNARY(Round, "round", kNone)},
    {fb::OpCode_MatMul, {"matmul", 2, 2, 1, 1, kNone, false, 0, ValidateMatMul, RunMatMul}},
    {fb::OpCode_Gemm, {"gemm", 2, 3, 1, 1, fb::Params_GemmParams, false, 0, ValidateGemm, RunGemm}},
    {fb::OpCode_Softmax,
     {"softmax", 1, 1, 1, 1, fb::Params_AxisParams, true, 0, ValidateSoftmax, RunSoftmax}},
    {fb::OpCode_LayerNormalization,
     {"layer_norm", 2, 3, 1, 3, fb::Params_LayerNormParams, true, 0, ValidateLayerNorm,
      RunLayerNorm}},
    {fb::OpCode_ReduceSum, AXLE_REDUCE(ReduceSum, "reduce_sum", Sum)},
    {fb::OpCode_ReduceMean, AXLE_REDUCE(ReduceMean, "reduce_mean", Mean)},
    {fb::OpCode_ReduceMax, AXLE_REDUCE(ReduceMax, "reduce_max", Max)},
    {fb::OpCode_ReduceMin, AXLE_REDUCE(ReduceMin, "reduce_min", Min)},
    {fb::OpCode_ReduceProd, AXLE_REDUCE(ReduceProd, "reduce_prod", Prod)},
    {fb::OpCode_Transpose,
     {"transpose", 1, 1, 1, 1, fb::Params_TransposeParams, true, 0, ValidateTranspose,
      RunTranspose}},
    {fb::OpCode_Reshape, {"reshape", 1, 1, 1, 1, kNone, false, 0, ValidateReshape, RunCopy}},
    {fb::OpCode_Linear,
     {"linear", 2, 4, 1, 1, fb::Params_LinearParams, false, 0, ValidateLinear, RunLinear}},
    {fb::OpCode_Attention,
     {"attention", 3, 4, 1, 1, fb::Params_AttentionParams, true, 0, ValidateAttention,
      RunAttention}},
    {fb::OpCode_Gelu,
     {"gelu", 1, 1, 1, 1, fb::Params_ActivationParams, true, 0, ValidateGelu, RunGelu}},
    {fb::OpCode_RmsNormalization,
     {"rms_norm", 2, 2, 1, 1, fb::Params_LayerNormParams, true, 0, ValidateRmsNorm, RunRmsNorm}},
    {fb::OpCode_FusedElementwise,
     {"fused_elementwise", 1, kMany, 1, 1, fb::Params_ElementwiseParams, true, 0,
      ValidateFusedElementwise, RunFusedElementwise}},
    {fb::OpCode_QuantizeLinear,
     {"quantize_linear", 3, 3, 1, 1, kNone, false, 0, ValidateQuantizeLinear, RunQuantizeLinear}},
    {fb::OpCode_DequantizeLinear,
     {"dequantize_linear", 2, 3, 1, 1, kNone, false, 0, ValidateDequantizeLinear,
      RunDequantizeLinear}},
    {fb::OpCode_LinearInt8,
     {"linear_int8", 4, 6, 1, 1, fb::Params_LinearParams, false, 0, ValidateLinearInt8,
      RunLinearInt8}},
    {fb::OpCode_LinearWeightOnly,
     {"linear_weight_only", 3, 5, 1, 1, fb::Params_LinearParams, false, 0, ValidateLinearWeightOnly,
      RunLinearWeightOnly}},
    {fb::OpCode_Concat,
     {"concat", 1, kMany, 1, 1, fb::Params_AxisParams, true, 0, ValidateConcat, RunConcat}},
    {fb::OpCode_Slice,
     {"slice", 1, 1, 1, 1, fb::Params_SliceParams, true, 0, ValidateSlice, RunSlice}},
    {fb::OpCode_Gather,
     {"gather", 2, 2, 1, 1, fb::Params_AxisParams, true, 0, ValidateGather, RunGather}},
    {fb::OpCode_Where, {"where", 3, 3, 1, 1, kNone, false, 0, ValidateWhere, RunWhere}},
    {fb::OpCode_Cast, {"cast", 1, 1, 1, 1, kNone, false, 0, ValidateCast, RunCast}},
    {fb::OpCode_Expand, {"expand", 1, 1, 1, 1, kNone, false, 0, ValidateExpand, RunExpand}},
    {fb::OpCode_ArgMax,
     {"arg_max", 1, 1, 1, 1, fb::Params_IndexParams, true, 0, ValidateArgReduce, RunArgReduce}},
    {fb::OpCode_ArgMin,
     {"arg_min", 1, 1, 1, 1, fb::Params_IndexParams, true, 1, ValidateArgReduce, RunArgReduce}},
    {fb::OpCode_GatherElements,
     {"gather_elements", 2, 2, 1, 1, fb::Params_IndexParams, true, 0, ValidateGatherElements,
      RunGatherElements}},
    {fb::OpCode_ScatterElements,
     {"scatter_elements", 3, 3, 1, 1, fb::Params_IndexParams, true, 0, ValidateScatterElements,
      RunScatterElements}},
    {fb::OpCode_GatherND,
     {"gather_nd", 2, 2, 1, 1, fb::Params_IndexParams, true, 0, ValidateGatherND, RunGatherND}},
    {fb::OpCode_ScatterND,
     {"scatter_nd", 3, 3, 1, 1, fb::Params_IndexParams, true, 0, ValidateScatterND, RunScatterND}},
    {fb::OpCode_TopK,
     {"top_k", 1, 1, 2, 2, fb::Params_IndexParams, true, 0, ValidateTopK, RunTopK}},
    {fb::OpCode_CumSum,
     {"cum_sum", 1, 1, 1, 1, fb::Params_IndexParams, true, 0, ValidateCumSum, RunCumSum}},
    {fb::OpCode_Conv,
     {"conv", 2, 3, 1, 1, fb::Params_WindowParams, true, 0, ValidateConv, RunConv}},
    {fb::OpCode_ConvTranspose,
     {"conv_transpose", 2, 3, 1, 1, fb::Params_WindowParams, true, 0, ValidateConvTranspose,
      RunConvTranspose}},
    {fb::OpCode_Pool,
     {"pool", 1, 1, 1, 1, fb::Params_WindowParams, true, 0, ValidatePool, RunPool}},
    {fb::OpCode_Im2Col,
     {"im2col", 1, 1, 1, 1, fb::Params_WindowParams, true, 0, ValidateIm2Col, RunIm2Col}},
    {fb::OpCode_DepthwiseConv,
     {"depthwise_conv", 2, 3, 1, 1, fb::Params_WindowParams, true, 0, ValidateDepthwiseConv,
      RunDepthwiseConv}},
    {fb::OpCode_Pad, {"pad", 1, 1, 1, 1, fb::Params_PadParams, true, 0, ValidatePad, RunPad}},
    {fb::OpCode_GridSample,
     {"grid_sample", 2, 2, 1, 1, fb::Params_SampleParams, true, 0, ValidateGridSample,
      RunGridSample}},
    {fb::OpCode_Resample,
     {"resample", 3, 3, 1, 1, fb::Params_UnaryParams, true, 0, ValidateResample, RunResample}},
};

#undef AXLE_BINARY
#undef AXLE_UNARY
#undef AXLE_REDUCE

}  // namespace

const OpInfo* FindOp(uint16_t opcode) {
  for (const Entry& e : kOps)
    if (e.opcode == opcode) return &e.info;
  return nullptr;
}

}  // namespace axle
