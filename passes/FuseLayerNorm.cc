// axle-fuse-layer-norm: the decomposed LayerNorm that exporters emit ->  axle.layer_norm.
//   mean = reduce_mean(x, trailing axes); d = x - mean
//   var = reduce_mean(d ^ 2 or d * d); y = d / sqrt(var + eps)
//   then optionally * gamma and + beta (constants over the normalized dims).
// And RMSNorm (as canonicalization leaves it: pow(x, 2) is x * x, 1 / y a reciprocal):
//   r = reciprocal(sqrt(reduce_mean(x * x, last axis) + eps)); y = x * r (or x / sqrt(..))
//   then optionally * gamma  ->  axle.rms_norm.
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

// sqrt(reduce_mean(x * x, last axis, keepdims) + eps) with single uses: x and eps, or null.
Value RmsDenominator(Value root, double* eps) {
  auto sqrt = SingleUseDef<ir::SqrtOp>(root);
  auto add = sqrt ? SingleUseDef<ir::AddOp>(sqrt.getInput()) : ir::AddOp();
  if (!add) return {};
  for (int side = 0; side < 2; ++side) {
    auto mean = SingleUseDef<ir::ReduceMeanOp>(side ? add.getRhs() : add.getLhs());
    auto e = ScalarConstant(side ? add.getLhs() : add.getRhs());
    if (!mean || !e || *e < 0 || !mean.getKeepdims()) continue;
    const int64_t rank = TensorTypeOf(mean.getInput()).getRank();
    if (mean.getAxes().size() != 1 || mean.getAxes()[0] != rank - 1) continue;
    auto square = SingleUseDef<ir::MulOp>(mean.getInput());
    if (!square || square.getLhs() != square.getRhs()) continue;
    *eps = *e;
    return square.getLhs();
  }
  return {};
}

// x * reciprocal(sqrt(mean(x^2) + eps)) or x / sqrt(mean(x^2) + eps), then * gamma.
struct FuseDecomposedRmsNorm : mlir::OpRewritePattern<ir::ReciprocalOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ir::ReciprocalOp inv, PatternRewriter& rewriter) const override {
    double eps = 0;
    Value x = RmsDenominator(inv.getInput(), &eps);
    if (!x || !IsF32Tensor(x)) return rewriter.notifyMatchFailure(inv, "not 1/sqrt(mean(x^2)+e)");
    if (!inv.getResult().hasOneUse())
      return rewriter.notifyMatchFailure(inv, "the reciprocal has other users");
    auto mul = llvm::dyn_cast<ir::MulOp>(*inv.getResult().getUsers().begin());
    if (!mul || OtherOperand(mul, inv.getResult()) != x || mul.getType() != x.getType())
      return rewriter.notifyMatchFailure(inv, "not x * reciprocal(..)");
    return Replace(rewriter, mul, x, eps);
  }

  static LogicalResult Replace(PatternRewriter& rewriter, mlir::Operation* normalized, Value x,
                               double eps) {
    const int64_t d = TensorTypeOf(x).getShape().back();
    mlir::Operation* last = normalized;
    Value scale;
    if (normalized->getResult(0).hasOneUse())
      if (auto mul = llvm::dyn_cast<ir::MulOp>(*normalized->getResult(0).getUsers().begin()))
        if (Value g = OtherOperand(mul, normalized->getResult(0));
            g && mul.getType() == x.getType()) {
          rewriter.setInsertionPoint(mul);
          if ((scale = NormalizedConstant(rewriter, g, {d}))) last = mul;
        }
    rewriter.setInsertionPoint(last);
    std::vector<float> gamma(d, 1.0f);  // no gamma: ones; one gamma for all: repeated
    if (scale && TensorTypeOf(scale).getNumElements() == 1)
      gamma.assign(d, *ConstantValue(scale).getValues<float>().begin());
    if (!scale || TensorTypeOf(scale).getNumElements() != d)
      scale = F32Constant(rewriter, normalized->getLoc(), {d}, gamma);
    auto rms = rewriter.create<ir::RmsNormOp>(last->getLoc(), x.getType(), x, scale,
                                              rewriter.getF32FloatAttr(static_cast<float>(eps)));
    rewriter.replaceOp(last, rms.getResult());
    return mlir::success();
  }
};

struct FuseDividedRmsNorm : mlir::OpRewritePattern<ir::DivOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ir::DivOp div, PatternRewriter& rewriter) const override {
    double eps = 0;
    Value x = RmsDenominator(div.getRhs(), &eps);
    if (!x || x != div.getLhs() || !IsF32Tensor(x) || div.getType() != x.getType())
      return rewriter.notifyMatchFailure(div, "not x / sqrt(mean(x^2) + e)");
    return FuseDecomposedRmsNorm::Replace(rewriter, div, x, eps);
  }
};

struct FuseLayerNorm : impl::AxleFuseLayerNormBase<FuseLayerNorm> {
  void runOnOperation() override {
    if (mlir::failed(
            ApplyPatterns<FuseDecomposedLayerNorm, FuseDecomposedRmsNorm, FuseDividedRmsNorm>(
                getOperation())))
      signalPassFailure();
  }
};

}  // namespace
}  // namespace axle::passes
