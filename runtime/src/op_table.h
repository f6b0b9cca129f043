// Kernel contracts: for every OpCode, its arity, parameter table, the load-time validator that
// checks dtypes and shapes, and the implementation that runs it. The validator is what makes
// the kernels safe on untrusted files: a kernel only runs on operands its contract accepts.
#ifndef AXLE_RUNTIME_SRC_OP_TABLE_H_
#define AXLE_RUNTIME_SRC_OP_TABLE_H_

#include <cstdint>

#include "kernels/ref/ref_kernels.h"
#include "runtime/src/model.h"

namespace axle {

// Operands of one step: views of inputs, then outputs; a null pointer is an absent optional.
struct OpArgs {
  const TensorView* const* in;
  uint32_t num_in;
  const TensorView* const* out;
  uint32_t num_out;
  const StepParams& params;
  const Parallel* par = nullptr;  // the context's threads, for kernels that split work
  // Where the runner reports which implementation ran (a static string: the CPU kernel
  // variant, e.g. "neon+dotprod", or "reference: <why not the variant>"); null: not asked.
  const char** impl = nullptr;
};

struct OpInfo {
  const char* name;
  uint8_t min_inputs, max_inputs;  // max 255 = unbounded (Concat)
  uint8_t min_outputs, max_outputs;
  uint8_t params_type;   // schema::Params value the op takes; 0 = none
  bool params_required;  // false: defaults apply when the table is absent
  uint8_t variant;       // ref::BinaryOp / UnaryOp / ReduceOp for families
  // Checks dtypes, shapes and params; formats its message without the step prefix.
  Status (*validate)(const OpInfo& op, const OpArgs& args);
  ref::KernelResult (*run)(const OpInfo& op, const OpArgs& args);
};

// The contract for an opcode, or null if this runtime does not know it.
const OpInfo* FindOp(uint16_t opcode);

}  // namespace axle

#endif  // AXLE_RUNTIME_SRC_OP_TABLE_H_
