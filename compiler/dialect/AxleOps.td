// The `axle` dialect: tensor-level operations on static shapes, one per runtime kernel contract,
// plus the fused and quantized operations that later passes produce.
//
// Every op verifies its operand and result types against the same shape and dtype rules the
// runtime's validator enforces (compiler/dialect/ShapeRules.h), so an IR that verifies emits a
// plan that loads.
#ifndef AXLE_OPS_TD
#define AXLE_OPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Axle_Dialect : Dialect {
  let name = "axle";
  let cppNamespace = "::axle::ir";
  let summary = "Tensor operations of the Axle inference compiler";
  let description = [{
    Operations on statically shaped tensors, in the semantics of the ONNX operators they come
    from (numpy broadcasting, ONNX attribute meanings), normalized: axes non-negative, operands
    that ONNX passes as constant tensors (shapes, axes, slice bounds) stored as attributes.
  }];
  let hasConstantMaterializer = 1;
}

class Axle_Op<string mnemonic, list<Trait> traits = []> : Op<Axle_Dialect, mnemonic, traits>;

// The result may reuse the buffer of a same-sized operand that dies here (see AxleDialect.h).
def Axle_InPlace : NativeOpTrait<"AxleInPlace">;

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Axle_ConstantOp : Axle_Op<"constant", [ConstantLike, Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "A constant tensor (weights, folded shape values)";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

// Binary elementwise op with numpy broadcasting; comparisons produce i1.
class Axle_BinaryOp<string mnemonic, string what> : Axle_Op<mnemonic, [Pure, Axle_InPlace]> {
  let summary = what # ", with numpy broadcasting";
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Axle_AddOp : Axle_BinaryOp<"add", "lhs + rhs">;
def Axle_SubOp : Axle_BinaryOp<"sub", "lhs - rhs">;
def Axle_MulOp : Axle_BinaryOp<"mul", "lhs * rhs">;
def Axle_DivOp : Axle_BinaryOp<"div", "lhs / rhs (integers truncate toward zero)"> {
  let hasCanonicalizer = 1;  // 1 / x is a reciprocal; x / c is x * (1 / c)
}
def Axle_PowOp : Axle_BinaryOp<"pow", "lhs to the power rhs"> {
  let hasCanonicalizer = 1;  // powers 1, 2, 0.5, -0.5 have cheaper forms
}
def Axle_MinOp : Axle_BinaryOp<"min", "elementwise minimum">;
def Axle_MaxOp : Axle_BinaryOp<"max", "elementwise maximum">;
def Axle_EqualOp : Axle_BinaryOp<"equal", "lhs == rhs">;
def Axle_LessOp : Axle_BinaryOp<"less", "lhs < rhs">;
def Axle_GreaterOp : Axle_BinaryOp<"greater", "lhs > rhs">;
def Axle_LessEqualOp : Axle_BinaryOp<"less_equal", "lhs <= rhs">;
def Axle_GreaterEqualOp : Axle_BinaryOp<"greater_equal", "lhs >= rhs">;
def Axle_AndOp : Axle_BinaryOp<"and", "logical and">;
def Axle_OrOp : Axle_BinaryOp<"or", "logical or">;
def Axle_XorOp : Axle_BinaryOp<"xor", "logical xor">;
def Axle_ModOp : Axle_BinaryOp<"mod", "remainder with the divisor's sign (integers)">;
def Axle_FmodOp : Axle_BinaryOp<"fmod", "remainder with the dividend's sign">;
def Axle_BitShiftLeftOp : Axle_BinaryOp<"bit_shift_left", "lhs << rhs (unsigned)">;
def Axle_BitShiftRightOp : Axle_BinaryOp<"bit_shift_right", "lhs >> rhs (unsigned)">;

// Unary elementwise op: the result has the operand's type.
class Axle_UnaryOp<string mnemonic, string what> : Axle_Op<mnemonic, [Pure, Axle_InPlace]> {
  let summary = what;
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Axle_ReluOp : Axle_UnaryOp<"relu", "max(x, 0)">;
def Axle_SigmoidOp : Axle_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def Axle_TanhOp : Axle_UnaryOp<"tanh", "hyperbolic tangent">;
def Axle_ErfOp : Axle_UnaryOp<"erf", "error function">;
def Axle_ExpOp : Axle_UnaryOp<"exp", "exponential">;
def Axle_LogOp : Axle_UnaryOp<"log", "natural logarithm">;
def Axle_SqrtOp : Axle_UnaryOp<"sqrt", "square root">;
def Axle_NegOp : Axle_UnaryOp<"neg", "-x">;
def Axle_AbsOp : Axle_UnaryOp<"abs", "|x|">;
def Axle_ReciprocalOp : Axle_UnaryOp<"reciprocal", "1 / x">;
def Axle_FloorOp : Axle_UnaryOp<"floor", "round down">;
def Axle_CeilOp : Axle_UnaryOp<"ceil", "round up">;
def Axle_NotOp : Axle_UnaryOp<"not", "logical not">;
def Axle_SinOp : Axle_UnaryOp<"sin", "sine">;
def Axle_CosOp : Axle_UnaryOp<"cos", "cosine">;
def Axle_SignOp : Axle_UnaryOp<"sign", "-1, 0 or 1">;
def Axle_IdentityOp : Axle_UnaryOp<"identity", "a copy">;
def Axle_TanOp : Axle_UnaryOp<"tan", "tangent">;
def Axle_AsinOp : Axle_UnaryOp<"asin", "arcsine">;
def Axle_AcosOp : Axle_UnaryOp<"acos", "arccosine">;
def Axle_AtanOp : Axle_UnaryOp<"atan", "arctangent">;
def Axle_SinhOp : Axle_UnaryOp<"sinh", "hyperbolic sine">;
def Axle_CoshOp : Axle_UnaryOp<"cosh", "hyperbolic cosine">;
def Axle_AsinhOp : Axle_UnaryOp<"asinh", "inverse hyperbolic sine">;
def Axle_AcoshOp : Axle_UnaryOp<"acosh", "inverse hyperbolic cosine">;
def Axle_AtanhOp : Axle_UnaryOp<"atanh", "inverse hyperbolic tangent">;
def Axle_RoundOp : Axle_UnaryOp<"round", "round to the nearest integer, halves to even">;

// Not folded: axle-materialize-outputs inserts it so that every plan output is a buffer of its
// own, written by exactly one step.
def Axle_CopyOp : Axle_Op<"copy", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "a copy into a distinct buffer";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Axle_ClipOp : Axle_Op<"clip", [Pure, Axle_InPlace]> {
  let summary = "min(max(x, lo), hi)";
  let arguments = (ins AnyRankedTensor:$input, F32Attr:$lo, F32Attr:$hi);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Axle_LeakyReluOp : Axle_Op<"leaky_relu", [Pure, Axle_InPlace]> {
  let summary = "x if x >= 0 else alpha * x";
  let arguments = (ins AnyRankedTensor:$input, F32Attr:$alpha);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Axle_CastOp : Axle_Op<"cast", [Pure, Axle_InPlace]> {
  let summary = "element type conversion (float to integer saturates; to i1 is != 0)";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Axle_WhereOp : Axle_Op<"where", [Pure, Axle_InPlace]> {
  let summary = "cond ? x : y, with numpy broadcasting";
  let arguments = (ins AnyRankedTensor:$cond, AnyRankedTensor:$x, AnyRankedTensor:$y);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$cond `,` $x `,` $y attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Linear algebra and normalization
//===----------------------------------------------------------------------===//

def Axle_MatMulOp : Axle_Op<"matmul", [Pure]> {
  let summary = "numpy.matmul (batch dimensions broadcast)";
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Axle_GemmOp : Axle_Op<"gemm", [Pure]> {
  let summary = "alpha * op(A) op(B) + beta * C";
  let arguments = (ins AnyRankedTensor:$a, AnyRankedTensor:$b, Optional<AnyRankedTensor>:$c,
                   F32Attr:$alpha, F32Attr:$beta, BoolAttr:$trans_a, BoolAttr:$trans_b);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$a `,` $b (`,` $c^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Axle_SoftmaxOp : Axle_Op<"softmax", [Pure]> {
  let summary = "softmax along one axis (ONNX opset 13 semantics)";
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Axle_LayerNormOp : Axle_Op<"layer_norm", [Pure,
                                              AttrSizedResultSegments]> {
  let summary = "layer normalization over the dimensions [axis, rank)";
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale,
                   Optional<AnyRankedTensor>:$bias, I64Attr:$axis, F32Attr:$epsilon);
  let results = (outs AnyRankedTensor:$result, Optional<AnyRankedTensor>:$mean,
                 Optional<AnyRankedTensor>:$inv_std_dev);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Axle_ReduceOp<string mnemonic, string what> : Axle_Op<mnemonic, [Pure]> {
  let summary = what # " over the listed axes";
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$axes, BoolAttr:$keepdims);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Axle_ReduceSumOp : Axle_ReduceOp<"reduce_sum", "sum">;
def Axle_ReduceMeanOp : Axle_ReduceOp<"reduce_mean", "mean">;
def Axle_ReduceMaxOp : Axle_ReduceOp<"reduce_max", "maximum">;
def Axle_ReduceMinOp : Axle_ReduceOp<"reduce_min", "minimum">;
def Axle_ReduceProdOp : Axle_ReduceOp<"reduce_prod", "product">;

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Axle_TransposeOp : Axle_Op<"transpose", [Pure]> {
  let summary = "result dimension i is input dimension perm[i]";
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;  // transpose of transpose composes; moving only 1-dims is a reshape
}

def Axle_ReshapeOp : Axle_Op<"reshape", [Pure, Axle_InPlace]> {
  let summary = "same elements, the result type's shape (Reshape, Flatten, (Un)Squeeze)";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;  // reshape of reshape is one reshape
}

def Axle_ExpandOp : Axle_Op<"expand", [Pure]> {
  let summary = "broadcast to the result type's shape";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Axle_ConcatOp : Axle_Op<"concat", [Pure]> {
  let summary = "concatenation along an axis";
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Axle_SliceOp : Axle_Op<"slice", [Pure]> {
  let summary = "result[i] = input[starts + i * steps], per dimension";
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$starts,
                   DenseI64ArrayAttr:$steps);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;  // a slice of a view chain slices its source
}

def Axle_GatherOp : Axle_Op<"gather", [Pure]> {
  let summary = "take indices along an axis (negative indices count from the end)";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$data `,` $indices attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;  // one constant index is a slice
}

//===----------------------------------------------------------------------===//
// Fused operations (produced by the fusion passes; reference kernels come with them)
//===----------------------------------------------------------------------===//

def Axle_LinearOp : Axle_Op<"linear", [Pure, AttrSizedOperandSegments]> {
  let summary = "act(x @ w + bias) + residual: a matmul with a constant weight and its epilogue";
  let description = [{
    Produced by axle-fuse-linear from MatMul + Add (+ Relu or GELU) and from Gemm. The input is
    [..., K]; `activation` is one of none, relu, gelu, gelu_tanh, relu6. `weight_layout` "kn": the
    weight is [K, N]; "panel16": packed by axle-pack-weights into [ceil(N/16), K, 16] panels
    for the x86 GEMM microkernels (kernels/common/pack.h). `residual` (the result's type) is
    added last, after the activation: the transformer's skip connection, absorbed from a
    following add by axle-fuse-linear.
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                   Optional<AnyRankedTensor>:$bias, Optional<AnyRankedTensor>:$residual,
                   DefaultValuedAttr<StrAttr, "\"none\"">:$activation,
                   DefaultValuedAttr<StrAttr, "\"kn\"">:$weight_layout);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? (`residual` $residual^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Axle_QuantizeLinearOp : Axle_Op<"quantize_linear", [Pure]> {
  let summary = "f32 -> u8/i8: saturate(round_half_even(x / scale) + zero_point), per tensor";
  let description = [{
    ONNX QuantizeLinear with a per-tensor scale (f32, one element) and zero point (one u8 or i8
    element, which also gives the result's type). Inserted by axle-quantize before int8
    linears; imported from ONNX Q/DQ models.
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale,
                   AnyRankedTensor:$zero_point);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $zero_point attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Axle_DequantizeLinearOp : Axle_Op<"dequantize_linear", [Pure]> {
  let summary = "u8/i8/i32 -> f32: (x - zero_point) * scale, per tensor";
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale,
                   Optional<AnyRankedTensor>:$zero_point);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale (`,` $zero_point^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Axle_LinearInt8Op : Axle_Op<"linear_int8", [Pure, AttrSizedOperandSegments]> {
  let summary = "int8 linear: u8 input x s8 weight -> exact int32 sums -> f32 epilogue";
  let description = [{
    act(input_scale * w_scales[n] * sum_k (x - input_zero_point) w[k][n] + bias) + residual.
    The input is u8 [..., K] (from axle.quantize_linear), the weight a constant s8 [K, N]
    quantized symmetrically per output column (`weight_layout` "kn"), or packed by
    axle-pack-weights ("s8panel16x4", or "s8panel16x8" for an i8mm CPU target; kernels/common/
    pack_s8.h); `col_sums` [N] (i32) are the
    weight's column sums for the zero-point correction. Produced by axle-quantize from
    axle.linear.
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                   AnyRankedTensor:$w_scales, AnyRankedTensor:$col_sums,
                   Optional<AnyRankedTensor>:$bias, Optional<AnyRankedTensor>:$residual,
                   DefaultValuedAttr<StrAttr, "\"none\"">:$activation,
                   DefaultValuedAttr<StrAttr, "\"kn\"">:$weight_layout,
                   F32Attr:$input_scale, I64Attr:$input_zero_point);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $w_scales `,` $col_sums (`,` $bias^)? (`residual` $residual^)?
    attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Axle_LinearWeightOnlyOp : Axle_Op<"linear_weight_only", [Pure, AttrSizedOperandSegments]> {
  let summary = "act(x @ dequant(w) + bias) + residual with int8 or int4 weights, f32 activations";
  let description = [{
    Weight-only quantization for memory-bound layers (decode, M = 1): the weight is stored
    packed and quantized, `weight_layout` "w8panel16" (i8 [ceil(N/16), K, 16], `scales` [N]) or
    "w4panel16" (ui8 nibble pairs [ceil(N/16), ceil(K/2), 16], `scales` [ceil(K/G), N]: one
    per G = `group_size` rows (32, 64 or 128) and column); kernels/common/pack_wq.h. Produced
    by axle-quantize-weights.
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight, AnyRankedTensor:$scales,
                   Optional<AnyRankedTensor>:$bias, Optional<AnyRankedTensor>:$residual,
                   DefaultValuedAttr<StrAttr, "\"none\"">:$activation,
                   StrAttr:$weight_layout,
                   DefaultValuedAttr<I64Attr, "32">:$group_size);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $scales (`,` $bias^)? (`residual` $residual^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Axle_AttentionOp : Axle_Op<"attention", [Pure]> {
  let summary = "multi-head scaled dot-product attention with an optional mask";
  let description = [{
    query [B, Sq, H*dk], key [B, Sk, G*dk], value [B, Sk, G*dv] -> [B, Sq, H*dv]: per head h,
    softmax(scale * q_h k_g^T (+ mask)) v_g with g = h / (H / G), G = `kv_heads` (0: G = H;
    G < H is grouped-query attention). `mask_mode`: none; additive (an f32 mask that
    broadcasts to [B, H, Sq, Sk] is added to the scaled scores); keep_true / keep_false (a
    bool mask selects the keys that keep their score; the others score `mask_fill`). A query
    row whose every key scores -inf gives NaN, as softmax does, or 0 with `zero_empty_rows`
    (the exporters' where(isnan(p), 0, p) guard).
    Produced by axle-fuse-attention from the Reshape/Transpose/MatMul/Softmax chain.
  }];
  let arguments = (ins AnyRankedTensor:$query, AnyRankedTensor:$key, AnyRankedTensor:$value,
                   Optional<AnyRankedTensor>:$mask, I64Attr:$num_heads, F32Attr:$scale,
                   DefaultValuedAttr<StrAttr, "\"none\"">:$mask_mode,
                   DefaultValuedAttr<F32Attr, "0.0f">:$mask_fill,
                   DefaultValuedAttr<I64Attr, "0">:$kv_heads,
                   DefaultValuedAttr<BoolAttr, "false">:$zero_empty_rows);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`,` $mask^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Axle_RmsNormOp : Axle_Op<"rms_norm", [Pure]> {
  let summary = "x / sqrt(mean(x^2) + epsilon) * scale over the last dimension";
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale, F32Attr:$epsilon);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input `,` $scale attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Axle_GeluOp : Axle_Op<"gelu", [Pure, Axle_InPlace]> {
  let summary = "GELU, exact (erf) or tanh-approximated";
  let description = [{
    `approximate` = "none": 0.5 x (1 + erf(x / sqrt 2)); "tanh":
    0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) (ONNX Gelu's attribute). Produced by
    axle-fuse-gelu from the decomposed forms PyTorch exports.
  }];
  let arguments = (ins AnyRankedTensor:$input,
                   DefaultValuedAttr<StrAttr, "\"none\"">:$approximate);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Axle_FusedElementwiseOp : Axle_Op<"fused_elementwise", [Pure, Axle_InPlace]> {
  let summary = "a chain of f32 elementwise ops evaluated in one pass";
  let description = [{
    `program` is a stack machine over the broadcast inputs, one instruction per string:
    "input N" and "const N" push an input or constants[N]; "add", "sub", "mul", "div", "pow",
    "min", "max" pop two values and push the result; a unary op name ("relu", "sigmoid",
    "tanh", "erf", "exp", "log", "sqrt", "neg", "abs", "reciprocal", "floor", "ceil", "sin",
    "cos", "sign", "gelu", "gelu_tanh") replaces the top. One value is left: the result.
    Produced by axle-fuse-elementwise.
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, StrArrayAttr:$program,
                   DenseF32ArrayAttr:$constants);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Quantization (produced by the quantization passes)
//===----------------------------------------------------------------------===//

def Axle_QuantizeOp : Axle_Op<"quantize", [Pure]> {
  let summary = "q = saturate(round(x / scale) + zero_point), per tensor or per axis";
  let arguments = (ins AnyRankedTensor:$input, DenseF32ArrayAttr:$scale,
                   DenseI64ArrayAttr:$zero_point, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Axle_DequantizeOp : Axle_Op<"dequantize", [Pure]> {
  let summary = "x = scale * (q - zero_point), per tensor or per axis";
  let arguments = (ins AnyRankedTensor:$input, DenseF32ArrayAttr:$scale,
                   DenseI64ArrayAttr:$zero_point, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def Axle_QLinearOp : Axle_Op<"qlinear", [Pure]> {
  let summary = "u8 x s8 -> s32 linear with per-channel weight scales and requantization";
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                   Optional<AnyRankedTensor>:$bias, F32Attr:$input_scale,
                   I64Attr:$input_zero_point, DenseF32ArrayAttr:$weight_scale,
                   F32Attr:$output_scale, I64Attr:$output_zero_point);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}


//===----------------------------------------------------------------------===//
// Indexing (ONNX semantics; indices i32 or i64, negative ones count from the end)
//===----------------------------------------------------------------------===//

class Axle_ArgOp<string mnemonic, string what> : Axle_Op<mnemonic, [Pure]> {
  let summary = "index (i64) of the " # what # " along `axis`";
  let description = [{
    Ties give the first index, or the last with `select_last_index`. `keepdims` keeps the
    reduced axis as size 1.
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis, BoolAttr:$keepdims,
                   BoolAttr:$select_last_index);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}
def Axle_ArgMaxOp : Axle_ArgOp<"arg_max", "maximum">;
def Axle_ArgMinOp : Axle_ArgOp<"arg_min", "minimum">;

def Axle_GatherElementsOp : Axle_Op<"gather_elements", [Pure]> {
  let summary = "result[i][j] = data[indices[i][j]][j] along `axis` (the indices' shape)";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$data `,` $indices attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Axle_ScatterElementsOp : Axle_Op<"scatter_elements", [Pure]> {
  let summary = "data with result[indices[i][j]][j] (reduction)= updates[i][j] along `axis`";
  let description = [{ `reduction`: "none" (replace), "add", "mul", "max" or "min". }];
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices, AnyRankedTensor:$updates,
                   I64Attr:$axis, StrAttr:$reduction);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $data `,` $indices `,` $updates attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Axle_GatherNDOp : Axle_Op<"gather_nd", [Pure]> {
  let summary = "slices of data addressed by the index tuples in the last dimension of indices";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices, I64Attr:$batch_dims);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$data `,` $indices attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Axle_ScatterNDOp : Axle_Op<"scatter_nd", [Pure]> {
  let summary = "data with the slices addressed by index tuples (reduction)= updates";
  let arguments = (ins AnyRankedTensor:$data, AnyRankedTensor:$indices, AnyRankedTensor:$updates,
                   StrAttr:$reduction);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $data `,` $indices `,` $updates attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Axle_TopKOp : Axle_Op<"top_k", [Pure]> {
  let summary = "the k largest (or smallest) values along `axis` and their i64 indices, sorted";
  let description = [{ k is the results' size along `axis`; equal values keep the lower index first. }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis, BoolAttr:$largest);
  let results = (outs AnyRankedTensor:$values, AnyRankedTensor:$indices);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Axle_CumSumOp : Axle_Op<"cum_sum", [Pure]> {
  let summary = "running sum along `axis` (exclusive: without the element itself; reverse)";
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis, BoolAttr:$exclusive,
                   BoolAttr:$reverse);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Convolution, pooling, padding over [N, C, D1, ...] (f32)
//===----------------------------------------------------------------------===//

class Axle_ConvLikeOp<string mnemonic, string what> : Axle_Op<mnemonic, [Pure]> {
  let summary = what;
  let description = [{
    `pads` holds the begin pads of every spatial dimension, then the end pads; `strides` and
    `dilations` one value per spatial dimension; the weight's spatial dimensions are the kernel.
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                   Optional<AnyRankedTensor>:$bias, DenseI64ArrayAttr:$strides,
                   DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$dilations, I64Attr:$group);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}
def Axle_ConvOp : Axle_ConvLikeOp<"conv", "convolution, weight [M, C / group, k1, ...] (+ bias [M])">;
def Axle_ConvTransposeOp : Axle_ConvLikeOp<"conv_transpose",
    "transposed convolution, weight [C, M / group, k1, ...] (+ bias [M])">;

def Axle_PoolOp : Axle_Op<"pool", [Pure]> {
  let summary = "max, average or Lp pooling over a sliding window";
  let description = [{
    `kind`: "max", "average" or "lp" (order `p`). Padded positions never win a max and count in an
    average only with `count_include_pad`. The result's extent (floor or ceil mode) is its type.
    `channels_last` (2-D max and average only): input and result are [N, H, W, C].
  }];
  let arguments = (ins AnyRankedTensor:$input, StrAttr:$kind, DenseI64ArrayAttr:$kernel,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                   DenseI64ArrayAttr:$dilations, BoolAttr:$count_include_pad, I64Attr:$p,
                   DefaultValuedAttr<BoolAttr, "false">:$channels_last);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

// Channels-last convolution pieces, produced by axle-conv-to-gemm.
def Axle_Im2ColOp : Axle_Op<"im2col", [Pure]> {
  let summary = "the windows of a 2-D convolution over [N, H, W, C], as [N, Ho, Wo, kh*kw*C]";
  let description = [{
    Row (n, oy, ox) holds x[n, oy*s0 - p0 + ky*d0, ox*s1 - p1 + kx*d1, c] in (ky, kx, c) order,
    0 where that is padding: multiplied by the [kh*kw*C, M] weight it is the convolution.
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$kernel,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                   DenseI64ArrayAttr:$dilations);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Axle_DepthwiseConvOp : Axle_Op<"depthwise_conv", [Pure]> {
  let summary = "depthwise 2-D convolution over [N, H, W, C], weight [kh, kw, C] (+ bias [C])";
  let description = [{ `activation` (none, relu, relu6) applies to the result. }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                   Optional<AnyRankedTensor>:$bias, DenseI64ArrayAttr:$strides,
                   DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$dilations,
                   DefaultValuedAttr<StrAttr, "\"none\"">:$activation);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Axle_PadOp : Axle_Op<"pad", [Pure]> {
  let summary = "padding: constant, reflect, edge or wrap";
  let description = [{ `pads`: the begin pads of every dimension, then the end pads (>= 0). }];
  let arguments = (ins AnyRankedTensor:$input, StrAttr:$mode, DenseI64ArrayAttr:$pads,
                   F64Attr:$value);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Axle_ResampleOp : Axle_Op<"resample", [Pure]> {
  let summary = "separable resampling by per-axis tap tables (Resize, Upsample)";
  let description = [{
    `indices` (i64) and `weights` (f32) are [sum of the result's dimensions, T]: for each output
    coordinate of each axis in turn, T input indices and their weights. The result is the sum over
    the tap products of the axes; an index of -1 on any axis gives `extrapolation_value`.
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$indices, AnyRankedTensor:$weights,
                   F32Attr:$extrapolation_value);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $indices `,` $weights attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Axle_GridSampleOp : Axle_Op<"grid_sample", [Pure]> {
  let summary = "samples [N, C, H, W] at the grid's normalized (x, y) positions (ONNX GridSample)";
  let description = [{
    `mode`: "nearest", "linear" or "cubic"; `padding`: "zeros", "border" or "reflection";
    `align_corners`: -1 and 1 are the corner pixels' centres (else their outer edges).
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$grid, StrAttr:$mode,
                   StrAttr:$padding, BoolAttr:$align_corners);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input `,` $grid attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

#endif  // AXLE_OPS_TD
