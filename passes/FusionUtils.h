// Small matchers shared by the fusion patterns: constants, scalars, use counts, f32 checks.
#ifndef AXLE_PASSES_FUSIONUTILS_H_
#define AXLE_PASSES_FUSIONUTILS_H_

#include <optional>

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

// Runs the given rewrite patterns to a fixed point over `op` (a fusion pass's whole body).
template <typename... Patterns>
mlir::LogicalResult ApplyPatterns(mlir::Operation* op) {
  mlir::RewritePatternSet patterns(op->getContext());
  patterns.add<Patterns...>(op->getContext());
  return mlir::applyPatternsAndFoldGreedily(op, std::move(patterns));
}

}  // namespace axle::passes

#endif  // AXLE_PASSES_FUSIONUTILS_H_
