// axle-select-kernels: the target's kernel for every op, recorded as `axle.kernel`.
#include "compiler/dialect/AxleDialect.h"
#include "compiler/dialect/RuntimeSteps.h"
#include "passes/Passes.h"
#include "runtime/schema/axle_model_generated.h"

namespace axle::passes {

// clang-format off
#define GEN_PASS_DEF_AXLESELECTKERNELS
#include "passes/Passes.h.inc"
// clang-format on

const char* KnownTargets() { return "host"; }

namespace {

struct SelectKernels : impl::AxleSelectKernelsBase<SelectKernels> {
  using AxleSelectKernelsBase::AxleSelectKernelsBase;

  void runOnOperation() override {
    mlir::func::FuncOp func = getOperation();
    // The host target runs every kernel contract of the runtime (the runtime picks the ISA
    // variant at load). Chip targets will restrict this set from their descriptions in targets/.
    if (target != "host") {
      func.emitError() << "unknown target '" << target << "' (known targets: " << KnownTargets()
                       << ")";
      return signalPassFailure();
    }
    bool ok = true;
    func.walk([&](mlir::Operation* op) {
      if (op->getDialect() == nullptr ||
          op->getDialect()->getNamespace() != ir::AxleDialect::getDialectNamespace() ||
          llvm::isa<ir::ConstantOp>(op))
        return;
      ir::StepLowering lowering;
      std::string why;
      if (mlir::failed(ir::LowerToStep(op, &lowering, &why))) {
        op->emitOpError() << "has no kernel on target '" << target << "': " << why;
        ok = false;
        return;
      }
      op->setAttr("axle.kernel",
                  mlir::StringAttr::get(
                      op->getContext(),
                      schema::EnumNameOpCode(static_cast<schema::OpCode>(lowering.opcode))));
    });
    if (!ok) signalPassFailure();
  }
};

}  // namespace
}  // namespace axle::passes
