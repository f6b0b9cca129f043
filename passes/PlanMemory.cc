// axle-plan-memory: values -> buffers with liveness intervals -> arena offsets.
#include "compiler/dialect/AxleDialect.h"
#include "compiler/dialect/RuntimeSteps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "passes/MemoryPlanner.h"
#include "passes/Passes.h"

namespace axle::passes {

// clang-format off
#define GEN_PASS_DEF_AXLEPLANMEMORY
#include "passes/Passes.h.inc"
// clang-format on

namespace {

struct PlanMemoryPass : impl::AxlePlanMemoryBase<PlanMemoryPass> {
  using AxlePlanMemoryBase::AxlePlanMemoryBase;

  void runOnOperation() override {
    mlir::func::FuncOp func = getOperation();
    if (func.isExternal()) return;
    if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
      func.emitError() << "alignment must be a power of two, got " << alignment.getValue();
      return signalPassFailure();
    }
    if (mlir::failed(CheckPreconditions(func))) return signalPassFailure();

    std::vector<BufferLifetime> buffers;
    llvm::DenseMap<mlir::Value, size_t> buffer_of;
    auto add = [&](mlir::Value v, int64_t first) {
      BufferLifetime b;
      b.bytes = ir::TensorBytes(llvm::cast<mlir::RankedTensorType>(v.getType()));
      b.first = first;
      b.last = first;
      buffer_of[v] = buffers.size();
      buffers.push_back(b);
    };
    mlir::Block& body = func.getBody().front();
    for (mlir::BlockArgument arg : body.getArguments()) add(arg, -1);

    int64_t step = 0;
    for (mlir::Operation& op : body.without_terminator()) {
      if (llvm::isa<ir::ConstantOp>(op)) continue;
      const ir::StepOperands operands = ir::OperandsOf(&op);
      for (mlir::Value v : operands.inputs)
        if (auto it = buffer_of.find(v); v && it != buffer_of.end())
          buffers[it->second].last = std::max(buffers[it->second].last, step);
      for (mlir::Value v : op.getResults()) add(v, step);
      // In place: the single result may take a same-sized operand buffer that dies here (the
      // planner checks the death); graph inputs are never overwritten.
      if (op.hasTrait<mlir::OpTrait::AxleInPlace>() && op.getNumResults() == 1) {
        const uint64_t bytes = buffers[buffer_of[op.getResult(0)]].bytes;
        for (mlir::Value v : op.getOperands()) {
          auto it = buffer_of.find(v);
          if (it == buffer_of.end() || llvm::isa<mlir::BlockArgument>(v) ||
              buffers[it->second].bytes != bytes)
            continue;
          buffers[buffer_of[op.getResult(0)]].reuse = static_cast<int64_t>(it->second);
          break;
        }
      }
      ++step;
    }
    // Inputs and outputs stay live to the end: the caller writes and reads them.
    for (mlir::BlockArgument arg : body.getArguments()) buffers[buffer_of[arg]].last = step;
    for (mlir::Value v : body.getTerminator()->getOperands()) buffers[buffer_of[v]].last = step;

    const MemoryPlan plan = PlanMemory(buffers, static_cast<uint64_t>(alignment));
    mlir::Builder b(func.getContext());
    for (mlir::BlockArgument arg : body.getArguments())
      func.setArgAttr(arg.getArgNumber(), "axle.offset",
                      b.getI64IntegerAttr(static_cast<int64_t>(plan.offsets[buffer_of[arg]])));
    for (mlir::Operation& op : body.without_terminator()) {
      if (llvm::isa<ir::ConstantOp>(op)) continue;
      llvm::SmallVector<int64_t> offsets;
      for (mlir::Value v : op.getResults())
        offsets.push_back(static_cast<int64_t>(plan.offsets[buffer_of[v]]));
      op.setAttr("axle.offsets", b.getDenseI64ArrayAttr(offsets));
    }
    func->setAttr("axle.arena_bytes", b.getI64IntegerAttr(static_cast<int64_t>(plan.arena_bytes)));
    func->setAttr("axle.arena_lower_bound",
                  b.getI64IntegerAttr(static_cast<int64_t>(plan.lower_bound)));
  }

  // A single block whose returned values are distinct results of non-constant ops.
  static mlir::LogicalResult CheckPreconditions(mlir::func::FuncOp func) {
    if (!func.getBody().hasOneBlock())
      return func.emitOpError("must have a single block to be planned");
    llvm::DenseSet<mlir::Value> returned;
    mlir::Operation* ret = func.getBody().front().getTerminator();
    for (mlir::OpOperand& operand : ret->getOpOperands()) {
      mlir::Value v = operand.get();
      const char* why = nullptr;
      if (!v.getDefiningOp())
        why = "is a function argument";
      else if (llvm::isa<ir::ConstantOp>(v.getDefiningOp()))
        why = "is a constant";
      else if (!returned.insert(v).second)
        why = "is returned more than once";
      if (why)
        return ret->emitOpError() << "operand " << operand.getOperandNumber() << " " << why
                                  << "; run axle-materialize-outputs first";
    }
    for (mlir::Value v : func.getBody().front().getArguments())
      if (!llvm::isa<mlir::RankedTensorType>(v.getType()))
        return func.emitOpError() << "argument "
                                  << llvm::cast<mlir::BlockArgument>(v).getArgNumber()
                                  << " is not a ranked tensor";
    return mlir::success();
  }
};

}  // namespace
}  // namespace axle::passes
