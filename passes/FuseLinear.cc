// axle-fuse-linear: MatMul / Gemm with a constant weight -> axle.linear, then a following bias
// Add and Relu / GELU fold into its epilogue.
#include "passes/FusionUtils.h"
#include "passes/Passes.h"

namespace axle::passes {

// clang-format off
#define GEN_PASS_DEF_AXLEFUSELINEAR
#include "passes/Passes.h.inc"
// clang-format on

namespace {

using mlir::failure;
using mlir::LogicalResult;
using mlir::PatternRewriter;
using mlir::success;

// matmul(x [..., K], W [K, N] constant) -> linear(x, W).
// The location of a linear that absorbed `op`: the linear's own (its MatMul node, which names
// the layer in step names and reports) first, then the absorbed op's.
mlir::Location KeepLinearName(PatternRewriter& rewriter, ir::LinearOp linear, mlir::Operation* op) {
  return rewriter.getFusedLoc({linear.getLoc(), op->getLoc()});
}

struct MatMulToLinear : mlir::OpRewritePattern<ir::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ir::MatMulOp op, PatternRewriter& rewriter) const override {
    auto w = ConstantValue(op.getRhs());
    if (!w) return rewriter.notifyMatchFailure(op, "the weight is not a constant");
    if (TensorTypeOf(op.getRhs()).getRank() != 2)
      return rewriter.notifyMatchFailure(op, "the weight is not a matrix");
    if (TensorTypeOf(op.getLhs()).getRank() < 2)
      return rewriter.notifyMatchFailure(op, "a vector input has numpy's promotion rules");
    if (!IsF32Tensor(op.getLhs()) || !IsF32Tensor(op.getRhs()))
      return rewriter.notifyMatchFailure(op, "not f32");
    rewriter.replaceOpWithNewOp<ir::LinearOp>(op, op.getType(), op.getLhs(), op.getRhs(),
                                              mlir::Value(), mlir::Value(), "none");
    return success();
  }
};

// gemm(A, B constant, C [N] constant?) with alpha = beta = 1 and A untransposed -> linear, the
// weight transposed at compile time when trans_b.
struct GemmToLinear : mlir::OpRewritePattern<ir::GemmOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ir::GemmOp op, PatternRewriter& rewriter) const override {
    auto b = ConstantValue(op.getB());
    if (!b || !IsF32Tensor(op.getB()) || !IsF32Tensor(op.getA()))
      return rewriter.notifyMatchFailure(op, "B is not an f32 constant");
    if (op.getAlpha().convertToDouble() != 1.0 || op.getTransA())
      return rewriter.notifyMatchFailure(op, "alpha != 1 or A transposed");
    mlir::Value bias;
    if (op.getC()) {
      auto c = ConstantValue(op.getC());
      const int64_t n = TensorTypeOf(op.getResult()).getDimSize(1);
      if (!c || op.getBeta().convertToDouble() != 1.0 || c.getNumElements() != n ||
          TensorTypeOf(op.getC()).getRank() != 1)
        return rewriter.notifyMatchFailure(op, "C is not a constant [N] bias with beta = 1");
      bias = op.getC();
    }
    mlir::Value weight = op.getB();
    if (op.getTransB()) {
      auto t = TensorTypeOf(op.getB());
      const int64_t n = t.getDimSize(0), k = t.getDimSize(1);
      auto src = b.getValues<float>();
      std::vector<float> transposed(k * n);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < k; ++j) transposed[j * n + i] = src[i * k + j];
      weight = F32Constant(rewriter, op.getB().getLoc(), {k, n}, transposed);
    }
    rewriter.replaceOpWithNewOp<ir::LinearOp>(op, op.getType(), op.getA(), weight, bias,
                                              mlir::Value(), "none");
    return success();
  }
};

