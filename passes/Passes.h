// Axle's MLIR passes (declared in Passes.td): constructors, options and registration.
#ifndef AXLE_PASSES_PASSES_H_
#define AXLE_PASSES_PASSES_H_

#include <memory>
#include <string>

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"

namespace axle::passes {

// clang-format off
#define GEN_PASS_DECL
#include "passes/Passes.h.inc"
#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"
// clang-format on

// The targets axle-select-kernels knows, for --help and error messages.
const char* KnownTargets();

}  // namespace axle::passes

#endif  // AXLE_PASSES_PASSES_H_
