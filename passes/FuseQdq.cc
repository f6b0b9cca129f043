// axle-fuse-qdq: the Q/DQ-marked linears of an imported QDQ model -> linear_int8.
#include <cmath>
#include <vector>

#include "kernels/common/quant.h"
#include "passes/FusionUtils.h"
#include "passes/Passes.h"

namespace axle::passes {

// clang-format off
#define GEN_PASS_DEF_AXLEFUSEQDQ
#include "passes/Passes.h.inc"
// clang-format on

namespace {

// The single integer value of a constant scalar (or one-element) integer tensor.
std::optional<int64_t> IntScalar(mlir::Value v) {
  auto d = ConstantValue(v);
  if (!d || d.getNumElements() != 1 || !llvm::isa<mlir::IntegerType>(d.getElementType()))
    return std::nullopt;
  const llvm::APInt x = *d.getValues<llvm::APInt>().begin();
  return d.getElementType().isUnsignedInteger() ? static_cast<int64_t>(x.getZExtValue())
                                                : x.getSExtValue();
}

// Column j of w [k, n] as exact integers of a scale max|w| / m (m = 127 or 128, the quantizers'
// symmetric int8 scales); false when neither reproduces every value.
bool RecoverColumn(const std::vector<float>& w, size_t k, size_t n, size_t j, int8_t* q,
                   float* scale) {
  float amax = 0.0f;
  for (size_t i = 0; i < k; ++i) amax = std::max(amax, std::fabs(w[i * n + j]));
  if (amax == 0.0f) {
    *scale = 1.0f;
    for (size_t i = 0; i < k; ++i) q[i * n + j] = 0;
    return true;
  }
  for (float m : {127.0f, 128.0f}) {
    const float s = amax / m;
    bool exact = true;
    for (size_t i = 0; i < k && exact; ++i) {
      const float r = w[i * n + j] / s;
      const float ri = std::nearbyint(r);
      exact = std::fabs(r - ri) <= 1e-3f && ri >= -128.0f && ri <= 127.0f;
    }
    if (!exact) continue;
    *scale = s;
    for (size_t i = 0; i < k; ++i)
      q[i * n + j] = static_cast<int8_t>(std::nearbyint(w[i * n + j] / s));
    return true;
  }
  return false;
}

struct QdqLinear : mlir::OpRewritePattern<ir::LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  mlir::LogicalResult matchAndRewrite(ir::LinearOp op,
                                      mlir::PatternRewriter& rewriter) const override {
    if (auto p = op->getAttrOfType<mlir::StringAttr>("axle.precision"); p && p.getValue() == "f32")
      return rewriter.notifyMatchFailure(op, "kept in f32");
    auto dq = op.getInput().getDefiningOp<ir::DequantizeLinearOp>();
    auto w = ConstantValue(op.getWeight());
    if (!dq || op.getWeightLayout() != "kn" || !w || !w.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "not dequantize_linear -> linear(constant weight)");
    mlir::Value q = dq.getInput();
    if (!TensorTypeOf(q).getElementType().isUnsignedInteger(8))
      return rewriter.notifyMatchFailure(op, "the quantized input is not u8");
    const std::optional<double> scale = ScalarConstant(dq.getScale());
    const std::optional<int64_t> zp = dq.getZeroPoint() ? IntScalar(dq.getZeroPoint()) : 0;
    if (!scale || !(*scale > 0) || !zp || *zp < 0 || *zp > 255)
      return rewriter.notifyMatchFailure(op, "no constant per-tensor scale and zero point");

    auto wtype = TensorTypeOf(op.getWeight());
    const size_t k = wtype.getDimSize(0), n = wtype.getDimSize(1);
    std::vector<float> dense(w.getValues<float>().begin(), w.getValues<float>().end());
    std::vector<int8_t> wq(k * n);
    std::vector<float> scales(n);
    bool exact = true;
    for (size_t j = 0; j < n && exact; ++j)
      exact = RecoverColumn(dense, k, n, j, wq.data(), &scales[j]);
    if (!exact) QuantizeWeightsPerColumn(dense.data(), k, n, wq.data(), scales.data(), nullptr);
    ReplaceWithLinearInt8(rewriter, op, q, static_cast<float>(*scale), *zp, wq, scales,
                          op.getBias());
    return mlir::success();
  }
};

struct FuseQdq : impl::AxleFuseQdqBase<FuseQdq> {
  void runOnOperation() override {
    if (mlir::failed(ApplyPatterns<QdqLinear>(getOperation()))) signalPassFailure();
  }
};

}  // namespace
}  // namespace axle::passes
