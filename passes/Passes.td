// Axle's own passes over the `axle` dialect. The compile pipeline (compiler/cli/compile.cc) is
//   canonicalize, cse, canonicalize       (upstream: folding through the runtime, DCE)
//   axle-fuse-layer-norm, axle-fuse-gelu, axle-fuse-linear, axle-fuse-attention,
//   axle-pack-qkv, axle-fuse-elementwise, canonicalize   (the fusions; --no-fusion skips them)
//   axle-pack-weights{target=...}         (constant weights in the target GEMM's layout)
//   axle-materialize-outputs              (every plan output gets a buffer of its own)
//   axle-select-kernels{target=...}       (each op gets the target's kernel, or a diagnostic)
//   axle-plan-memory                      (arena offsets from liveness intervals)
// after which the plan emitter (compiler/emitter) only translates attributes into the .axm.
#ifndef AXLE_PASSES_TD
#define AXLE_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Fusion: each rewrite checks every precondition and leaves the graph untouched otherwise.
//===----------------------------------------------------------------------===//

def AxleFuseLayerNorm : Pass<"axle-fuse-layer-norm", "mlir::func::FuncOp"> {
  let summary = "Fuse the decomposed LayerNorm chain into axle.layer_norm";
  let description = [{
    Before:
      %m = axle.reduce_mean %x {axes = [-1], keepdims}   %d = axle.sub %x, %m
      %v = axle.reduce_mean (axle.pow %d, 2.0)           %s = axle.sqrt (axle.add %v, eps)
      %y = axle.div %d, %s    %g = axle.mul %y, gamma    %o = axle.add %g, beta
    After:
      %o = axle.layer_norm %x, gamma, beta {axis = rank - 1, epsilon = eps}
    The mean must be over trailing axes with keepdims, eps a constant, (x - mean) used only by
    the variance and the division, gamma/beta constants over the normalized dimensions.
  }];
}

def AxleFuseGelu : Pass<"axle-fuse-gelu", "mlir::func::FuncOp"> {
  let summary = "Fuse decomposed erf- and tanh-GELU into axle.gelu";
  let description = [{
    Before (erf):  %y = axle.mul (axle.mul %x, (axle.add (axle.erf (axle.div %x, 1.414)), 1)), 0.5
    Before (tanh): 0.5 * x * (1 + tanh(0.7978 * (x + 0.044715 * x^3)))
    After:         %y = axle.gelu %x {approximate = "none" | "tanh"}
    Products are flattened through single-use muls, so factor order and where the 0.5 sits do
    not matter; constants must match to 1e-4 relative.
  }];
}

