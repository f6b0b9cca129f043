// What an op handler of the ONNX importer sees: the node being imported (inputs, attributes,
// opset), its diagnostics (located at the node's name) and builders that make `axle` ops with
// static result types computed by the ONNX rules. Handlers live in compiler/importer/ops/, one
// file per op family, and are found through the OpRegistry.
#ifndef AXLE_COMPILER_IMPORTER_NODEIMPORTER_H_
#define AXLE_COMPILER_IMPORTER_NODEIMPORTER_H_

#include <string>
#include <type_traits>
#include <unordered_map>

#include "compiler/dialect/AxleDialect.h"
#include "compiler/importer/OnnxImporter.h"
#include "compiler/onnx/tensor_proto.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "onnx/onnx_pb.h"

namespace axle::importer {

class OpRegistry;

inline mlir::RankedTensorType TypeOf(mlir::Value v) {
  return llvm::cast<mlir::RankedTensorType>(v.getType());
}

class NodeImporter {
 public:
  NodeImporter(mlir::MLIRContext* context, const ImportOptions& options, const OpRegistry& registry)
      : context_(context), options_(options), registry_(registry), builder_(context) {}

  // --- Graph plumbing (used by the graph importer and by control-flow handlers) ---
  mlir::OpBuilder& builder() { return builder_; }
  mlir::MLIRContext* context() const { return context_; }
  void set_opset(int64_t opset) { opset_ = opset; }
  // Binds an ONNX value name (graph input, initializer, node output).
  void Bind(const std::string& name, mlir::Value v) { values_[name] = v; }
  mlir::Value Lookup(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? mlir::Value() : it->second;
  }
  // Imports one node through the registry; emits a located diagnostic on failure.
  mlir::LogicalResult ImportNode(const onnx::NodeProto& node);
  // Imports the nodes of a subgraph (an If branch) into the current insertion point; its
  // outputs are returned in order. The outer node stays the current node afterwards.
  mlir::FailureOr<llvm::SmallVector<mlir::Value>> ImportSubgraph(const onnx::GraphProto& graph);
  mlir::LogicalResult ImportInitializer(const onnx::TensorProto& t);

  // --- The node being imported ---
  const onnx::NodeProto& node() const { return *node_; }
  const std::string& op_type() const { return node_->op_type(); }
  int64_t opset() const { return opset_; }
  mlir::Location loc() const { return loc_; }
  // A failure located at the current node, prefixed with its identity.
  mlir::InFlightDiagnostic NodeError() {
    return mlir::emitError(loc_) << "node '" << node_name_ << "' (" << node_->op_type()
                                 << ", opset " << opset_ << "): ";
  }
  int num_inputs() const { return node_->input_size(); }
  int num_outputs() const { return node_->output_size(); }
  bool HasInput(int i) const { return i < node_->input_size() && !node_->input(i).empty(); }
  bool HasOutput(int i) const { return i < node_->output_size() && !node_->output(i).empty(); }
  mlir::FailureOr<mlir::Value> Input(int i, bool optional = false);
  void SetOutput(int i, mlir::Value v);
  // Sets output 0 (the common single-result case).
  mlir::LogicalResult Out(mlir::FailureOr<mlir::Value> v) {
    if (mlir::failed(v)) return mlir::failure();
    SetOutput(0, *v);
    return mlir::success();
  }

  // Constant operand values (after folding), or failure with a diagnostic.
  mlir::FailureOr<llvm::SmallVector<int64_t>> ConstInts(int i, const char* what);
  mlir::FailureOr<double> ConstScalar(int i, const char* what);
  mlir::FailureOr<llvm::SmallVector<double>> ConstFloats(int i, const char* what);
  // Optional constant inputs: *out keeps its default when input i is absent.
  mlir::LogicalResult OptionalConstInts(int i, const char* what, llvm::SmallVector<int64_t>* out);
  mlir::LogicalResult OptionalConstScalar(int i, const char* what, double* out);
  // "; it depends on graph input 'x' ...": the inputs a non-constant `v` is computed from.
  std::string DependsOn(mlir::Value v);
  // The values of `v` when it is a constant (integers or floats as doubles).
  static bool ConstantValues(mlir::Value v, llvm::SmallVector<double>* out);

