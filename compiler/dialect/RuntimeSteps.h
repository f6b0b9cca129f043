// The bridge from `axle` ops to the runtime's kernel contracts: which OpCode runs an op and
// with which parameter table. Used by the plan emitter and by constant folding, so that both
// run exactly what the runtime runs.
#ifndef AXLE_COMPILER_DIALECT_RUNTIMESTEPS_H_
#define AXLE_COMPILER_DIALECT_RUNTIMESTEPS_H_

#include <optional>
#include <string>
#include <vector>

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"
#include "runtime/writer/model_writer.h"

namespace axle::ir {

struct StepLowering {
  uint16_t opcode = 0;  // schema OpCode
  ParamsSpec params;
};

// The op's operands and results in the runtime's positional order; a null Value marks an
// absent optional operand (e.g. layer_norm's mean output when only inv_std_dev is used).
struct StepOperands {
  llvm::SmallVector<mlir::Value> inputs, outputs;
};
StepOperands OperandsOf(mlir::Operation* op);

// Schema codes of the fused ops' string attributes; nullopt for unknown names.
std::optional<uint8_t> ActivationCode(llvm::StringRef name);  // none relu gelu gelu_tanh
std::optional<uint8_t> MaskModeCode(llvm::StringRef name);    // none additive keep_true keep_false
// OpCode of an elementwise op name usable in a fused program ("add", "relu", ...).
std::optional<uint16_t> ElementwiseOpCode(llvm::StringRef name);
// axle.fused_elementwise's program strings -> the schema's (instruction, argument) bytes.
mlir::LogicalResult EncodeElementwiseProgram(mlir::ArrayAttr program, std::vector<uint8_t>* code,
                                             std::string* why);

// Fails (with *why) for ops the runtime has no kernel for (fused ops before their kernels land).
mlir::LogicalResult LowerToStep(mlir::Operation* op, StepLowering* out, std::string* why);

}  // namespace axle::ir

#endif  // AXLE_COMPILER_DIALECT_RUNTIMESTEPS_H_
