// The `axle` MLIR dialect: op classes generated from AxleOps.td, and the shape rules that both
// the verifiers and the ONNX importer use to compute result types.
#ifndef AXLE_COMPILER_DIALECT_AXLEDIALECT_H_
#define AXLE_COMPILER_DIALECT_AXLEDIALECT_H_

#include <optional>
#include <string>

#include "kernels/common/tensor.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::OpTrait {
// The op's kernel reads element i of an operand before writing element i of the result (or
// copies bytes with aliasing handled), so the result may take the buffer of an operand of the
// same byte size that dies at this step.
template <typename ConcreteType>
class AxleInPlace : public TraitBase<ConcreteType, AxleInPlace> {};
}  // namespace mlir::OpTrait

// Generated declarations: they need the MLIR headers above, so their place is fixed.
// clang-format off
#include "compiler/dialect/AxleOpsDialect.h.inc"
#define GET_OP_CLASSES
#include "compiler/dialect/AxleOps.h.inc"
// clang-format on

namespace axle::ir {

// Element types: ONNX signed integers are signless iN, unsigned are uiN, bool is i1.
std::optional<DType> DTypeOf(mlir::Type element_type);
mlir::Type ElementTypeOf(mlir::MLIRContext* context, DType dtype);

// numpy broadcasting of two shapes; nullopt when they do not broadcast.
std::optional<llvm::SmallVector<int64_t>> BroadcastShapes(llvm::ArrayRef<int64_t> a,
                                                          llvm::ArrayRef<int64_t> b);
// numpy.matmul result shape; nullopt (with *why) when the operands do not multiply.
std::optional<llvm::SmallVector<int64_t>> MatMulShape(llvm::ArrayRef<int64_t> a,
                                                      llvm::ArrayRef<int64_t> b, std::string* why);
// Shape after reducing `axes` (each in [0, rank)).
llvm::SmallVector<int64_t> ReducedShape(llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> axes,
                                        bool keepdims);

// Evaluates `op` on constant operands by running it as a one-step plan on the Axle runtime:
// the fold semantics are the runtime's, bit for bit. Returns null when an operand is not a
// dense constant, the result is larger than `max_bytes`, or the runtime rejects the step.
mlir::Attribute EvaluateOnRuntime(mlir::Operation* op, llvm::ArrayRef<mlir::Attribute> operands,
                                  uint64_t max_bytes = uint64_t{16} << 20);

// Dense bytes of a constant in the runtime's layout (bool as one byte per element, splats
// expanded). False for attributes that are not dense element attributes.
bool ConstantBytes(mlir::Attribute attr, std::vector<uint8_t>* bytes);

// Bytes of a statically shaped tensor type (0 for unknown element types).
uint64_t TensorBytes(mlir::RankedTensorType type);

// On axle.linear (set by axle-fuse-im2col): the 2-D convolution window its [N, H, W, C] input is
// read through (kh, kw, strides, pads top left bottom right, dilations): LinearParams.conv_window.
inline constexpr const char* kConvWindowAttr = "axle.conv_window";

// transpose(transpose) composes and moving only 1-dims is a reshape; reshape(reshape) is one
// (AxleOps.cc). Canonicalize.cc adds them to the ops' canonicalization patterns.
void AddTransposeFolds(mlir::RewritePatternSet& patterns, mlir::MLIRContext* context);
void AddReshapeFolds(mlir::RewritePatternSet& patterns, mlir::MLIRContext* context);

}  // namespace axle::ir

#endif  // AXLE_COMPILER_DIALECT_AXLEDIALECT_H_