def AxleConvToGemm : Pass<"axle-conv-to-gemm", "mlir::func::FuncOp"> {
  let summary = "2-D convolutions as channels-last GEMMs (im2col + matmul) or depthwise convs";
  let description = [{
    Before:
      %y = axle.conv %x, %W, %b {group = 1, pads, strides, dilations}
        : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
    After:
      %t = axle.transpose %x {perm = [0, 2, 3, 1]}                 // [1, 56, 56, 64]
      %c = axle.im2col %t {kernel = [3, 3], ...}                    // [1, 56, 56, 576]
      %g = axle.add (axle.matmul %c, %W'), %b                       // W' [576, 64]
      %y = axle.transpose %g {perm = [0, 3, 1, 2]}
    1x1 windows skip im2col (a strided slice when the stride is above 1); depthwise
    convolutions (group = C = M) become axle.depthwise_conv. Convolutions with other groups,
    non-constant weights or other ranks stay. Canonicalization then cancels the transposes
    between consecutive convolutions, and axle-fuse-linear makes the bias, activation and
    residual the GEMM's epilogue.
  }];
}

def AxleFuseIm2Col : Pass<"axle-fuse-im2col", "mlir::func::FuncOp"> {
  let summary = "linear(im2col(x)) -> a linear that reads the convolution windows in place";
  let description = [{
    Before:
      %c = axle.im2col %x {kernel = [3, 3], strides, pads, dilations}   // [1, 56, 56, 576]
      %y = axle.linear %c, %W, %b {activation = "relu"}
    After:
      %y = axle.linear %x, %W, %b {activation = "relu",
                                   axle.conv_window = [3, 3, 1, 1, 1, 1, 1, 1, 1, 1]}
    (kh, kw, strides, pads top left bottom right, dilations.) The GEMM gathers each block of
    windows while packing it: the im2col matrix is never written. f32 linears with packed
    (panel16) weights only: it runs after axle-pack-weights, so an int8 plan keeps its im2col.
  }];
}

def AxleFuseLinear : Pass<"axle-fuse-linear", "mlir::func::FuncOp"> {
  let summary = "MatMul/Gemm with a constant weight (+ bias, + Relu/GELU) -> axle.linear";
  let description = [{
    Before:
      %0 = axle.matmul %x, %W : (tensor<1x97x256xf32>, tensor<256x512xf32>) -> ...
      %1 = axle.add %0, %b    %2 = axle.relu %1
    After:
      %2 = axle.linear %x, %W, %b {activation = "relu"}
    Gemm (alpha = 1, A untransposed, C a [N] bias with beta = 1) becomes a linear with B
    transposed at compile time when trans_b. Intermediates must have a single use.
  }];
}

def AxleFuseAttention : Pass<"axle-fuse-attention", "mlir::func::FuncOp"> {
  let summary = "Fuse the multi-head attention subgraph into axle.attention";
  let description = [{
    Before: reshape/transpose of q, k, v into heads, matmul(q, k^T), a constant scale (div or
    mul, or sqrt-scales on both q and k), an optional mask (add of an f32 mask, or where with a
    constant fill), softmax over the last axis, matmul with v, transpose and reshape back.
    After:
      %y = axle.attention %q, %k, %v[, %mask] {num_heads, scale, mask_mode, mask_fill}
    Self- and cross-attention alike; the scores chain must have single uses (head splits may
    be shared, e.g. K/V of decoder passes with shared weights), perms must be the head
    split/merge ones, and the mask must broadcast to [B, H, Sq, Sk].
  }];
}

def AxlePackQkv : Pass<"axle-pack-qkv", "mlir::func::FuncOp"> {
  let summary = "Pack linears that share an input into one linear plus slices";
  let description = [{
    Before:
      %q = axle.linear %x, %Wq, %bq   %k = axle.linear %x, %Wk, %bk   %v = axle.linear %x, %Wv, %bv
    After:
      %qkv = axle.linear %x, concat(Wq, Wk, Wv), concat(bq, bk, bv)
      %q = axle.slice %qkv {starts = [0, 0, 0]} ... and so on for k and v
    Only linears without an epilogue, with constant weights, all with or all without a bias.
  }];
}

def AxleFuseElementwise : Pass<"axle-fuse-elementwise", "mlir::func::FuncOp"> {
  let summary = "Fuse trees of f32 elementwise ops into one axle.fused_elementwise";
  let description = [{
    Before:
      %0 = axle.sub %one, %mask   %1 = axle.mul %0, %neg_big
    After:
      %1 = axle.fused_elementwise %mask {program = ["const 0", "input 0", "sub", "const 1",
                                                     "mul"], constants = [1.0, -1.0e9]}
    An operand is absorbed when it is produced by a fusable op (arithmetic binary, unary math,
    gelu) with one use and the result's type; scalar constants become immediates. At least two
    ops, at most 8 inputs and a stack depth of 8.
  }];
}

def AxleQuantize : Pass<"axle-quantize", "mlir::func::FuncOp"> {
  let summary = "Calibrated axle.linear -> quantize_linear + linear_int8 (int8 x int8, int32)";
  let description = [{
    Rewrites every axle.linear that carries `axle.input_range = [lo, hi]` (the calibrated
    range of its input, attached by `axle compile --precision int8`) and has a constant f32
    [K, N] weight:
      - the input is quantized per tensor to u8 (asymmetric: scale = (hi - lo) / 255 over the
        range widened to include 0, zero point = round(-lo / scale));
      - the weight per output column to s8, symmetric (scale = max |w[:, n]| / 127, values in
        [-127, 127]), with the column sums the zero-point correction needs;
      - bias, activation and residual stay in the f32 epilogue; with `axle.input_mean` (the
        calibrated per-channel mean of the input, [K]) the bias is corrected for the mean
        shift the weight rounding causes (a bias is created when there was none);
      - with `axle.smooth` (SmoothQuant's per-input-channel factors s, [K]) weight row k is
        multiplied by s_k and the input divided by s before it is quantized (the range is
        then the smoothed input's).
    A linear marked `axle.precision = "f32"` (the user's --keep-float, or the mixed-precision
    search) is left as it is; so is one without a range. The marks are attributes of the op,
    so later passes carry them: fusion never undoes a precision choice silently.

    Before:
      %y = axle.linear %x, %w, %b {activation = "relu", axle.input_range = [-1.0 : f32, 3.0 : f32]}
    After:
      %q = axle.quantize_linear %x, %scale, %zp : (tensor<4x8xf32>, ...) -> tensor<4x8xui8>
      %y = axle.linear_int8 %q, %w8, %ws, %sums, %b {activation = "relu", input_scale = ...,
          input_zero_point = 64 : i64}
  }];
}

def AxleQuantizeWeights : Pass<"axle-quantize-weights", "mlir::func::FuncOp"> {
  let summary = "Weight-only int8/int4: axle.linear -> axle.linear_weight_only";
  let description = [{
    Every axle.linear with a constant f32 [K, N] weight, not marked `axle.precision = "f32"`,
    keeps f32 activations and stores its weight quantized symmetrically and packed for the
    weight-only GEMV kernels (kernels/common/pack_wq.h): bits=8, "w8panel16" with a scale per
    output column; bits=4, "w4panel16" with a scale per `group-size` rows (32, 64 or 128) and
    column.

    Before:
      %y = axle.linear %x, %w, %b : (tensor<1x64xf32>, tensor<64x40xf32>, tensor<40xf32>) -> ...
    After (bits=4):
      %y = axle.linear_weight_only %x, %w4, %scales, %b {weight_layout = "w4panel16"}
          : (tensor<1x64xf32>, tensor<3x32x16xui8>, tensor<2x40xf32>, tensor<40xf32>) -> ...
  }];
  let options = [
    Option<"bits", "bits", "int", /*default=*/"8", "Weight bits: 8 or 4">,
    Option<"groupSize", "group-size", "int", /*default=*/"32",
           "bits=4: rows per scale, 32, 64 or 128">,
  ];
}

def AxleFuseQdq : Pass<"axle-fuse-qdq", "mlir::func::FuncOp"> {
  let summary = "QDQ models: dequantize_linear -> linear becomes linear_int8 on the u8 tensor";
  let description = [{
    An ONNX QDQ model (ONNX Runtime's quantize_static, PT2E, TensorRT Model Optimizer) marks
    int8 layers as QuantizeLinear -> DequantizeLinear around the activation and a
    DequantizeLinear of int8 weights (folded into f32 constants at import). A linear whose
    input is dequantize_linear(q) with q u8 and a per-tensor constant scale and zero point, and
    whose weight is a constant, is rewritten to linear_int8 reading q directly, with the model's
    scales: per output column, the int8 weights are recovered exactly when the f32 values are
    integer multiples of max|w| / 127 or / 128 (how the quantizers write them), else quantized
    per column as axle-quantize does. The epilogue (bias, activation, residual) stays.

    Before:
      %q = axle.quantize_linear %x, %s, %z
      %d = axle.dequantize_linear %q, %s, %z
      %y = axle.linear %d, %w, %b
    After:
      %q = axle.quantize_linear %x, %s, %z
      %y = axle.linear_int8 %q, %w8, %ws, %sums, %b {input_scale = s, input_zero_point = z}
  }];
}

def AxlePackWeights : Pass<"axle-pack-weights", "mlir::func::FuncOp"> {
  let summary = "Store constant linear weights in the target GEMM's panel layout";
  let description = [{
    The runtime never repacks: the compiler writes each constant [K, N] weight of an
    axle.linear in the layout its kernel reads. For `host` that is "panel16" (16-column panels,
    [ceil(N/16), K, 16], zero-padded; kernels/common/pack.h), read by the x86 fp32 GEMM
    microkernels and by the reference fallback alike. The int8 weight of an axle.linear_int8
    goes to "s8panel16x4" (the x86 VNNI/AMX and Arm dotprod kernels), or with
    int8-layout=s8panel16x8 to the Arm i8mm kernel's layout (kernels/common/pack_s8.h).

    Before:
      %y = axle.linear %x, %w, %b : (tensor<97x256xf32>, tensor<256x40xf32>, ...)
    After:
      %y = axle.linear %x, %w_packed, %b {weight_layout = "panel16"}
          : (tensor<97x256xf32>, tensor<3x256x16xf32>, ...)
    Linears whose weight is not a constant are left as they are.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"host\"",
           "The target whose GEMM layout to use (known: host)">,
    Option<"int8Layout", "int8-layout", "std::string", /*default=*/"\"s8panel16x4\"",
           "The int8 weight layout of axle.linear_int8: s8panel16x4 (the x86 VNNI/AMX and Arm "
           "dotprod kernels) or s8panel16x8 (the Arm i8mm kernel; for targets whose CPU has "
           "i8mm)">,
  ];
}

def AxleMaterializeOutputs : Pass<"axle-materialize-outputs", "mlir::func::FuncOp"> {
  let summary = "Give every returned value a buffer of its own, written by one step";
  let description = [{
    A plan output is a tensor the caller reads after the run; it cannot be a graph input, a
    constant in the read-only segment, or the same buffer as another output. This pass inserts
    `axle.copy` for each returned value that is a block argument, an `axle.constant`, or a value
    already returned at an earlier position. The copy is named after the output (`axle.name`
    of the result, or `output_<i>`) with `:copy` appended.

    Before:
      func.func @f(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
        %y = axle.relu %x : (tensor<4xf32>) -> tensor<4xf32>
        return %x, %y : tensor<4xf32>, tensor<4xf32>
      }
    After:
      %y = axle.relu %x ...
      %0 = axle.copy %x : tensor<4xf32>
      return %0, %y
  }];
  let dependentDialects = ["::axle::ir::AxleDialect"];
  let statistics = [Statistic<"numCopies", "copies", "Number of output copies inserted">];
}

def AxleSelectKernels : Pass<"axle-select-kernels", "mlir::func::FuncOp"> {
  let summary = "Choose the target's kernel for every op, or say why there is none";
  let description = [{
    Walks the ops of the function in program order and records in `axle.kernel` the kernel
    contract (schema OpCode) that runs each op on `target`. An op the target has no kernel for
    (for example a fused op whose kernel has not landed for that target) is an error at the
    op's location, which is its ONNX node name.

    Before:
      %y = axle.relu %x : (tensor<4xf32>) -> tensor<4xf32>
    After:
      %y = axle.relu %x {axle.kernel = "Relu"} : (tensor<4xf32>) -> tensor<4xf32>
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"host\"",
           "The target to select kernels for (known: host)">,
  ];
}

def AxlePlanMemory : Pass<"axle-plan-memory", "mlir::func::FuncOp"> {
  let summary = "Place every non-constant tensor into one arena (static memory planning)";
  let description = [{
    Lowers the function's values to buffers with liveness intervals in steps (one step per
    non-constant op, in program order): inputs live from entry to the end, returned values from
    their step to the end, other values from their step to their last use. Buffers are placed
    greedily by size (passes/MemoryPlanner.h); an `AxleInPlace` op's result may take the offset
    of a same-sized operand buffer that dies at that step. Results:
      - `axle.offsets` on every op that writes buffers (one byte offset per result),
      - `axle.offset` on every function argument,
      - `axle.arena_bytes` and `axle.arena_lower_bound` (largest sum of simultaneously live
        bytes) on the function.
    Requires axle-materialize-outputs first: a returned argument, constant or duplicate is an
    error and the IR is left untouched.

    Before:
      func.func @f(%x: tensor<16xf32>) -> tensor<16xf32> {
        %y = axle.relu %x : (tensor<16xf32>) -> tensor<16xf32>
    After:
      func.func @f(%x: tensor<16xf32> {axle.offset = 0 : i64}) -> tensor<16xf32>
          attributes {axle.arena_bytes = 128 : i64, axle.arena_lower_bound = 128 : i64} {
        %y = axle.relu %x {axle.offsets = array<i64: 64>} ...
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"64",
           "Byte alignment of every buffer offset">,
  ];
}

#endif  // AXLE_PASSES_TD
