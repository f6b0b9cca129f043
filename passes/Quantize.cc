// axle-quantize: calibrated axle.linear ops -> quantize_linear + linear_int8.
#include <vector>

#include "kernels/common/quant.h"
#include "passes/FusionUtils.h"
#include "passes/Passes.h"

namespace axle::passes {

// clang-format off
#define GEN_PASS_DEF_AXLEQUANTIZE
#include "passes/Passes.h.inc"
// clang-format on

namespace {

struct QuantizeLinear : mlir::OpRewritePattern<ir::LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  mlir::LogicalResult matchAndRewrite(ir::LinearOp op,
                                      mlir::PatternRewriter& rewriter) const override {
    auto range = op->getAttrOfType<mlir::ArrayAttr>("axle.input_range");
    if (!range) return rewriter.notifyMatchFailure(op, "no calibrated input range");
    if (auto p = op->getAttrOfType<mlir::StringAttr>("axle.precision"); p && p.getValue() == "f32")
      return rewriter.notifyMatchFailure(op, "kept in f32");
    auto w = ConstantValue(op.getWeight());
    if (op.getWeightLayout() != "kn" || !w || !w.getElementType().isF32() ||
        !IsF32Tensor(op.getInput()))
      return rewriter.notifyMatchFailure(op, "not an f32 linear with a constant [K, N] weight");
    auto bounds = range.getValue();
    auto lo = bounds.size() == 2 ? llvm::dyn_cast<mlir::FloatAttr>(bounds[0]) : nullptr;
    auto hi = bounds.size() == 2 ? llvm::dyn_cast<mlir::FloatAttr>(bounds[1]) : nullptr;
    if (!lo || !hi || !(lo.getValueAsDouble() <= hi.getValueAsDouble()) ||
        !std::isfinite(lo.getValueAsDouble()) || !std::isfinite(hi.getValueAsDouble()))
      return op.emitOpError("axle.input_range must be [lo, hi] with finite lo <= hi"),
             mlir::failure();

    auto wtype = TensorTypeOf(op.getWeight());
    const size_t k = wtype.getDimSize(0), n = wtype.getDimSize(1);
    std::vector<float> dense(w.getValues<float>().begin(), w.getValues<float>().end());
    // SmoothQuant: weight row i times s_i, the input divided by s (a mul before quantizing).
    auto smooth = op->getAttrOfType<mlir::DenseElementsAttr>("axle.smooth");
    std::vector<float> inv_smooth;
    if (smooth) {
      if (smooth.getNumElements() != static_cast<int64_t>(k) || !smooth.getElementType().isF32())
        return op.emitOpError("axle.smooth must hold one f32 per input channel"), mlir::failure();
      size_t i = 0;
      for (float sc : smooth.getValues<float>()) {
        for (size_t j = 0; j < n; ++j) dense[i * n + j] *= sc;
        inv_smooth.push_back(1.0f / sc);
        ++i;
      }
    }
    std::vector<int8_t> q(k * n);
    std::vector<float> scales(n);
    QuantizeWeightsPerColumn(dense.data(), k, n, q.data(), scales.data(), nullptr);
    const QuantParams a = AsymmetricU8(static_cast<float>(lo.getValueAsDouble()),
                                       static_cast<float>(hi.getValueAsDouble()));

    mlir::MLIRContext* ctx = rewriter.getContext();
    const mlir::Location loc = op.getLoc();
    auto u8 = mlir::IntegerType::get(ctx, 8, mlir::IntegerType::Unsigned);
    auto constant = [&](mlir::RankedTensorType type, mlir::DenseElementsAttr value) {
      return rewriter.create<ir::ConstantOp>(loc, type, value).getResult();
    };
    auto scalar_f32 = mlir::RankedTensorType::get({}, rewriter.getF32Type());
    auto scalar_u8 = mlir::RankedTensorType::get({}, u8);
    mlir::Value scale = constant(scalar_f32, mlir::DenseElementsAttr::get(scalar_f32, a.scale));
    mlir::Value zp =
        constant(scalar_u8, mlir::DenseElementsAttr::get(
                                scalar_u8, llvm::APInt(8, static_cast<uint64_t>(a.zero_point))));
    auto xtype = TensorTypeOf(op.getInput());
    auto qtype = mlir::RankedTensorType::get(xtype.getShape(), u8);
    mlir::Value x = op.getInput();
    if (smooth)
      x = rewriter.create<ir::MulOp>(
          loc, xtype, x, F32Constant(rewriter, loc, {static_cast<int64_t>(k)}, inv_smooth));
    mlir::Value xq = rewriter.create<ir::QuantizeLinearOp>(loc, qtype, x, scale, zp);

    auto vec_f32 = mlir::RankedTensorType::get({static_cast<int64_t>(n)}, rewriter.getF32Type());
    // Bias correction: the weight rounding shifts each output's mean by
    // sum_k mean(x_k) (dequantized w - w)[k][n]; subtracting it from the bias removes that
    // systematic error (Nagel et al., 2019, "Data-Free Quantization", section 4.2).
    mlir::Value bias = op.getBias();
    if (auto mean = op->getAttrOfType<mlir::DenseElementsAttr>("axle.input_mean");
        mean && mean.getNumElements() == static_cast<int64_t>(k)) {
      std::vector<float> b(n, 0.0f);
      if (bias) {
        auto bv = ConstantValue(bias);
        if (!bv) return rewriter.notifyMatchFailure(op, "bias is not a constant");
        b.assign(bv.getValues<float>().begin(), bv.getValues<float>().end());
      }
      std::vector<float> mu(mean.getValues<float>().begin(), mean.getValues<float>().end());
      for (size_t j = 0; j < n; ++j) {
        double shift = 0;
        for (size_t i = 0; i < k; ++i)
          shift += mu[i] * (static_cast<double>(q[i * n + j]) * scales[j] - dense[i * n + j]);
        b[j] = static_cast<float>(b[j] - shift);
      }
      bias = constant(vec_f32, mlir::DenseElementsAttr::get(vec_f32, llvm::ArrayRef(b)));
    }
    ReplaceWithLinearInt8(rewriter, op, xq, a.scale, a.zero_point, q, scales, bias)
        ->setAttr("axle.input_range", range);
    return mlir::success();
  }
};

struct Quantize : impl::AxleQuantizeBase<Quantize> {
  void runOnOperation() override {
    if (mlir::failed(ApplyPatterns<QuantizeLinear>(getOperation()))) signalPassFailure();
  }
};

}  // namespace
}  // namespace axle::passes
