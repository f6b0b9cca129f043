// axle-materialize-outputs: an `axle.copy` for each returned value that cannot be an output
// buffer itself (a graph input, a constant, or a value returned twice).
#include "compiler/dialect/AxleDialect.h"
#include "llvm/ADT/DenseSet.h"
#include "passes/Passes.h"

namespace axle::passes {

// clang-format off
#define GEN_PASS_DEF_AXLEMATERIALIZEOUTPUTS
#include "passes/Passes.h.inc"
// clang-format on

namespace {

struct MaterializeOutputs : impl::AxleMaterializeOutputsBase<MaterializeOutputs> {
  void runOnOperation() override {
    mlir::func::FuncOp func = getOperation();
    if (func.isExternal()) return;
    if (!func.getBody().hasOneBlock()) {
      func.emitOpError("must have a single block to be planned");
      return signalPassFailure();
    }
    auto ret = llvm::cast<mlir::func::ReturnOp>(func.getBody().front().getTerminator());
    mlir::OpBuilder builder(ret);
    llvm::DenseSet<mlir::Value> returned;
    for (mlir::OpOperand& operand : ret->getOpOperands()) {
      mlir::Value v = operand.get();
      mlir::Operation* def = v.getDefiningOp();
      const bool first_return = returned.insert(v).second;
      if (def && !llvm::isa<ir::ConstantOp>(def) && first_return) continue;
      const unsigned i = operand.getOperandNumber();
      auto name = func.getResultAttrOfType<mlir::StringAttr>(i, "axle.name");
      const std::string label = (name ? name.str() : "output_" + std::to_string(i)) + ":copy";
      auto loc = mlir::NameLoc::get(builder.getStringAttr(label), v.getLoc());
      operand.set(builder.create<ir::CopyOp>(loc, v.getType(), v));
      ++numCopies;
    }
  }
};

}  // namespace
}  // namespace axle::passes
