// axle-pack-qkv: linears without an epilogue that read the same input (the Q/K/V projections of
// self-attention, the K/V projections of cross-attention) -> one linear over the concatenated
// weights, and a slice per original output.
#include "passes/FusionUtils.h"
#include "passes/Passes.h"

namespace axle::passes {

// clang-format off
#define GEN_PASS_DEF_AXLEPACKQKV
#include "passes/Passes.h.inc"
// clang-format on

namespace {

using mlir::LogicalResult;
using mlir::PatternRewriter;

bool Packable(ir::LinearOp op) {
  return op.getActivation() == "none" && !op.getResidual() && ConstantValue(op.getWeight()) &&
         (!op.getBias() || ConstantValue(op.getBias()));
}

struct PackSiblingLinears : mlir::OpRewritePattern<ir::LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ir::LinearOp op, PatternRewriter& rewriter) const override {
    if (!Packable(op)) return rewriter.notifyMatchFailure(op, "an epilogue or non-constant weight");
    llvm::SmallVector<ir::LinearOp> group;
    for (mlir::Operation* user : op.getInput().getUsers()) {
      auto l = llvm::dyn_cast<ir::LinearOp>(user);
      if (!l || l.getInput() != op.getInput() || !Packable(l) || l->getBlock() != op->getBlock() ||
          !l.getBias() != !op.getBias() || llvm::is_contained(group, l))
        continue;
      group.push_back(l);
    }
    if (group.size() < 2) return rewriter.notifyMatchFailure(op, "no sibling linear to pack");
    llvm::sort(group, [](ir::LinearOp a, ir::LinearOp b) { return a->isBeforeInBlock(b); });
    if (group.front() != op) return rewriter.notifyMatchFailure(op, "not the first sibling");

    const int64_t k = TensorTypeOf(op.getWeight()).getDimSize(0);
    int64_t total = 0;
    for (ir::LinearOp l : group) total += TensorTypeOf(l.getWeight()).getDimSize(1);
    std::vector<float> weight(k * total), bias;
    int64_t column = 0;
    for (ir::LinearOp l : group) {
      const int64_t n = TensorTypeOf(l.getWeight()).getDimSize(1);
      auto w = ConstantValue(l.getWeight()).getValues<float>();
      for (int64_t r = 0; r < k; ++r)
        for (int64_t c = 0; c < n; ++c) weight[r * total + column + c] = w[r * n + c];
      if (l.getBias())
        for (float b : ConstantValue(l.getBias()).getValues<float>()) bias.push_back(b);
      column += n;
    }
    rewriter.setInsertionPoint(op);
    mlir::Value w = F32Constant(rewriter, op.getWeight().getLoc(), {k, total}, weight);
    mlir::Value b = op.getBias() ? F32Constant(rewriter, op.getLoc(), {total}, bias) : nullptr;
    auto type = TensorTypeOf(op.getResult());
    llvm::SmallVector<int64_t> shape(type.getShape());
    shape.back() = total;
    llvm::SmallVector<mlir::Location> locs;
    for (ir::LinearOp l : group) locs.push_back(l.getLoc());
    auto packed = rewriter.create<ir::LinearOp>(
        rewriter.getFusedLoc(locs), mlir::RankedTensorType::get(shape, type.getElementType()),
        op.getInput(), w, b, mlir::Value(), "none");
    column = 0;
    for (ir::LinearOp l : group) {
      auto lt = TensorTypeOf(l.getResult());
      llvm::SmallVector<int64_t> starts(lt.getRank(), 0), steps(lt.getRank(), 1);
      starts.back() = column;
      column += lt.getShape().back();
      rewriter.setInsertionPointAfter(packed);
      auto slice = rewriter.create<ir::SliceOp>(l.getLoc(), lt, packed.getResult(),
                                                rewriter.getDenseI64ArrayAttr(starts),
                                                rewriter.getDenseI64ArrayAttr(steps));
      rewriter.replaceOp(l, slice.getResult());
    }
    return mlir::success();
  }
};

struct PackQkv : impl::AxlePackQkvBase<PackQkv> {
  void runOnOperation() override {
    if (mlir::failed(ApplyPatterns<PackSiblingLinears>(getOperation()))) signalPassFailure();
  }
};

}  // namespace
}  // namespace axle::passes
