// ONNX ModelProto -> `axle` dialect, in a func.func @main whose arguments and results are the
// graph's inputs and outputs (in graph order).
#ifndef AXLE_COMPILER_IMPORTER_ONNXIMPORTER_H_
#define AXLE_COMPILER_IMPORTER_ONNXIMPORTER_H_

#include <map>
#include <string>
#include <vector>

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace onnx {
class ModelProto;
}

namespace axle::importer {

struct ImportOptions {
  // Pins dimensions of graph inputs (required for symbolic dimensions): name -> shape.
  std::map<std::string, std::vector<int64_t>> input_shapes;
  // Graph inputs bound to constant values (TensorProto files): they leave the plan's inputs,
  // and shape subgraphs that read them fold away.
  std::map<std::string, std::string> frozen_inputs;
  // Folder of the model file: external tensor data is read relative to it.
  std::string model_dir;
};

// Emits diagnostics (located at the ONNX node's name) and returns null on failure. Default-domain
// opsets 1 through 21 are accepted: below 7 the model is first upgraded with ONNX's version
// converter; each op's handler covers the opsets its registration names (OpRegistry.h).
mlir::OwningOpRef<mlir::ModuleOp> ImportModel(const onnx::ModelProto& model,
                                              mlir::MLIRContext* context,
                                              const ImportOptions& options);

// Reads an ONNX file (binary protobuf, or ONNX's textual syntax when `text` is true); *bytes
// receives the file as read (for the source-model hash).
bool ReadModel(const std::string& path, bool text, onnx::ModelProto* model, std::string* bytes,
               std::string* error);

}  // namespace axle::importer

#endif  // AXLE_COMPILER_IMPORTER_ONNXIMPORTER_H_
