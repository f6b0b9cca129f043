// The ONNX importer, graph level: opset check and conversion, graph inputs (static shapes),
// initializers, then every node through the op registry (compiler/importer/OpRegistry.h), whose
// handlers (compiler/importer/ops/, one file per op family) make `axle` ops with static result
// types. Operands ONNX passes as tensors but Axle needs at compile time (shapes, axes, slice
// bounds) must fold to constants, which the builders' folding makes of shape subgraphs.
#include "compiler/importer/OnnxImporter.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "compiler/importer/NodeImporter.h"
#include "compiler/importer/OpRegistry.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "onnx/checker.h"
#include "onnx/defs/parser.h"
#include "onnx/shape_inference/implementation.h"
#include "onnx/version_converter/convert.h"

namespace axle::importer {
namespace {

using llvm::SmallVector;
using mlir::Type;
using mlir::Value;

class Importer {
 public:
  Importer(mlir::MLIRContext* context, const ImportOptions& options)
      : context_(context), options_(options), nodes_(context, options, OpRegistry::Default()) {}

  mlir::OwningOpRef<mlir::ModuleOp> Import(const onnx::ModelProto& model);

 private:
  mlir::RankedTensorType TensorType(llvm::ArrayRef<int64_t> shape, Type element) {
    return mlir::RankedTensorType::get(shape, element);
  }

