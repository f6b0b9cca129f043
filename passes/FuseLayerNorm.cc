// axle-fuse-layer-norm: the decomposed LayerNorm that exporters emit ->  axle.layer_norm.
//   mean = reduce_mean(x, trailing axes); d = x - mean
//   var = reduce_mean(d ^ 2 or d * d); y = d / sqrt(var + eps)
//   then optionally * gamma and + beta (constants over the normalized dims).
#include "passes/FusionUtils.h"
#include "passes/Passes.h"

namespace axle::passes {

// clang-format off
#define GEN_PASS_DEF_AXLEFUSELAYERNORM
#include "passes/Passes.h.inc"
// clang-format on

namespace {

using mlir::LogicalResult;
using mlir::PatternRewriter;
using mlir::Value;

// The first normalized axis if `mean` reduces the trailing axes [axis, rank) with keepdims.
std::optional<int64_t> TrailingAxis(ir::ReduceMeanOp mean) {
  const int64_t rank = TensorTypeOf(mean.getInput()).getRank();
  llvm::SmallVector<int64_t> axes(mean.getAxes());
  llvm::sort(axes);
  if (!mean.getKeepdims() || axes.empty() || axes.back() != rank - 1) return std::nullopt;
  for (size_t i = 1; i < axes.size(); ++i)
    if (axes[i] != axes[i - 1] + 1) return std::nullopt;
  return axes.front();
}

// The operand of `op` (a binary op) that is not `v`, if one of them is `v`.
template <typename OpTy>
Value OtherOperand(OpTy op, Value v) {
  if (op.getLhs() == v) return op.getRhs();
  if (op.getRhs() == v) return op.getLhs();
  return {};
}

// A constant with one value per normalized element (or one in all), reshaped to those dims.
Value NormalizedConstant(PatternRewriter& rewriter, Value c, llvm::ArrayRef<int64_t> dims) {
  auto d = ConstantValue(c);
  if (!d || !d.getElementType().isF32()) return {};
  int64_t n = 1;
  for (int64_t x : dims) n *= x;
  auto type = TensorTypeOf(c);
  // Leading dims of the constant must be 1 (it broadcasts over the outer dims only).
  const int64_t lead = type.getRank() - static_cast<int64_t>(dims.size());
  for (int64_t i = 0; i < lead; ++i)
    if (type.getDimSize(i) != 1) return {};
  if (d.getNumElements() == 1) {
    auto flat = mlir::RankedTensorType::get({1}, rewriter.getF32Type());
    return rewriter.create<ir::ConstantOp>(c.getLoc(), flat, d.reshape(flat)).getResult();
  }
  if (d.getNumElements() != n) return {};
  auto full = mlir::RankedTensorType::get(dims, rewriter.getF32Type());
  return rewriter.create<ir::ConstantOp>(c.getLoc(), full, d.reshape(full)).getResult();
}

struct FuseDecomposedLayerNorm : mlir::OpRewritePattern<ir::DivOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ir::DivOp div, PatternRewriter& rewriter) const override {
    auto sub = div.getLhs().getDefiningOp<ir::SubOp>();
    if (!sub) return rewriter.notifyMatchFailure(div, "numerator is not x - mean");
    Value x = sub.getLhs(), d = sub.getResult();
    auto mean = sub.getRhs().getDefiningOp<ir::ReduceMeanOp>();
    if (!mean || mean.getInput() != x || !mean.getResult().hasOneUse())
      return rewriter.notifyMatchFailure(div, "numerator is not x - reduce_mean(x)");
    auto axis = TrailingAxis(mean);
    if (!axis) return rewriter.notifyMatchFailure(div, "mean is not over the trailing axes");
    if (!IsF32Tensor(x) || div.getType() != x.getType())
      return rewriter.notifyMatchFailure(div, "not an f32 normalization of x's shape");
    auto sqrt = SingleUseDef<ir::SqrtOp>(div.getRhs());
    auto add_eps = sqrt ? SingleUseDef<ir::AddOp>(sqrt.getInput()) : ir::AddOp();
    if (!add_eps) return rewriter.notifyMatchFailure(div, "denominator is not sqrt(var + eps)");
    ir::ReduceMeanOp var;
    std::optional<double> eps;
    for (int side = 0; side < 2 && !var; ++side) {
      var = SingleUseDef<ir::ReduceMeanOp>(side ? add_eps.getRhs() : add_eps.getLhs());
      eps = ScalarConstant(side ? add_eps.getLhs() : add_eps.getRhs());
      if (!eps) var = {};
    }
    if (!var || !eps || *eps < 0 || var.getAxes() != mean.getAxes() || !var.getKeepdims())
      return rewriter.notifyMatchFailure(div, "variance is not reduce_mean(..) + constant eps");
    // var's input: pow(d, 2) or d * d, with d used only there and by the division.
    Value sq = var.getInput();
    bool square = false;
    if (auto pow = SingleUseDef<ir::PowOp>(sq))
      square = pow.getLhs() == d && ScalarConstant(pow.getRhs()) == 2.0;
    else if (auto mul = SingleUseDef<ir::MulOp>(sq))
      square = mul.getLhs() == d && mul.getRhs() == d;
    if (!square) return rewriter.notifyMatchFailure(div, "variance is not of (x - mean)^2");
    for (mlir::Operation* user : d.getUsers())
      if (user != div && user != sq.getDefiningOp())
        return rewriter.notifyMatchFailure(div, "x - mean has other users");

    const auto shape = TensorTypeOf(x).getShape();
    llvm::SmallVector<int64_t> dims(shape.begin() + *axis, shape.end());
    // Absorb "* gamma" and "+ beta" that follow.
    mlir::Operation* last = div;
    Value scale, bias;
    if (div.getResult().hasOneUse())
      if (auto mul = llvm::dyn_cast<ir::MulOp>(*div.getResult().getUsers().begin()))
        if (Value g = OtherOperand(mul, div.getResult()); g && mul.getType() == div.getType()) {
          rewriter.setInsertionPoint(mul);
          if ((scale = NormalizedConstant(rewriter, g, dims))) last = mul;
        }
    if (scale && last->getResult(0).hasOneUse())
      if (auto add = llvm::dyn_cast<ir::AddOp>(*last->getResult(0).getUsers().begin()))
        if (Value b = OtherOperand(add, last->getResult(0)); b && add.getType() == div.getType()) {
          rewriter.setInsertionPoint(add);
          if ((bias = NormalizedConstant(rewriter, b, dims))) last = add;
        }
    rewriter.setInsertionPoint(last);
    if (!scale) scale = F32Constant(rewriter, div.getLoc(), {1}, {1.0f});
    auto ln = rewriter.create<ir::LayerNormOp>(last->getLoc(), mlir::TypeRange{x.getType()}, x,
                                               scale, bias, rewriter.getI64IntegerAttr(*axis),
                                               rewriter.getF32FloatAttr(static_cast<float>(*eps)));
    ln->setAttr("resultSegmentSizes", rewriter.getDenseI32ArrayAttr({1, 0, 0}));
    rewriter.replaceOp(last, ln.getResult());
    return mlir::success();
  }
};

struct FuseLayerNorm : impl::AxleFuseLayerNormBase<FuseLayerNorm> {
  void runOnOperation() override {
    if (mlir::failed(ApplyPatterns<FuseDecomposedLayerNorm>(getOperation()))) signalPassFailure();
  }
};

}  // namespace
}  // namespace axle::passes