// add(linear(x, W), b) with b a constant of N elements (shape [N], [1, N], ...) -> the bias.
struct AbsorbBias : mlir::OpRewritePattern<ir::AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ir::AddOp op, PatternRewriter& rewriter) const override {
    for (int side = 0; side < 2; ++side) {
      mlir::Value l = side ? op.getRhs() : op.getLhs();
      mlir::Value c = side ? op.getLhs() : op.getRhs();
      auto linear = SingleUseDef<ir::LinearOp>(l);
      auto bias = ConstantValue(c);
      // A second constant add (a folded BatchNorm's shift after the convolution's bias) sums
      // into the bias the linear has.
      auto old_bias = linear ? ConstantValue(linear.getBias()) : nullptr;
      if (!linear || !bias || (linear.getBias() && !old_bias) || linear.getResidual() ||
          linear.getActivation() != "none")
        continue;
      const int64_t n = TensorTypeOf(linear.getResult()).getShape().back();
      auto bias_type = TensorTypeOf(c);
      bool only_last = bias.getNumElements() == n && bias_type.getRank() >= 1 &&
                       bias_type.getShape().back() == n && bias_type.getElementType().isF32();
      if (!only_last || op.getType() != linear.getType()) continue;
      auto flat = mlir::RankedTensorType::get({n}, rewriter.getF32Type());
      mlir::Value b = c;
      if (old_bias) {
        std::vector<float> sum(bias.getValues<float>().begin(), bias.getValues<float>().end());
        int64_t j = 0;
        for (float v : old_bias.getValues<float>()) sum[j++] += v;
        b = F32Constant(rewriter, c.getLoc(), {n}, sum);
      } else if (bias_type.getRank() != 1) {
        b = rewriter.create<ir::ConstantOp>(c.getLoc(), flat, bias.reshape(flat)).getResult();
      }
      auto fused = rewriter.replaceOpWithNewOp<ir::LinearOp>(
          op, op.getType(), linear.getInput(), linear.getWeight(), b, mlir::Value(), "none");
      fused->setLoc(KeepLinearName(rewriter, linear, op));
      rewriter.eraseOp(linear);
      return success();
    }
    return rewriter.notifyMatchFailure(op, "not linear + constant [N] bias");
  }
};

// mul(linear(x, W, b), s) with s a constant per output column (a folded BatchNorm's scale, or
// any per-channel scale after a convolution) -> linear(x, W * s, b * s).
struct AbsorbColumnScale : mlir::OpRewritePattern<ir::MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ir::MulOp op, PatternRewriter& rewriter) const override {
    for (int side = 0; side < 2; ++side) {
      mlir::Value l = side ? op.getRhs() : op.getLhs();
      mlir::Value c = side ? op.getLhs() : op.getRhs();
      auto linear = SingleUseDef<ir::LinearOp>(l);
      auto scale = ConstantValue(c);
      if (!linear || !scale || linear.getResidual() || linear.getActivation() != "none" ||
          linear.getWeightLayout() != "kn" || op.getType() != linear.getType())
        continue;
      auto w = ConstantValue(linear.getWeight());
      auto old_bias = ConstantValue(linear.getBias());
      const int64_t n = TensorTypeOf(linear.getResult()).getShape().back();
      auto st = TensorTypeOf(c);
      if (!w || (linear.getBias() && !old_bias) || !st.getElementType().isF32() ||
          scale.getNumElements() != n || st.getRank() < 1 || st.getShape().back() != n)
        continue;
      std::vector<float> s(scale.getValues<float>().begin(), scale.getValues<float>().end());
      std::vector<float> weights(w.getValues<float>().begin(), w.getValues<float>().end());
      for (size_t i = 0; i < weights.size(); ++i) weights[i] *= s[i % n];
      auto wt = TensorTypeOf(linear.getWeight());
      mlir::Value new_w =
          F32Constant(rewriter, linear.getWeight().getLoc(), wt.getShape(), weights);
      mlir::Value new_b;
      if (old_bias) {
        std::vector<float> b(old_bias.getValues<float>().begin(),
                             old_bias.getValues<float>().end());
        for (int64_t j = 0; j < n; ++j) b[j] *= s[j];
        new_b = F32Constant(rewriter, linear.getBias().getLoc(), {n}, b);
      }
      auto fused = rewriter.replaceOpWithNewOp<ir::LinearOp>(op, op.getType(), linear.getInput(),
                                                             new_w, new_b, mlir::Value(), "none");
      fused->setLoc(KeepLinearName(rewriter, linear, op));
      rewriter.eraseOp(linear);
      return success();
    }
    return rewriter.notifyMatchFailure(op, "not linear * constant per-column scale");
  }
};

