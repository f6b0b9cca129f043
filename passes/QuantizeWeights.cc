// axle-quantize-weights: weight-only int8 / int4 linears (f32 activations).
#include <vector>

#include "kernels/common/pack_wq.h"
#include "passes/FusionUtils.h"
#include "passes/Passes.h"

namespace axle::passes {

// clang-format off
#define GEN_PASS_DEF_AXLEQUANTIZEWEIGHTS
#include "passes/Passes.h.inc"
// clang-format on

namespace {

struct WeightOnlyLinear : mlir::OpRewritePattern<ir::LinearOp> {
  WeightOnlyLinear(mlir::MLIRContext* ctx, int bits, int group)
      : OpRewritePattern(ctx), bits(bits), group(group) {}
  mlir::LogicalResult matchAndRewrite(ir::LinearOp op,
                                      mlir::PatternRewriter& rewriter) const override {
    if (auto p = op->getAttrOfType<mlir::StringAttr>("axle.precision"); p && p.getValue() == "f32")
      return rewriter.notifyMatchFailure(op, "kept in f32");
    auto w = ConstantValue(op.getWeight());
    if (op.getWeightLayout() != "kn" || !w || !w.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "not a constant f32 [K, N] weight");
    auto type = TensorTypeOf(op.getWeight());
    const size_t k = type.getDimSize(0), n = type.getDimSize(1);
    const int64_t panels = static_cast<int64_t>((n + 15) / 16);
    std::vector<float> dense(w.getValues<float>().begin(), w.getValues<float>().end());
    const mlir::Location loc = op.getWeight().getLoc();
    mlir::Value packed, scales;
    if (bits == 8) {
      std::vector<int8_t> q(W8PackedBytes(k, n));
      std::vector<float> s(n);
      PackW8Panel16(dense.data(), k, n, q.data(), s.data());
      auto qt = mlir::RankedTensorType::get({panels, static_cast<int64_t>(k), 16},
                                            rewriter.getIntegerType(8));
      packed = rewriter.create<ir::ConstantOp>(loc, qt,
                                               mlir::DenseElementsAttr::get(qt, llvm::ArrayRef(q)));
      scales = F32Constant(rewriter, loc, {static_cast<int64_t>(n)}, s);
    } else {
      std::vector<uint8_t> q(W4PackedBytes(k, n));
      std::vector<float> s(W4ScaleCount(k, n, group));
      PackW4Panel16(dense.data(), k, n, group, q.data(), s.data());
      auto qt = mlir::RankedTensorType::get(
          {panels, static_cast<int64_t>((k + 1) / 2), 16},
          mlir::IntegerType::get(rewriter.getContext(), 8, mlir::IntegerType::Unsigned));
      packed = rewriter.create<ir::ConstantOp>(loc, qt,
                                               mlir::DenseElementsAttr::get(qt, llvm::ArrayRef(q)));
      scales = F32Constant(
          rewriter, loc,
          {static_cast<int64_t>(W4Groups(k, group)), static_cast<int64_t>(n)}, s);
    }
    auto linear = rewriter.replaceOpWithNewOp<ir::LinearWeightOnlyOp>(
        op, op.getType(), op.getInput(), packed, scales, op.getBias(), op.getResidual(),
        op.getActivationAttr(), rewriter.getStringAttr(bits == 8 ? "w8panel16" : "w4panel16"));
    if (bits == 4) linear.setGroupSize(group);
    return mlir::success();
  }
  int bits, group;
};

struct QuantizeWeights : impl::AxleQuantizeWeightsBase<QuantizeWeights> {
  using AxleQuantizeWeightsBase::AxleQuantizeWeightsBase;
  void runOnOperation() override {
    if (bits != 8 && bits != 4) {
      getOperation().emitError() << "axle-quantize-weights: bits must be 8 or 4, got " << bits;
      return signalPassFailure();
    }
    if (!IsW4Group(groupSize)) {
      getOperation().emitError() << "axle-quantize-weights: group-size must be 32, 64 or 128, got "
                                 << static_cast<int>(groupSize);
      return signalPassFailure();
    }
    mlir::RewritePatternSet patterns(&getContext());
    patterns.add<WeightOnlyLinear>(&getContext(), bits, groupSize);
    if (mlir::failed(mlir::applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

}  // namespace
}  // namespace axle::passes
