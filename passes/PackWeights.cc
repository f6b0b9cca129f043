// axle-pack-weights: constant linear weights -> the target GEMM's packed layout.
#include "kernels/common/pack.h"
#include "kernels/common/pack_s8.h"
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

// The int8 weight of axle.linear_int8 -> s8panel16x4 (the layout of the x86 int8 GEMMs, VNNI
// and AMX alike, and of the Arm dotprod kernel), or s8panel16x8 (the Arm i8mm kernel's) with
// int8-layout=s8panel16x8 (kernels/common/pack_s8.h). The column sums stay as they are.
struct PackLinearInt8Weight : mlir::OpRewritePattern<ir::LinearInt8Op> {
  PackLinearInt8Weight(mlir::MLIRContext* context, bool c8) : OpRewritePattern(context), c8(c8) {}
  bool c8;
  mlir::LogicalResult matchAndRewrite(ir::LinearInt8Op op,
                                      mlir::PatternRewriter& rewriter) const override {
    auto w = ConstantValue(op.getWeight());
    if (op.getWeightLayout() != "kn" || !w || !w.getElementType().isSignlessInteger(8))
      return rewriter.notifyMatchFailure(op, "packed already, or not a constant i8 weight");
    auto type = TensorTypeOf(op.getWeight());
    const size_t k = type.getDimSize(0), n = type.getDimSize(1);
    std::vector<int8_t> dense;
    for (const llvm::APInt& v : w.getValues<llvm::APInt>())
      dense.push_back(static_cast<int8_t>(v.getSExtValue()));
    std::vector<int8_t> packed(S8PackedBytes(k, n));
    std::vector<int32_t> sums(n);
    if (c8)
      PackS8Panel16x8(dense.data(), k, n, packed.data(), sums.data());
    else
      PackS8Panel16x4(dense.data(), k, n, packed.data(), sums.data());
    const int64_t groups = static_cast<int64_t>(S8KQuads(k)) / (c8 ? 2 : 1);
    auto ptype = mlir::RankedTensorType::get(
        {static_cast<int64_t>(S8PanelCount(n)), groups, c8 ? 128 : 64}, rewriter.getIntegerType(8));
    rewriter.setInsertionPoint(op);
    mlir::Value p = rewriter.create<ir::ConstantOp>(
        op.getWeight().getLoc(), ptype,
        mlir::DenseElementsAttr::get(ptype, llvm::ArrayRef(packed)));
    rewriter.modifyOpInPlace(op, [&] {
      op.getWeightMutable().assign(p);
      op.setWeightLayout(c8 ? "s8panel16x8" : "s8panel16x4");
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
    if (int8Layout != "s8panel16x4" && int8Layout != "s8panel16x8") {
      getOperation().emitError() << "unknown int8 weight layout '" << int8Layout
                                 << "' (known: s8panel16x4, s8panel16x8)";
      return signalPassFailure();
    }
    mlir::RewritePatternSet patterns(&getContext());
    patterns.add<PackLinearWeight>(&getContext());
    patterns.add<PackLinearInt8Weight>(&getContext(), int8Layout == "s8panel16x8");
    if (mlir::failed(mlir::applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

}  // namespace
}  // namespace axle::passes
