// axle-pack-weights: constant linear weights -> the target GEMM's packed layout.
#include "kernels/common/pack.h"
#include "passes/FusionUtils.h"
#include "passes/Passes.h"

namespace axle::passes {

// clang-format off
#define GEN_PASS_DEF_AXLEPACKWEIGHTS
#include "passes/Passes.h.inc"
// clang-format on

namespace {

struct PackLinearWeight : mlir::OpRewritePattern<ir::LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  mlir::LogicalResult matchAndRewrite(ir::LinearOp op,
                                      mlir::PatternRewriter& rewriter) const override {
    auto w = ConstantValue(op.getWeight());
    if (op.getWeightLayout() != "kn" || !w || !w.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "packed already, or not a constant f32 weight");
    auto type = TensorTypeOf(op.getWeight());
    const size_t k = type.getDimSize(0), n = type.getDimSize(1);
    std::vector<float> dense(w.getValues<float>().begin(), w.getValues<float>().end());
    std::vector<float> packed(Panel16Floats(k, n));
    PackPanel16(dense.data(), k, n, packed.data());
    rewriter.setInsertionPoint(op);
    mlir::Value p = F32Constant(rewriter, op.getWeight().getLoc(),
                                {static_cast<int64_t>(Panel16Count(n)), static_cast<int64_t>(k),
                                 static_cast<int64_t>(kPanelWidth)},
                                packed);
    rewriter.modifyOpInPlace(op, [&] {
      op.getWeightMutable().assign(p);
      op.setWeightLayout("panel16");
    });
    return mlir::success();
  }
};

struct PackWeights : impl::AxlePackWeightsBase<PackWeights> {
  using AxlePackWeightsBase::AxlePackWeightsBase;
  void runOnOperation() override {
    if (target != "host") {
      getOperation().emitError() << "unknown target '" << target
                                 << "' (known targets: " << KnownTargets() << ")";
      return signalPassFailure();
    }
    if (mlir::failed(ApplyPatterns<PackLinearWeight>(getOperation()))) signalPassFailure();
  }
};

}  // namespace
}  // namespace axle::passes
