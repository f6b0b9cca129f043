// The ONNX importer's op table: one registration per (domain, op, opset range) with its handler.
// Each op family registers its ops in its own file under compiler/importer/ops/ (model:
// torch-mlir's TorchOnnxToTorch `patterns.onOp("Add", 7, ...)`).
#ifndef AXLE_COMPILER_IMPORTER_OPREGISTRY_H_
#define AXLE_COMPILER_IMPORTER_OPREGISTRY_H_

#include <map>
#include <string>
#include <vector>

#include "mlir/Support/LogicalResult.h"

namespace axle::importer {

class NodeImporter;

// Default-domain opsets the importer accepts; older models are converted on import with ONNX's
// version converter (OnnxImporter.cc).
constexpr int kMinOpset = 1;
constexpr int kMaxOpset = 21;
// Models below this opset are upgraded to it before import.
constexpr int kConvertBelowOpset = 7;
constexpr int kConvertToOpset = 13;

using OpHandler = mlir::LogicalResult (*)(NodeImporter&);

struct OpRegistration {
  int since = 1;          // first opset this handler imports
  int until = kMaxOpset;  // last opset this handler imports
  OpHandler handler = nullptr;
};

class OpRegistry {
 public:
  // Registers `handler` for op `name` of the default domain from opset `since` through `until`.
  void On(const std::string& name, int since, OpHandler handler, int until = kMaxOpset) {
    ops_[name].push_back({since, until, handler});
  }
  // The handler for `name` at `opset`, or null; *known says whether the op has any handler.
  const OpRegistration* Find(const std::string& name, int64_t opset, bool* known) const;
  // "7-12, 13-21" for messages.
  std::string Opsets(const std::string& name) const;

  // The registry with every op family of compiler/importer/ops/.
  static const OpRegistry& Default();

 private:
  std::map<std::string, std::vector<OpRegistration>> ops_;
};

// One per family file (compiler/importer/ops/<Family>.cc).
void RegisterElementwiseOps(OpRegistry& r);
void RegisterActivationOps(OpRegistry& r);
void RegisterReductionOps(OpRegistry& r);
void RegisterShapeOps(OpRegistry& r);
void RegisterIndexingOps(OpRegistry& r);
void RegisterNormalizationOps(OpRegistry& r);
void RegisterConvPoolOps(OpRegistry& r);
void RegisterResizeOps(OpRegistry& r);
void RegisterSignalOps(OpRegistry& r);
void RegisterLinearAlgebraOps(OpRegistry& r);
void RegisterQuantizationOps(OpRegistry& r);
void RegisterRecurrentOps(OpRegistry& r);
void RegisterLossOps(OpRegistry& r);
void RegisterControlFlowOps(OpRegistry& r);

}  // namespace axle::importer

#endif  // AXLE_COMPILER_IMPORTER_OPREGISTRY_H_
