// axle-fuse-im2col: linear(im2col(x)) -> linear(x) {axle.conv_window}: the GEMM gathers the
// convolution windows as it packs its A blocks, and the im2col matrix (kh * kw times the input)
// is never written. Runs after axle-pack-weights (the windows need the packed-panel GEMM) and
// so after quantization: an int8 plan keeps the explicit im2col before its linear_int8.
#include "passes/FusionUtils.h"
#include "passes/Passes.h"

namespace axle::passes {

// clang-format off
#define GEN_PASS_DEF_AXLEFUSEIM2COL
#include "passes/Passes.h.inc"
// clang-format on

namespace {

struct FuseIm2ColPattern : mlir::OpRewritePattern<ir::LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  mlir::LogicalResult matchAndRewrite(ir::LinearOp op,
                                      mlir::PatternRewriter& rewriter) const override {
    auto cols = SingleUseDef<ir::Im2ColOp>(op.getInput());
    if (!cols || op->hasAttr(ir::kConvWindowAttr))
      return rewriter.notifyMatchFailure(op, "the input is not a private im2col");
    if (!IsF32Tensor(cols.getInput()) || op.getWeightLayout() != "panel16")
      return rewriter.notifyMatchFailure(op, "not an f32 linear with packed weights");
    // Gathering runs of a few channels (an RGB stem's 3) costs more than writing the matrix
    // once (measured: ResNet-18's 7x7 stem 6.8 ms gathered, 4.2 ms through im2col).
    if (TensorTypeOf(cols.getInput()).getShape().back() < 16)
      return rewriter.notifyMatchFailure(op, "fewer than 16 channels: im2col is faster");
    llvm::SmallVector<int64_t> window(cols.getKernel());
    window.append(cols.getStrides().begin(), cols.getStrides().end());
    window.append(cols.getPads().begin(), cols.getPads().end());
    window.append(cols.getDilations().begin(), cols.getDilations().end());
    if (window.size() != 10) return rewriter.notifyMatchFailure(op, "not a 2-D window");
    rewriter.modifyOpInPlace(op, [&] {
      op.getInputMutable().assign(cols.getInput());
      op->setAttr(ir::kConvWindowAttr, rewriter.getDenseI64ArrayAttr(window));
    });
    rewriter.eraseOp(cols);
    return mlir::success();
  }
};

struct FuseIm2Col : impl::AxleFuseIm2ColBase<FuseIm2Col> {
  void runOnOperation() override {
    if (mlir::failed(ApplyPatterns<FuseIm2ColPattern>(getOperation()))) signalPassFailure();
  }
};

}  // namespace
}  // namespace axle::passes
