// Small matchers shared by the fusion patterns: constants, scalars, use counts, f32 checks.
#ifndef AXLE_PASSES_FUSIONUTILS_H_
#define AXLE_PASSES_FUSIONUTILS_H_

#include <optional>
#include <vector>

#include "compiler/dialect/AxleDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace axle::passes {

// The dense value of an axle.constant, or null.
inline mlir::DenseElementsAttr ConstantValue(mlir::Value v) {
  auto c = v ? v.getDefiningOp<ir::ConstantOp>() : nullptr;
  return c ? llvm::dyn_cast<mlir::DenseElementsAttr>(c.getValue()) : nullptr;
}

// The value of a float constant whose elements are all equal (a scalar or a splat).
inline std::optional<double> ScalarConstant(mlir::Value v) {
  auto d = ConstantValue(v);
  if (!d || !llvm::isa<mlir::FloatType>(d.getElementType()) || d.getNumElements() == 0)
    return std::nullopt;
  auto values = d.getValues<llvm::APFloat>();
  const double first = (*values.begin()).convertToDouble();
  for (const llvm::APFloat& x : values)
    if (x.convertToDouble() != first) return std::nullopt;
  return first;
}

inline bool IsF32Tensor(mlir::Value v) {
  auto t = llvm::dyn_cast<mlir::RankedTensorType>(v.getType());
  return t && t.getElementType().isF32();
}

inline mlir::RankedTensorType TensorTypeOf(mlir::Value v) {
  return llvm::cast<mlir::RankedTensorType>(v.getType());
}

// Whether a == b within a relative tolerance (constants printed by exporters are rounded).
inline bool Near(double a, double b, double rel = 1e-4) {
  return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b));
}

// The defining op of v as OpTy when v has exactly one use (so the op can be absorbed).
template <typename OpTy>
OpTy SingleUseDef(mlir::Value v) {
  return v && v.hasOneUse() ? v.getDefiningOp<OpTy>() : OpTy();
}

// A dense f32 constant of `type` built from `values`.
inline mlir::Value F32Constant(mlir::PatternRewriter& rewriter, mlir::Location loc,
                               llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<float> values) {
  auto type = mlir::RankedTensorType::get(shape, rewriter.getF32Type());
  auto attr = mlir::DenseElementsAttr::get(type, values);
  return rewriter.create<ir::ConstantOp>(loc, type, attr).getResult();
}

// Replaces the f32 linear `op` by axle.linear_int8 reading the u8 tensor `q` (per-tensor
// input_scale / input_zero_point) with int8 weights wq [K, N] ("kn") and their per-column
// scales; the column sums are derived here. Bias (given), residual and activation carry over.
inline ir::LinearInt8Op ReplaceWithLinearInt8(mlir::PatternRewriter& rewriter, ir::LinearOp op,
                                              mlir::Value q, float input_scale,
                                              int64_t input_zero_point, llvm::ArrayRef<int8_t> wq,
                                              llvm::ArrayRef<float> scales, mlir::Value bias) {
  const int64_t n = static_cast<int64_t>(scales.size());
  const int64_t k = n ? static_cast<int64_t>(wq.size()) / n : 0;
  std::vector<int32_t> sums(n, 0);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < n; ++j) sums[j] += wq[i * n + j];
  const mlir::Location loc = op.getLoc();
  auto wq_type = mlir::RankedTensorType::get({k, n}, rewriter.getIntegerType(8));
  auto sums_type = mlir::RankedTensorType::get({n}, rewriter.getIntegerType(32));
  mlir::Value w =
      rewriter.create<ir::ConstantOp>(loc, wq_type, mlir::DenseElementsAttr::get(wq_type, wq));
  mlir::Value ws = F32Constant(rewriter, loc, {n}, scales);
  mlir::Value cs = rewriter.create<ir::ConstantOp>(
      loc, sums_type, mlir::DenseElementsAttr::get(sums_type, llvm::ArrayRef(sums)));
  return rewriter.replaceOpWithNewOp<ir::LinearInt8Op>(
      op, op.getType(), q, w, ws, cs, bias, op.getResidual(), op.getActivationAttr(),
      rewriter.getStringAttr("kn"), rewriter.getF32FloatAttr(input_scale),
      rewriter.getI64IntegerAttr(input_zero_point));
}

// Runs the given rewrite patterns to a fixed point over `op` (a fusion pass's whole body).
template <typename... Patterns>
mlir::LogicalResult ApplyPatterns(mlir::Operation* op) {
  mlir::RewritePatternSet patterns(op->getContext());
  patterns.add<Patterns...>(op->getContext());
  return mlir::applyPatternsAndFoldGreedily(op, std::move(patterns));
}

}  // namespace axle::passes

#endif  // AXLE_PASSES_FUSIONUTILS_H_
