// Shared by the op-family files of the importer.
#ifndef AXLE_COMPILER_IMPORTER_OPS_COMMON_H_
#define AXLE_COMPILER_IMPORTER_OPS_COMMON_H_

#include "compiler/importer/NodeImporter.h"
#include "compiler/importer/OpRegistry.h"

// `lhs = *expr`, or return failure from the handler (the diagnostic is already emitted).
#define AXLE_CONCAT_INNER(a, b) a##b
#define AXLE_CONCAT(a, b) AXLE_CONCAT_INNER(a, b)
#define AXLE_ASSIGN_OR_FAIL_IMPL(tmp, lhs, expr)                                                   \
  auto tmp = (expr);                                                                               \
  if (mlir::failed(tmp)) return mlir::failure();                                                   \
  lhs = std::move(*tmp)
#define AXLE_ASSIGN_OR_FAIL(lhs, expr)                                                             \
  AXLE_ASSIGN_OR_FAIL_IMPL(AXLE_CONCAT(axle_or_, __LINE__), lhs, expr)

namespace axle::importer {

using llvm::SmallVector;
using mlir::LogicalResult;
using mlir::RankedTensorType;
using mlir::Type;
using mlir::Value;
namespace ir = ::axle::ir;

inline bool IsFloat(Value v) { return llvm::isa<mlir::FloatType>(TypeOf(v).getElementType()); }

}  // namespace axle::importer

#endif  // AXLE_COMPILER_IMPORTER_OPS_COMMON_H_
