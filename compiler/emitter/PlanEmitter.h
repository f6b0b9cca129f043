// Translates func @main of a planned `axle` module into an .axm file: one step per op in
// program order (the kernel chosen by axle-select-kernels), constants into the aligned constant
// segment, every other tensor at the arena offset axle-plan-memory gave it.
#ifndef AXLE_COMPILER_EMITTER_PLANEMITTER_H_
#define AXLE_COMPILER_EMITTER_PLANEMITTER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mlir/IR/BuiltinOps.h"

namespace axle::emitter {

struct EmitOptions {
  std::string target = "host";
  std::string cpu_arch, cpu_features;  // the target CPU and what the plan's kernels need
  bool cpu_features_optional = false;
  std::string source_model_hash;
  std::string compile_options;
};

struct EmitStats {
  uint64_t arena_bytes = 0;
  uint64_t arena_lower_bound = 0;
  uint64_t constant_bytes = 0;
  uint64_t parameters = 0;  // elements of constants used by steps
  size_t steps = 0;
  std::map<std::string, int> ops;  // step count per op name
};

// Emits diagnostics at the failing op on error (also when a pass of the pipeline did not run).
// The name a step gets from its op's location: the (first) ONNX node name, or "".
std::string NameOf(mlir::Location loc);

mlir::LogicalResult EmitPlan(mlir::ModuleOp module, const EmitOptions& options,
                             std::vector<uint8_t>* file, EmitStats* stats);

}  // namespace axle::emitter

#endif  // AXLE_COMPILER_EMITTER_PLANEMITTER_H_