// add(linear(..), r) with r a full-shape runtime tensor (the skip connection) -> the residual.
struct AbsorbResidual : mlir::OpRewritePattern<ir::AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ir::AddOp op, PatternRewriter& rewriter) const override {
    for (int side = 0; side < 2; ++side) {
      mlir::Value l = side ? op.getRhs() : op.getLhs();
      mlir::Value r = side ? op.getLhs() : op.getRhs();
      auto linear = SingleUseDef<ir::LinearOp>(l);
      if (!linear || linear.getResidual() || r.getType() != op.getType() ||
          linear.getType() != op.getType() || ConstantValue(r))
        continue;
      auto fused = rewriter.replaceOpWithNewOp<ir::LinearOp>(
          op, op.getType(), linear.getInput(), linear.getWeight(), linear.getBias(), r,
          linear.getActivation(), linear.getWeightLayout());
      fused->setLoc(KeepLinearName(rewriter, linear, op));
      rewriter.eraseOp(linear);
      return success();
    }
    return rewriter.notifyMatchFailure(op, "not linear + a tensor of its type");
  }
};

// relu / gelu of a linear without an epilogue -> the epilogue.
template <typename OpTy>
struct AbsorbActivation : mlir::OpRewritePattern<OpTy> {
  using mlir::OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter& rewriter) const override {
    auto linear = SingleUseDef<ir::LinearOp>(op.getInput());
    if (!linear || linear.getActivation() != "none" || linear.getResidual())
      return rewriter.notifyMatchFailure(op, "the input is not a linear without epilogue");
    llvm::StringRef act = "relu";
    if constexpr (std::is_same_v<OpTy, ir::GeluOp>)
      act = op.getApproximate() == "tanh" ? "gelu_tanh" : "gelu";
    if constexpr (std::is_same_v<OpTy, ir::ClipOp>) {
      if (op.getLo().convertToFloat() != 0.0f || op.getHi().convertToFloat() != 6.0f)
        return rewriter.notifyMatchFailure(op, "a clip other than ReLU6 (0, 6)");
      act = "relu6";
    }
    auto fused = rewriter.replaceOpWithNewOp<ir::LinearOp>(op, op.getType(), linear.getInput(),
                                                           linear.getWeight(), linear.getBias(),
                                                           mlir::Value(), act);
    fused->setLoc(KeepLinearName(rewriter, linear, op));
    rewriter.eraseOp(linear);
    return success();
  }
};

// relu / clip(0, 6) of a depthwise convolution -> its activation.
template <typename OpTy>
struct AbsorbDepthwiseActivation : mlir::OpRewritePattern<OpTy> {
  using mlir::OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter& rewriter) const override {
    auto conv = SingleUseDef<ir::DepthwiseConvOp>(op.getInput());
    if (!conv || conv.getActivation() != "none")
      return rewriter.notifyMatchFailure(op, "the input is not a depthwise conv without one");
    llvm::StringRef act = "relu";
    if constexpr (std::is_same_v<OpTy, ir::ClipOp>) {
      if (op.getLo().convertToFloat() != 0.0f || op.getHi().convertToFloat() != 6.0f)
        return rewriter.notifyMatchFailure(op, "a clip other than ReLU6 (0, 6)");
      act = "relu6";
    }
    rewriter.modifyOpInPlace(conv, [&] { conv.setActivation(act); });
    rewriter.replaceOp(op, conv.getResult());
    return success();
  }
};

struct FuseLinear : impl::AxleFuseLinearBase<FuseLinear> {
  void runOnOperation() override {
    if (mlir::failed(ApplyPatterns<MatMulToLinear, GemmToLinear, AbsorbBias, AbsorbColumnScale,
                                   AbsorbResidual, AbsorbActivation<ir::ReluOp>,
                                   AbsorbActivation<ir::GeluOp>, AbsorbActivation<ir::ClipOp>,
                                   AbsorbDepthwiseActivation<ir::ReluOp>,
                                   AbsorbDepthwiseActivation<ir::ClipOp>>(getOperation())))
      signalPassFailure();
  }
};

}  // namespace
}  // namespace axle::passes