  mlir::MLIRContext* context_;
  const ImportOptions& options_;
  NodeImporter nodes_;
  mlir::Location loc_ = mlir::UnknownLoc::get(context_);
};

int64_t DefaultOpset(const onnx::ModelProto& model) {
  int64_t opset = 0;
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
  return opset;
}

// The converter builds its own IR from the graph and dereferences every value a node or the
// graph's outputs name: a value nobody defines crashes it, so that is refused first.
bool ValuesDefined(const onnx::GraphProto& graph, std::string* error) {
  std::unordered_set<std::string> defined;
  for (const auto& v : graph.input()) defined.insert(v.name());
  for (const auto& t : graph.initializer()) defined.insert(t.name());
  for (const auto& node : graph.node()) {
    for (const auto& in : node.input())
      if (!in.empty() && !defined.count(in)) {
        *error = "node '" + node.name() + "' (" + node.op_type() + ") reads '" + in +
                 "', which no graph input, initializer or earlier node defines";
        return false;
      }
    for (const auto& out : node.output()) defined.insert(out);
  }
  for (const auto& v : graph.output())
    if (!defined.count(v.name())) {
      *error = "graph output '" + v.name() + "' is never produced";
      return false;
    }
  return true;
}

// ONNX's C++ version converter; it throws on an op it has no adapter for (the compiler is built
// with exceptions; the runtime is not).
bool ConvertOpset(const onnx::ModelProto& model, int target, onnx::ModelProto* out,
                  std::string* error) {
  if (!ValuesDefined(model.graph(), error)) return false;
  try {
    // The converter assumes a well-formed model (a malformed one can crash it): check first.
    // The adapters read value shapes (broadcasts, Softmax's axis): infer them next.
    onnx::checker::check_model(model);
    onnx::ModelProto inferred = model;
    onnx::shape_inference::InferShapes(inferred);
    *out = onnx::version_conversion::ConvertVersion(inferred, target);
    return true;
  } catch (const std::exception& e) {
    *error = e.what();
    return false;
  }
}

mlir::OwningOpRef<mlir::ModuleOp> Importer::Import(const onnx::ModelProto& model) {
  int64_t opset = DefaultOpset(model);
  // Owned until returned: every failure path below frees it.
  mlir::OwningOpRef<mlir::ModuleOp> owned = mlir::ModuleOp::create(mlir::UnknownLoc::get(context_));
  mlir::ModuleOp module = *owned;
  if (opset < kMinOpset || opset > kMaxOpset) {
    mlir::emitError(module.getLoc())
        << "the model imports opset " << opset << " of the default domain; Axle accepts "
        << kMinOpset << " through " << kMaxOpset;
    return nullptr;
  }
  // Old models (opset < 7: the TorchScript exporter's first years, Debian's pytorch test data)
  // are upgraded with ONNX's own version converter rather than imported by a second set of
  // handlers.
  onnx::ModelProto converted;
  const onnx::ModelProto* source = &model;
  if (opset < kConvertBelowOpset) {
    std::string error;
    if (!ConvertOpset(model, kConvertToOpset, &converted, &error)) {
      mlir::emitError(module.getLoc())
          << "the model imports opset " << opset << "; converting it to opset " << kConvertToOpset
          << " with ONNX's version converter failed: " << error;
      return nullptr;
    }
    source = &converted;
    opset = kConvertToOpset;
  }
  nodes_.set_opset(opset);
  const onnx::GraphProto& graph = source->graph();
  std::unordered_map<std::string, const onnx::TensorProto*> initializers;
  for (const auto& t : graph.initializer()) initializers[t.name()] = &t;

  // Graph inputs (those that are not initializers), with static shapes.
  SmallVector<Type> arg_types;
  SmallVector<std::string> arg_names;
  std::vector<onnx::TensorProto> frozen;
  for (const auto& in : graph.input()) {
    if (initializers.count(in.name())) continue;
    loc_ = mlir::NameLoc::get(nodes_.builder().getStringAttr(in.name()));
    if (auto f = options_.frozen_inputs.find(in.name()); f != options_.frozen_inputs.end()) {
      onnx_io::HostTensor host;
      std::string error;
      if (!onnx_io::ReadTensorFile(f->second, &host, &error)) {
        mlir::emitError(loc_) << "--freeze-input " << in.name() << ": " << error;
        return nullptr;
      }
      onnx::TensorProto t;
      host.name = in.name();
      onnx_io::ToProto(host, &t);
      frozen.push_back(t);
      continue;
    }
    if (!in.type().has_tensor_type()) {
      mlir::emitError(loc_) << "graph input '" << in.name() << "' is not a tensor";
      return nullptr;
    }
    const auto& tt = in.type().tensor_type();
    DType dtype;
    if (!onnx_io::DTypeFromOnnx(tt.elem_type(), &dtype)) {
      mlir::emitError(loc_) << "graph input '" << in.name() << "' has element type "
                            << onnx_io::OnnxTypeName(tt.elem_type()) << ", not supported";
      return nullptr;
    }
    SmallVector<int64_t> shape;
    auto pinned = options_.input_shapes.find(in.name());
    if (pinned != options_.input_shapes.end()) {
      shape.assign(pinned->second.begin(), pinned->second.end());
      if (tt.has_shape() && tt.shape().dim_size() != static_cast<int>(shape.size())) {
        mlir::emitError(loc_) << "--input-shape for '" << in.name() << "' has rank " << shape.size()
                              << " but the input has rank " << tt.shape().dim_size();
        return nullptr;
      }
    } else {
      for (const auto& d : tt.shape().dim()) {
        if (!d.has_dim_value()) {
          mlir::emitError(loc_) << "graph input '" << in.name() << "' has a dynamic dimension '"
                                << d.dim_param() << "': pin it with --input-shape " << in.name()
                                << "=AxBxC";
          return nullptr;
        }
        shape.push_back(d.dim_value());
      }
    }
    arg_types.push_back(TensorType(shape, ir::ElementTypeOf(context_, dtype)));
    arg_names.push_back(in.name());
  }

  nodes_.builder().setInsertionPointToEnd(module.getBody());
  auto func = nodes_.builder().create<mlir::func::FuncOp>(
      mlir::NameLoc::get(
          nodes_.builder().getStringAttr(graph.name().empty() ? "main" : graph.name())),
      "main", nodes_.builder().getFunctionType(arg_types, {}));
  mlir::Block* body = func.addEntryBlock();
  nodes_.builder().setInsertionPointToStart(body);
  for (size_t i = 0; i < arg_names.size(); ++i) {
    nodes_.Bind(arg_names[i], body->getArgument(i));
    func.setArgAttr(i, "axle.name", nodes_.builder().getStringAttr(arg_names[i]));
  }
  for (const auto& t : graph.initializer())
    if (mlir::failed(nodes_.ImportInitializer(t))) return nullptr;
  for (const auto& t : frozen)
    if (mlir::failed(nodes_.ImportInitializer(t))) return nullptr;
  for (const auto& node : graph.node())
    if (mlir::failed(nodes_.ImportNode(node))) return nullptr;

  SmallVector<Value> results;
  for (const auto& o : graph.output()) {
    Value v = nodes_.Lookup(o.name());
    if (!v) {
      mlir::emitError(func.getLoc()) << "graph output '" << o.name() << "' is never produced";
      return nullptr;
    }
    results.push_back(v);
  }
  nodes_.builder().create<mlir::func::ReturnOp>(func.getLoc(), results);
  func.setType(nodes_.builder().getFunctionType(arg_types, mlir::ValueRange(results).getTypes()));
  for (auto [i, o] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "axle.name", nodes_.builder().getStringAttr(o.name()));
  if (mlir::failed(mlir::verify(module))) return nullptr;
  return owned;
}

}  // namespace

mlir::OwningOpRef<mlir::ModuleOp> ImportModel(const onnx::ModelProto& model,
                                              mlir::MLIRContext* context,
                                              const ImportOptions& options) {
  context->loadDialect<ir::AxleDialect, mlir::func::FuncDialect>();
  Importer importer(context, options);
  return importer.Import(model);
}

bool ReadModel(const std::string& path, bool text, onnx::ModelProto* model, std::string* bytes,
               std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::stringstream content;
  content << in.rdbuf();
  *bytes = content.str();
  if (text) {
    const auto status = onnx::OnnxParser::Parse(*model, bytes->c_str());
    if (!status.IsOK()) {
      *error = path + ": " + status.ErrorMessage();
      return false;
    }
    return true;
  }
  if (!model->ParseFromString(*bytes)) {
    *error = "'" + path + "' is not a valid ONNX model (protobuf parsing failed)";
    return false;
  }
  return true;
}

}  // namespace axle::importer
