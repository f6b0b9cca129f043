// Axle's own passes over the `axle` dialect. The compile pipeline (compiler/cli/compile.cc) is
//   canonicalize, cse, canonicalize       (upstream: folding through the runtime, DCE)
//   axle-materialize-outputs              (every plan output gets a buffer of its own)
//   axle-select-kernels{target=...}       (each op gets the target's kernel, or a diagnostic)
//   axle-plan-memory                      (arena offsets from liveness intervals)
// after which the plan emitter (compiler/emitter) only translates attributes into the .axm.
#ifndef AXLE_PASSES_TD
#define AXLE_PASSES_TD

include "mlir/Pass/PassBase.td"

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