  const onnx::AttributeProto* Attr(const char* name) const {
    for (const auto& a : node_->attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  int64_t AttrInt(const char* name, int64_t fallback) const {
    const auto* a = Attr(name);
    return a ? a->i() : fallback;
  }
  float AttrFloat(const char* name, float fallback) const {
    const auto* a = Attr(name);
    return a ? a->f() : fallback;
  }
  std::string AttrString(const char* name, const std::string& fallback) const {
    const auto* a = Attr(name);
    return a ? a->s() : fallback;
  }
  llvm::SmallVector<int64_t> AttrInts(const char* name) const {
    llvm::SmallVector<int64_t> v;
    if (const auto* a = Attr(name)) v.assign(a->ints().begin(), a->ints().end());
    return v;
  }
  llvm::SmallVector<float> AttrFloats(const char* name) const {
    llvm::SmallVector<float> v;
    if (const auto* a = Attr(name)) v.assign(a->floats().begin(), a->floats().end());
    return v;
  }
  // `axis` normalized to [0, rank), or failure with a diagnostic.
  mlir::FailureOr<int64_t> Axis(int64_t axis, int64_t rank);

  // --- Builders ---
  mlir::RankedTensorType TensorType(llvm::ArrayRef<int64_t> shape, mlir::Type element) {
    return mlir::RankedTensorType::get(shape, element);
  }
  mlir::Type F32() { return builder_.getF32Type(); }
  mlir::Type I64() { return builder_.getI64Type(); }
  mlir::Type I1() { return builder_.getI1Type(); }
  // Creates, verifies and folds (later nodes may need the value as a constant: a shape, axes).
  template <typename OpTy, typename... Args>
  mlir::FailureOr<mlir::Value> Make(mlir::Type type, Args&&... args) {
    OpTy op = builder_.create<OpTy>(loc_, type, std::forward<Args>(args)...);
    if (mlir::failed(mlir::verify(op))) return mlir::failure();
    llvm::SmallVector<mlir::Value, 1> folded;
    if (mlir::succeeded(builder_.tryFold(op, folded)) && !folded.empty()) {
      op->erase();
      return folded.front();
    }
    return op.getResult();
  }
  // Constants the importer computes (masks, index tables, folded ranges) are bounded: a
  // hostile or mistaken model must not make the compiler allocate without limit.
  static constexpr int64_t kMaxComputedElements = int64_t{1} << 26;
  mlir::LogicalResult CheckComputedSize(int64_t elements, const char* what) {
    if (elements >= 0 && elements <= kMaxComputedElements) return mlir::success();
    return NodeError() << what << " would have " << elements << " elements (at most "
                       << kMaxComputedElements << " are computed at compile time)";
  }
  // A constant of `shape` filled from `values` (converted to `element`).
  mlir::Value Const(llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<double> values,
                    mlir::Type element);
  mlir::Value Scalar(double value, mlir::Type element) { return Const({}, {value}, element); }
  mlir::Value ConstantOf(const onnx_io::HostTensor& host);
  mlir::FailureOr<mlir::Value> Constant(const onnx::TensorProto& t);

  // Elementwise binary op with numpy broadcasting (comparisons give i1).
  template <typename OpTy>
  mlir::FailureOr<mlir::Value> Binary(mlir::Value a, mlir::Value b) {
    constexpr bool kCompare =
        std::is_same_v<OpTy, ir::EqualOp> || std::is_same_v<OpTy, ir::LessOp> ||
        std::is_same_v<OpTy, ir::GreaterOp> || std::is_same_v<OpTy, ir::LessEqualOp> ||
        std::is_same_v<OpTy, ir::GreaterEqualOp>;
    auto shape = ir::BroadcastShapes(TypeOf(a).getShape(), TypeOf(b).getShape());
    if (!shape) {
      NodeError() << "operand shapes " << TypeOf(a) << " and " << TypeOf(b) << " do not broadcast";
      return mlir::failure();
    }
    return Make<OpTy>(TensorType(*shape, kCompare ? I1() : TypeOf(a).getElementType()), a, b);
  }
  template <typename OpTy>
  mlir::FailureOr<mlir::Value> Unary(mlir::Value x) {
    return Make<OpTy>(TypeOf(x), x);
  }
  template <typename OpTy>
  mlir::FailureOr<mlir::Value> Reduce(mlir::Value x, llvm::ArrayRef<int64_t> axes, bool keep) {
    auto t = TypeOf(x);
    return Make<OpTy>(TensorType(ir::ReducedShape(t.getShape(), axes, keep), t.getElementType()), x,
                      builder_.getDenseI64ArrayAttr(axes), builder_.getBoolAttr(keep));
  }
  mlir::FailureOr<mlir::Value> Reshape(mlir::Value x, llvm::ArrayRef<int64_t> shape);
  mlir::FailureOr<mlir::Value> Transpose(mlir::Value x, llvm::ArrayRef<int64_t> perm);
  mlir::FailureOr<mlir::Value> Expand(mlir::Value x, llvm::ArrayRef<int64_t> shape);
  mlir::FailureOr<mlir::Value> Cast(mlir::Value x, mlir::Type element);
  mlir::FailureOr<mlir::Value> Where(mlir::Value c, mlir::Value x, mlir::Value y);
  mlir::FailureOr<mlir::Value> MatMul(mlir::Value a, mlir::Value b);
  mlir::FailureOr<mlir::Value> Concat(llvm::ArrayRef<mlir::Value> inputs, int64_t axis);
  mlir::FailureOr<mlir::Value> Gather(mlir::Value data, mlir::Value indices, int64_t axis);
  // ONNX Slice semantics (negative indices, clamping, negative steps).
  mlir::FailureOr<mlir::Value> Slice(mlir::Value x, llvm::ArrayRef<int64_t> starts,
                                     llvm::ArrayRef<int64_t> ends, llvm::ArrayRef<int64_t> axes,
                                     llvm::ArrayRef<int64_t> steps);
  // Softmax over one axis, numerically stable log-softmax (x - max - log sum exp).
  mlir::FailureOr<mlir::Value> LogSoftmax(mlir::Value x, int64_t axis);

 private:
  void SetNode(const onnx::NodeProto& node);

  mlir::MLIRContext* context_;
  const ImportOptions& options_;
  const OpRegistry& registry_;
  mlir::OpBuilder builder_;
  std::unordered_map<std::string, mlir::Value> values_;
  const onnx::NodeProto* node_ = nullptr;
  std::string node_name_;  // the node's name, or "OpType:first_output" for unnamed nodes
  mlir::Location loc_ = mlir::UnknownLoc::get(context_);
  int64_t opset_ = 0;
};

}  // namespace axle::importer

#endif  // AXLE_COMPILER_IMPORTER_NODEIMPORTER_H_
