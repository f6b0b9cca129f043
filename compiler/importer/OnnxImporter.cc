// The ONNX importer. Each node becomes `axle` ops with static result types computed here by the
// ONNX rules of its opset; operands ONNX passes as tensors but Axle needs at compile time
// (shapes, axes, slice bounds, clip bounds) must fold to constants, which createOrFold makes of
// shape subgraphs (Shape -> Gather -> Concat -> Reshape) as they are imported.
#include "compiler/importer/OnnxImporter.h"

#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_map>

#include "compiler/dialect/AxleDialect.h"
#include "compiler/onnx/tensor_proto.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"
#include "onnx/defs/parser.h"
#include "onnx/onnx_pb.h"

namespace axle::importer {
namespace {

using llvm::SmallVector;
using mlir::Location;
using mlir::LogicalResult;
using mlir::RankedTensorType;
using mlir::Type;
using mlir::Value;
namespace ir = ::axle::ir;

constexpr int kMinOpset = 7;
constexpr int kMaxOpset = 21;

class Importer {
 public:
  Importer(mlir::MLIRContext* context, const ImportOptions& options)
      : context_(context), options_(options), builder_(context) {}

  mlir::OwningOpRef<mlir::ModuleOp> Import(const onnx::ModelProto& model);

 private:
  // A failure located at the current node, prefixed with its identity.
  mlir::InFlightDiagnostic NodeError() {
    return mlir::emitError(loc_) << "node '" << node_name_ << "' (" << node_->op_type()
                                 << ", opset " << opset_ << "): ";
  }
  LogicalResult ImportNode(const onnx::NodeProto& node);
  LogicalResult ImportInitializer(const onnx::TensorProto& t);
  RankedTensorType TensorType(llvm::ArrayRef<int64_t> shape, Type element) {
    return RankedTensorType::get(shape, element);
  }
  mlir::FailureOr<Value> Input(int i, bool optional = false);
  bool HasInput(int i) const { return i < node_->input_size() && !node_->input(i).empty(); }
  void SetOutput(int i, Value v);
  // Constant operand values (after folding), or failure with a diagnostic.
  mlir::FailureOr<SmallVector<int64_t>> ConstInts(int i, const char* what);
  mlir::FailureOr<double> ConstScalar(int i, const char* what);
  // Optional constant inputs: *out keeps its default when input i is absent.
  LogicalResult OptionalConstInts(int i, const char* what, SmallVector<int64_t>* out);
  LogicalResult OptionalConstScalar(int i, const char* what, double* out);
  template <typename OpTy, typename... Args>
  mlir::FailureOr<Value> Make(RankedTensorType type, Args&&... args);

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
  SmallVector<int64_t> AttrInts(const char* name) const {
    SmallVector<int64_t> v;
    if (const auto* a = Attr(name)) v.assign(a->ints().begin(), a->ints().end());
    return v;
  }
  mlir::FailureOr<int64_t> Axis(int64_t axis, int64_t rank) {
    if (axis < -rank || axis >= rank) {
      NodeError() << "axis " << axis << " is outside [" << -rank << ", " << rank << ")";
      return mlir::failure();
    }
    return axis < 0 ? axis + rank : axis;
  }
  mlir::FailureOr<Value> Elementwise(llvm::StringRef op, Value a, Value b);
  mlir::FailureOr<Value> Unary(llvm::StringRef op, Value x);
  mlir::FailureOr<Value> Reduce(llvm::StringRef op, bool axes_from_input);
  mlir::FailureOr<Value> Slice(Value x, llvm::ArrayRef<int64_t> starts,
                               llvm::ArrayRef<int64_t> ends, llvm::ArrayRef<int64_t> axes,
                               llvm::ArrayRef<int64_t> steps);
  mlir::FailureOr<Value> Constant(const onnx::TensorProto& t);
  Value ConstantOf(const onnx_io::HostTensor& host);
  mlir::FailureOr<Value> Reshape(Value x, llvm::ArrayRef<int64_t> shape);
  LogicalResult ImportConv();

  mlir::MLIRContext* context_;
  const ImportOptions& options_;
  mlir::OpBuilder builder_;
  std::unordered_map<std::string, Value> values_;
  const onnx::NodeProto* node_ = nullptr;
  std::string node_name_;  // the node's name, or "OpType:first_output" for unnamed nodes
  Location loc_ = mlir::UnknownLoc::get(context_);
  int64_t opset_ = 0;
};

RankedTensorType TypeOf(Value v) { return llvm::cast<RankedTensorType>(v.getType()); }

mlir::FailureOr<Value> Importer::Input(int i, bool optional) {
  if (!HasInput(i)) {
    if (optional) return Value();
    NodeError() << "input " << i << " is missing";
    return mlir::failure();
  }
  auto it = values_.find(node_->input(i));
  if (it == values_.end()) {
    NodeError() << "input " << i << " '" << node_->input(i)
                << "' is not produced by any earlier node, initializer or graph input";
    return mlir::failure();
  }
  return it->second;
}

void Importer::SetOutput(int i, Value v) {
  if (i < node_->output_size() && !node_->output(i).empty()) values_[node_->output(i)] = v;
}

template <typename OpTy, typename... Args>
mlir::FailureOr<Value> Importer::Make(RankedTensorType type, Args&&... args) {
  OpTy op = builder_.create<OpTy>(loc_, type, std::forward<Args>(args)...);
  if (mlir::failed(mlir::verify(op))) return mlir::failure();
  // Fold now (constants materialized by the dialect): later nodes may need this value as a
  // constant (a shape, an axis list).
  SmallVector<Value, 1> folded;
  if (mlir::succeeded(builder_.tryFold(op, folded)) && !folded.empty()) {
    op->erase();
    return folded.front();
  }
  return op.getResult();
}

mlir::FailureOr<SmallVector<int64_t>> Importer::ConstInts(int i, const char* what) {
  auto v = Input(i);
  if (mlir::failed(v)) return mlir::failure();
  mlir::DenseIntElementsAttr attr;
  if (!mlir::matchPattern(*v, mlir::m_Constant(&attr))) {
    NodeError() << what << " (input " << i << " '" << node_->input(i)
                << "') must be a compile-time constant; Axle compiles static shapes (pin "
                   "dynamic dimensions with --input-shape)";
    return mlir::failure();
  }
  SmallVector<int64_t> out;
  for (const llvm::APInt& x : attr.getValues<llvm::APInt>()) out.push_back(x.getSExtValue());
  return out;
}

mlir::FailureOr<double> Importer::ConstScalar(int i, const char* what) {
  auto v = Input(i);
  if (mlir::failed(v)) return mlir::failure();
  mlir::DenseElementsAttr attr;
  if (!mlir::matchPattern(*v, mlir::m_Constant(&attr)) || attr.getNumElements() != 1) {
    NodeError() << what << " (input " << i << " '" << node_->input(i)
                << "') must be a compile-time constant scalar";
    return mlir::failure();
  }
  if (auto f = llvm::dyn_cast<mlir::DenseFPElementsAttr>(attr))
    return (*f.getValues<llvm::APFloat>().begin()).convertToDouble();
  auto n = llvm::cast<mlir::DenseIntElementsAttr>(attr);
  return static_cast<double>((*n.getValues<llvm::APInt>().begin()).getSExtValue());
}

// An axle.constant holding a decoded tensor (MLIR bit-packs i1, hence the bool copy).
Value Importer::ConstantOf(const onnx_io::HostTensor& host) {
  auto type = TensorType(host.shape, ir::ElementTypeOf(context_, host.dtype));
  mlir::DenseElementsAttr attr;
  if (host.dtype == DType::kBool) {
    SmallVector<bool> bits(host.bytes.begin(), host.bytes.end());
    attr = mlir::DenseElementsAttr::get(type, llvm::ArrayRef<bool>(bits));
  } else {
    attr = mlir::DenseElementsAttr::getFromRawBuffer(
        type,
        llvm::ArrayRef<char>(reinterpret_cast<const char*>(host.bytes.data()), host.bytes.size()));
  }
  return builder_.create<ir::ConstantOp>(loc_, type, attr).getResult();
}

LogicalResult Importer::OptionalConstInts(int i, const char* what, SmallVector<int64_t>* out) {
  if (!HasInput(i)) return mlir::success();
  auto v = ConstInts(i, what);
  if (mlir::failed(v)) return mlir::failure();
  *out = std::move(*v);
  return mlir::success();
}

LogicalResult Importer::OptionalConstScalar(int i, const char* what, double* out) {
  if (!HasInput(i)) return mlir::success();
  auto v = ConstScalar(i, what);
  if (mlir::failed(v)) return mlir::failure();
  *out = *v;
  return mlir::success();
}

mlir::FailureOr<Value> Importer::Constant(const onnx::TensorProto& t) {
  onnx_io::HostTensor host;
  std::string error;
  if (!onnx_io::FromProto(t, &host, &error, options_.model_dir)) {
    NodeError() << error;
    return mlir::failure();
  }
  return ConstantOf(host);
}

LogicalResult Importer::ImportInitializer(const onnx::TensorProto& t) {
  loc_ = mlir::NameLoc::get(builder_.getStringAttr(t.name()));
  onnx_io::HostTensor host;
  std::string error;
  if (!onnx_io::FromProto(t, &host, &error, options_.model_dir))
    return mlir::emitError(loc_) << "initializer '" << t.name() << "': " << error;
  values_[t.name()] = ConstantOf(host);
  return mlir::success();
}

// Conv with 1x1 kernels, stride 1, no padding, group 1 (a per-position linear projection, as
// planners use on BEV maps): weight [M, C] @ x [N, C, S] (+ bias [M, 1]), S = the positions.
LogicalResult Importer::ImportConv() {
  auto x = Input(0), w = Input(1), b = Input(2, /*optional=*/true);
  if (mlir::failed(x) || mlir::failed(w) || mlir::failed(b)) return mlir::failure();
  RankedTensorType xt = TypeOf(*x), wt = TypeOf(*w);
  if (xt.getRank() < 3 || wt.getRank() != xt.getRank())
    return NodeError() << "input " << xt << " and weight " << wt
                       << " must have the same rank, at least 3";
  auto all_equal = [](llvm::ArrayRef<int64_t> v, int64_t x) {
    return llvm::all_of(v, [x](int64_t e) { return e == x; });
  };
  const bool pointwise = all_equal(wt.getShape().drop_front(2), 1) &&
                         all_equal(AttrInts("strides"), 1) && all_equal(AttrInts("dilations"), 1) &&
                         all_equal(AttrInts("pads"), 0) && AttrInt("group", 1) == 1;
  if (!pointwise)
    return NodeError() << "only 1x1 convolutions with stride 1, no padding and group 1 are "
                          "supported (got weight "
                       << wt << ")";
  const int64_t n = xt.getDimSize(0), c = xt.getDimSize(1), m = wt.getDimSize(0);
  if (wt.getDimSize(1) != c)
    return NodeError() << "weight " << wt << " does not match " << c << " input channels";
  int64_t positions = 1;
  for (int64_t d : xt.getShape().drop_front(2)) positions *= d;
  auto xr = Reshape(*x, {n, c, positions});
  auto wm = Reshape(*w, {m, c});
  if (mlir::failed(xr) || mlir::failed(wm)) return mlir::failure();
  auto y = Make<ir::MatMulOp>(TensorType({n, m, positions}, xt.getElementType()), *wm, *xr);
  if (mlir::failed(y)) return mlir::failure();
  if (*b) {
    auto br = Reshape(*b, {m, 1});
    if (mlir::failed(br) || mlir::failed(y = Elementwise("add", *y, *br))) return mlir::failure();
  }
  SmallVector<int64_t> shape = {n, m};
  shape.append(xt.getShape().begin() + 2, xt.getShape().end());
  auto out = Reshape(*y, shape);
  if (mlir::failed(out)) return mlir::failure();
  SetOutput(0, *out);
  return mlir::success();
}

mlir::FailureOr<Value> Importer::Elementwise(llvm::StringRef op, Value a, Value b) {
  RankedTensorType ta = TypeOf(a), tb = TypeOf(b);
  auto shape = ir::BroadcastShapes(ta.getShape(), tb.getShape());
  if (!shape) {
    NodeError() << "operand shapes " << ta << " and " << tb << " do not broadcast";
    return mlir::failure();
  }
  const bool compare = op == "equal" || op == "less" || op == "greater" || op == "less_equal" ||
                       op == "greater_equal";
  auto type = TensorType(*shape, compare ? builder_.getI1Type() : ta.getElementType());
  if (op == "add") return Make<ir::AddOp>(type, a, b);
  if (op == "sub") return Make<ir::SubOp>(type, a, b);
  if (op == "mul") return Make<ir::MulOp>(type, a, b);
  if (op == "div") return Make<ir::DivOp>(type, a, b);
  if (op == "pow") return Make<ir::PowOp>(type, a, b);
  if (op == "min") return Make<ir::MinOp>(type, a, b);
  if (op == "max") return Make<ir::MaxOp>(type, a, b);
  if (op == "equal") return Make<ir::EqualOp>(type, a, b);
  if (op == "less") return Make<ir::LessOp>(type, a, b);
  if (op == "greater") return Make<ir::GreaterOp>(type, a, b);
  if (op == "less_equal") return Make<ir::LessEqualOp>(type, a, b);
  if (op == "greater_equal") return Make<ir::GreaterEqualOp>(type, a, b);
  if (op == "and") return Make<ir::AndOp>(type, a, b);
  if (op == "or") return Make<ir::OrOp>(type, a, b);
  if (op == "mod") return Make<ir::ModOp>(type, a, b);
  if (op == "fmod") return Make<ir::FmodOp>(type, a, b);
  return Make<ir::XorOp>(type, a, b);
}

mlir::FailureOr<Value> Importer::Unary(llvm::StringRef op, Value x) {
  RankedTensorType t = TypeOf(x);
  if (op == "Relu") return Make<ir::ReluOp>(t, x);
  if (op == "Sigmoid") return Make<ir::SigmoidOp>(t, x);
  if (op == "Tanh") return Make<ir::TanhOp>(t, x);
  if (op == "Erf") return Make<ir::ErfOp>(t, x);
  if (op == "Exp") return Make<ir::ExpOp>(t, x);
  if (op == "Log") return Make<ir::LogOp>(t, x);
  if (op == "Sqrt") return Make<ir::SqrtOp>(t, x);
  if (op == "Neg") return Make<ir::NegOp>(t, x);
  if (op == "Abs") return Make<ir::AbsOp>(t, x);
  if (op == "Reciprocal") return Make<ir::ReciprocalOp>(t, x);
  if (op == "Floor") return Make<ir::FloorOp>(t, x);
  if (op == "Ceil") return Make<ir::CeilOp>(t, x);
  if (op == "Not") return Make<ir::NotOp>(t, x);
  if (op == "Sin") return Make<ir::SinOp>(t, x);
  if (op == "Cos") return Make<ir::CosOp>(t, x);
  return Make<ir::SignOp>(t, x);
}

mlir::FailureOr<Value> Importer::Reshape(Value x, llvm::ArrayRef<int64_t> shape) {
  return Make<ir::ReshapeOp>(TensorType(shape, TypeOf(x).getElementType()), x);
}

mlir::FailureOr<Value> Importer::Reduce(llvm::StringRef op, bool axes_from_input) {
  auto x = Input(0);
  if (mlir::failed(x)) return mlir::failure();
  RankedTensorType t = TypeOf(*x);
  SmallVector<int64_t> axes;
  if (axes_from_input) {
    if (mlir::failed(OptionalConstInts(1, "axes", &axes))) return mlir::failure();
  } else {
    axes = AttrInts("axes");
  }
  if (axes.empty()) {
    if (AttrInt("noop_with_empty_axes", 0)) return *x;
    for (int64_t d = 0; d < t.getRank(); ++d) axes.push_back(d);
  }
  for (int64_t& a : axes) {
    auto n = Axis(a, t.getRank());
    if (mlir::failed(n)) return mlir::failure();
    a = *n;
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  const bool keep = AttrInt("keepdims", 1) != 0;
  auto type = TensorType(ir::ReducedShape(t.getShape(), axes, keep), t.getElementType());
  auto axes_attr = builder_.getDenseI64ArrayAttr(axes);
  auto keep_attr = builder_.getBoolAttr(keep);
  if (op == "ReduceSum") return Make<ir::ReduceSumOp>(type, *x, axes_attr, keep_attr);
  if (op == "ReduceMean") return Make<ir::ReduceMeanOp>(type, *x, axes_attr, keep_attr);
  if (op == "ReduceMax") return Make<ir::ReduceMaxOp>(type, *x, axes_attr, keep_attr);
  if (op == "ReduceMin") return Make<ir::ReduceMinOp>(type, *x, axes_attr, keep_attr);
  return Make<ir::ReduceProdOp>(type, *x, axes_attr, keep_attr);
}

// ONNX Slice semantics (negative indices, clamping, negative steps) -> per-dimension first index,
// step and count.
mlir::FailureOr<Value> Importer::Slice(Value x, llvm::ArrayRef<int64_t> starts,
                                       llvm::ArrayRef<int64_t> ends, llvm::ArrayRef<int64_t> axes,
                                       llvm::ArrayRef<int64_t> steps) {
  RankedTensorType t = TypeOf(x);
  const int64_t rank = t.getRank();
  SmallVector<int64_t> first(rank, 0), step(rank, 1), shape(t.getShape());
  if (starts.size() != ends.size() || (!axes.empty() && axes.size() != starts.size()) ||
      (!steps.empty() && steps.size() != starts.size())) {
    NodeError() << "starts, ends, axes and steps differ in length";
    return mlir::failure();
  }
  for (size_t i = 0; i < starts.size(); ++i) {
    auto axis = Axis(axes.empty() ? static_cast<int64_t>(i) : axes[i], rank);
    if (mlir::failed(axis)) return mlir::failure();
    const int64_t dim = t.getDimSize(*axis);
    const int64_t s = steps.empty() ? 1 : steps[i];
    if (s == 0) {
      NodeError() << "step of axis " << *axis << " is 0";
      return mlir::failure();
    }
    int64_t b = starts[i], e = ends[i];
    if (b < 0) b = b < -dim ? 0 : b + dim;
    if (e < 0) e = e < -dim ? -1 : e + dim;
    int64_t count;
    if (s > 0) {
      b = std::clamp<int64_t>(b, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      count = e > b ? (e - b + s - 1) / s : 0;
    } else {
      b = std::clamp<int64_t>(b, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      count = b > e ? (b - e + (-s) - 1) / (-s) : 0;
    }
    first[*axis] = count > 0 ? b : 0;
    step[*axis] = s;
    shape[*axis] = count;
  }
  return Make<ir::SliceOp>(TensorType(shape, t.getElementType()), x,
                           builder_.getDenseI64ArrayAttr(first),
                           builder_.getDenseI64ArrayAttr(step));
}

LogicalResult Importer::ImportNode(const onnx::NodeProto& node) {
  node_ = &node;
  // An unnamed node is known by its first output (a node may have none: a fuzzed model can).
  node_name_ = !node.name().empty()     ? node.name()
               : node.output_size() > 0 ? node.op_type() + ":" + node.output(0)
                                        : node.op_type() + " (unnamed, no outputs)";
  loc_ = mlir::NameLoc::get(builder_.getStringAttr(node_name_));
  const std::string& op = node.op_type();
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return NodeError() << "operator domain '" << node.domain() << "' is not supported";
  auto fail = [](auto&& v) { return mlir::failed(v); };
  auto out = [&](mlir::FailureOr<Value> v) -> LogicalResult {
    if (mlir::failed(v)) return mlir::failure();
    SetOutput(0, *v);
    return mlir::success();
  };

  static const std::map<std::string, const char*> kBinary = {{"Add", "add"},
                                                             {"Sub", "sub"},
                                                             {"Mul", "mul"},
                                                             {"Div", "div"},
                                                             {"Pow", "pow"},
                                                             {"Equal", "equal"},
                                                             {"Less", "less"},
                                                             {"Greater", "greater"},
                                                             {"And", "and"},
                                                             {"Or", "or"},
                                                             {"Xor", "xor"},
                                                             {"LessOrEqual", "less_equal"},
                                                             {"GreaterOrEqual", "greater_equal"}};
  if (auto it = kBinary.find(op); it != kBinary.end()) {
    auto a = Input(0), b = Input(1);
    if (fail(a) || fail(b)) return mlir::failure();
    Value rhs = *b;
    // Pow's exponent may have another dtype than its base: bring it to the base's.
    if (op == "Pow" && TypeOf(*a).getElementType() != TypeOf(*b).getElementType()) {
      auto cast =
          Make<ir::CastOp>(TensorType(TypeOf(*b).getShape(), TypeOf(*a).getElementType()), *b);
      if (fail(cast)) return mlir::failure();
      rhs = *cast;
    }
    return out(Elementwise(it->second, *a, rhs));
  }
  if (op == "Mod") {
    auto a = Input(0), b = Input(1);
    if (fail(a) || fail(b)) return mlir::failure();
    const bool fmod = AttrInt("fmod", 0) != 0;
    if (!fmod && llvm::isa<mlir::FloatType>(TypeOf(*a).getElementType()))
      return NodeError() << "fmod must be 1 for floating-point inputs (ONNX Mod)";
    return out(Elementwise(fmod ? "fmod" : "mod", *a, *b));
  }
  if (op == "Conv") return ImportConv();
  if (op == "Min" || op == "Max" || op == "Sum" || op == "Mean") {
    auto acc = Input(0);
    if (fail(acc)) return mlir::failure();
    Value v = *acc;
    for (int i = 1; i < node.input_size(); ++i) {
      auto x = Input(i);
      if (fail(x)) return mlir::failure();
      auto r = Elementwise(op == "Min" ? "min" : op == "Max" ? "max" : "add", v, *x);
      if (fail(r)) return mlir::failure();
      v = *r;
    }
    if (op == "Mean" && node.input_size() > 1) {
      RankedTensorType t = TypeOf(v);
      auto n = builder_.create<ir::ConstantOp>(
          loc_, TensorType({}, t.getElementType()),
          mlir::DenseElementsAttr::get(
              TensorType({}, t.getElementType()),
              builder_.getFloatAttr(t.getElementType(), node.input_size())));
      return out(Elementwise("div", v, n));
    }
    return out(v);
  }
  static const char* kUnary[] = {"Relu", "Sigmoid", "Tanh", "Erf",        "Exp",   "Log",
                                 "Sqrt", "Neg",     "Abs",  "Reciprocal", "Floor", "Ceil",
                                 "Not",  "Sin",     "Cos",  "Sign"};
  for (const char* u : kUnary)
    if (op == u) {
      auto x = Input(0);
      if (fail(x)) return mlir::failure();
      return out(Unary(op, *x));
    }
  if (op == "Identity" || op == "Dropout") {
    auto x = Input(0);
    if (fail(x)) return mlir::failure();
    if (op == "Dropout" && node.output_size() > 1 && !node.output(1).empty())
      return NodeError() << "the mask output of Dropout is not supported";
    return out(*x);
  }
  if (op == "LeakyRelu") {
    auto x = Input(0);
    if (fail(x)) return mlir::failure();
    return out(
        Make<ir::LeakyReluOp>(TypeOf(*x), *x, builder_.getF32FloatAttr(AttrFloat("alpha", 0.01f))));
  }
  if (op == "Clip") {
    auto x = Input(0);
    if (fail(x)) return mlir::failure();
    double lo = AttrFloat("min", -std::numeric_limits<float>::infinity());  // before opset 11
    double hi = AttrFloat("max", std::numeric_limits<float>::infinity());
    if (fail(OptionalConstScalar(1, "min", &lo)) || fail(OptionalConstScalar(2, "max", &hi)))
      return mlir::failure();
    return out(Make<ir::ClipOp>(TypeOf(*x), *x, builder_.getF32FloatAttr(lo),
                                builder_.getF32FloatAttr(hi)));
  }
  if (op == "Cast") {
    auto x = Input(0);
    if (fail(x)) return mlir::failure();
    DType to;
    if (!onnx_io::DTypeFromOnnx(static_cast<int32_t>(AttrInt("to", 0)), &to))
      return NodeError() << "cast to " << onnx_io::OnnxTypeName(AttrInt("to", 0))
                         << " is not supported";
    return out(
        Make<ir::CastOp>(TensorType(TypeOf(*x).getShape(), ir::ElementTypeOf(context_, to)), *x));
  }
  if (op == "QuantizeLinear" || op == "DequantizeLinear") {
    // Per-tensor scale and zero point (what ONNX Runtime's quantize_static and the PT2E flow
    // write for activations); per-axis (a 1-D scale over `axis`) is rejected here.
    auto x = Input(0), scale = Input(1), zp = Input(2, /*optional=*/true);
    if (fail(x) || fail(scale) || fail(zp)) return mlir::failure();
    const int64_t channels = TypeOf(*scale).getNumElements();
    if (channels != 1 && op == "DequantizeLinear") {
      // Per-axis dequantization of a constant (the per-channel weights of ONNX Runtime's
      // quantize_static and of PT2E): folded here into the f32 weight it stands for.
      auto cx = x->getDefiningOp<ir::ConstantOp>();
      auto cs = scale->getDefiningOp<ir::ConstantOp>();
      auto cz = *zp ? zp->getDefiningOp<ir::ConstantOp>() : ir::ConstantOp();
      auto dx = cx ? llvm::dyn_cast<mlir::DenseElementsAttr>(cx.getValue()) : nullptr;
      auto ds = cs ? llvm::dyn_cast<mlir::DenseElementsAttr>(cs.getValue()) : nullptr;
      auto dz = cz ? llvm::dyn_cast<mlir::DenseElementsAttr>(cz.getValue()) : nullptr;
      RankedTensorType xt = TypeOf(*x);
      int64_t axis = AttrInt("axis", 1);
      if (axis < 0) axis += xt.getRank();
      if (!dx || !ds || (*zp && !dz) || axis < 0 || axis >= xt.getRank() ||
          xt.getDimSize(axis) != channels || !ds.getElementType().isF32() ||
          !xt.getElementType().isInteger(8))
        return NodeError() << "per-axis dequantization (" << channels
                           << " scales) is supported for constant int8 inputs only";
      int64_t inner = 1;
      for (int64_t d = axis + 1; d < xt.getRank(); ++d) inner *= xt.getDimSize(d);
      const bool is_unsigned = xt.getElementType().isUnsignedInteger();
      std::vector<float> scales(ds.getValues<float>().begin(), ds.getValues<float>().end());
      std::vector<int64_t> zps(channels, 0);
      if (dz) {
        int64_t i = 0;
        for (const llvm::APInt& v : dz.getValues<llvm::APInt>())
          zps[i++] = is_unsigned ? static_cast<int64_t>(v.getZExtValue()) : v.getSExtValue();
      }
      std::vector<float> values;
      values.reserve(xt.getNumElements());
      int64_t i = 0;
      for (const llvm::APInt& v : dx.getValues<llvm::APInt>()) {
        const int64_t c = (i++ / inner) % channels;
        const int64_t q = is_unsigned ? static_cast<int64_t>(v.getZExtValue()) : v.getSExtValue();
        values.push_back(static_cast<float>(q - zps[c]) * scales[c]);
      }
      auto ft = TensorType(xt.getShape(), builder_.getF32Type());
      return out(builder_
                     .create<ir::ConstantOp>(
                         loc_, ft, mlir::DenseElementsAttr::get(ft, llvm::ArrayRef(values)))
                     .getResult());
    }
    if (channels != 1 || (*zp && TypeOf(*zp).getNumElements() != 1))
      return NodeError() << "per-axis quantization (a scale of " << channels
                         << " values) is supported for constant weights only (DequantizeLinear)";
    if (!TypeOf(*scale).getElementType().isF32()) return NodeError() << "the scale must be float32";
    const bool quantize = op == "QuantizeLinear";
    if (quantize) {
      Value z = *zp;
      if (!z) {  // ONNX: a missing zero point means uint8 zero
        auto t = TensorType({}, mlir::IntegerType::get(context_, 8, mlir::IntegerType::Unsigned));
        z = builder_.create<ir::ConstantOp>(loc_, t,
                                            mlir::DenseElementsAttr::get(t, llvm::APInt(8, 0)));
      }
      auto et = TypeOf(z).getElementType();
      if (!et.isInteger(8)) return NodeError() << "only u8 and i8 quantization is supported";
      return out(Make<ir::QuantizeLinearOp>(TensorType(TypeOf(*x).getShape(), et), *x, *scale, z));
    }
    return out(Make<ir::DequantizeLinearOp>(
        TensorType(TypeOf(*x).getShape(), builder_.getF32Type()), *x, *scale, *zp));
  }
  if (op == "Where") {
    auto c = Input(0), x = Input(1), y = Input(2);
    if (fail(c) || fail(x) || fail(y)) return mlir::failure();
    auto xy = ir::BroadcastShapes(TypeOf(*x).getShape(), TypeOf(*y).getShape());
    auto shape = xy ? ir::BroadcastShapes(TypeOf(*c).getShape(), *xy) : std::nullopt;
    if (!shape) return NodeError() << "operand shapes do not broadcast";
    return out(Make<ir::WhereOp>(TensorType(*shape, TypeOf(*x).getElementType()), *c, *x, *y));
  }
  if (op == "MatMul") {
    auto a = Input(0), b = Input(1);
    if (fail(a) || fail(b)) return mlir::failure();
    std::string why;
    auto shape = ir::MatMulShape(TypeOf(*a).getShape(), TypeOf(*b).getShape(), &why);
    if (!shape) return NodeError() << why;
    return out(Make<ir::MatMulOp>(TensorType(*shape, TypeOf(*a).getElementType()), *a, *b));
  }
  if (op == "Gemm") {
    auto a = Input(0), b = Input(1), c = Input(2, /*optional=*/true);
    if (fail(a) || fail(b) || fail(c)) return mlir::failure();
    const bool ta = AttrInt("transA", 0), tb = AttrInt("transB", 0);
    RankedTensorType at = TypeOf(*a), bt = TypeOf(*b);
    if (at.getRank() != 2 || bt.getRank() != 2) return NodeError() << "A and B must have rank 2";
    const int64_t m = at.getDimSize(ta ? 1 : 0), n = bt.getDimSize(tb ? 0 : 1);
    return out(Make<ir::GemmOp>(TensorType({m, n}, at.getElementType()), *a, *b, *c,
                                builder_.getF32FloatAttr(AttrFloat("alpha", 1.0f)),
                                builder_.getF32FloatAttr(AttrFloat("beta", 1.0f)),
                                builder_.getBoolAttr(ta), builder_.getBoolAttr(tb)));
  }
  if (op == "Softmax") {
    auto x = Input(0);
    if (fail(x)) return mlir::failure();
    auto axis = Axis(AttrInt("axis", opset_ >= 13 ? -1 : 1), TypeOf(*x).getRank());
    if (fail(axis)) return mlir::failure();
    // Before opset 13 Softmax flattened [axis, rank) into one dimension: the same only when
    // the axis is the last one.
    if (opset_ < 13 && *axis != TypeOf(*x).getRank() - 1)
      return NodeError() << "opset " << opset_ << " Softmax over dimensions [" << *axis
                         << ", rank) is not supported (only the last axis)";
    return out(Make<ir::SoftmaxOp>(TypeOf(*x), *x, builder_.getI64IntegerAttr(*axis)));
  }
  if (op == "LayerNormalization") {
    auto x = Input(0), scale = Input(1), bias = Input(2, /*optional=*/true);
    if (fail(x) || fail(scale) || fail(bias)) return mlir::failure();
    RankedTensorType t = TypeOf(*x);
    auto axis = Axis(AttrInt("axis", -1), t.getRank());
    if (fail(axis)) return mlir::failure();
    SmallVector<int64_t> stats(t.getShape());
    for (int64_t d = *axis; d < t.getRank(); ++d) stats[d] = 1;
    auto stats_type = TensorType(stats, builder_.getF32Type());
    SmallVector<Type> types = {t};
    const bool mean = node.output_size() > 1 && !node.output(1).empty();
    const bool inv = node.output_size() > 2 && !node.output(2).empty();
    if (mean) types.push_back(stats_type);
    if (inv) types.push_back(stats_type);
    auto ln = builder_.create<ir::LayerNormOp>(
        loc_, types, *x, *scale, *bias, builder_.getI64IntegerAttr(*axis),
        builder_.getF32FloatAttr(AttrFloat("epsilon", 1e-5f)));
    ln->setAttr("resultSegmentSizes",
                builder_.getDenseI32ArrayAttr({1, mean ? 1 : 0, inv ? 1 : 0}));
    if (mlir::failed(mlir::verify(ln))) return mlir::failure();
    SetOutput(0, ln.getResult());
    if (mean) SetOutput(1, ln.getMean());
    if (inv) SetOutput(2, ln.getInvStdDev());
    return mlir::success();
  }
  if (op == "ReduceSum") return out(Reduce(op, /*axes_from_input=*/opset_ >= 13));
  if (op == "ReduceMean" || op == "ReduceMax" || op == "ReduceMin" || op == "ReduceProd")
    return out(Reduce(op, /*axes_from_input=*/opset_ >= 18));
  if (op == "Transpose") {
    auto x = Input(0);
    if (fail(x)) return mlir::failure();
    RankedTensorType t = TypeOf(*x);
    SmallVector<int64_t> perm = AttrInts("perm");
    if (perm.empty())
      for (int64_t d = t.getRank() - 1; d >= 0; --d) perm.push_back(d);
    if (static_cast<int64_t>(perm.size()) != t.getRank())
      return NodeError() << "perm has " << perm.size() << " entries for rank " << t.getRank();
    SmallVector<int64_t> shape;
    for (int64_t p : perm) {
      if (p < 0 || p >= t.getRank()) return NodeError() << "perm entry " << p << " out of range";
      shape.push_back(t.getDimSize(p));
    }
    return out(Make<ir::TransposeOp>(TensorType(shape, t.getElementType()), *x,
                                     builder_.getDenseI64ArrayAttr(perm)));
  }
  if (op == "Reshape") {
    auto x = Input(0);
    auto target = ConstInts(1, "shape");
    if (fail(x) || fail(target)) return mlir::failure();
    RankedTensorType t = TypeOf(*x);
    SmallVector<int64_t> shape = *target;
    const bool allowzero = AttrInt("allowzero", 0);
    int64_t known = 1, infer = -1;
    for (size_t i = 0; i < shape.size(); ++i) {
      if (shape[i] == 0 && !allowzero) {
        if (static_cast<int64_t>(i) >= t.getRank())
          return NodeError() << "shape entry " << i << " is 0 but the input has rank "
                             << t.getRank();
        shape[i] = t.getDimSize(i);
      }
      if (shape[i] == -1) {
        if (infer >= 0) return NodeError() << "shape has more than one -1";
        infer = i;
      } else if (shape[i] < 0) {
        return NodeError() << "shape entry " << i << " is " << shape[i];
      } else {
        known *= shape[i];
      }
    }
    if (infer >= 0) {
      if (known == 0 || t.getNumElements() % known != 0)
        return NodeError() << "cannot infer the -1 dimension of " << t << " reshaped";
      shape[infer] = t.getNumElements() / known;
    }
    return out(Reshape(*x, shape));
  }
  if (op == "Flatten") {
    auto x = Input(0);
    if (fail(x)) return mlir::failure();
    RankedTensorType t = TypeOf(*x);
    const int64_t rank = t.getRank();
    int64_t axis = AttrInt("axis", 1);
    if (axis < -rank || axis > rank) return NodeError() << "axis " << axis << " out of range";
    if (axis < 0) axis += rank;
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < rank; ++d) (d < axis ? outer : inner) *= t.getDimSize(d);
    return out(Reshape(*x, {outer, inner}));
  }
  if (op == "Unsqueeze" || op == "Squeeze") {
    auto x = Input(0);
    if (fail(x)) return mlir::failure();
    RankedTensorType t = TypeOf(*x);
    SmallVector<int64_t> axes = AttrInts("axes");  // before opset 13
    if (opset_ >= 13 && fail(OptionalConstInts(1, "axes", &axes))) return mlir::failure();
    SmallVector<int64_t> shape;
    if (op == "Unsqueeze") {
      const int64_t rank = t.getRank() + axes.size();
      SmallVector<bool> inserted(rank, false);
      for (int64_t a : axes) {
        auto n = Axis(a, rank);
        if (fail(n)) return mlir::failure();
        inserted[*n] = true;
      }
      int64_t next = 0;
      for (int64_t d = 0; d < rank; ++d) shape.push_back(inserted[d] ? 1 : t.getDimSize(next++));
    } else {
      SmallVector<bool> removed(t.getRank(), axes.empty());
      for (int64_t a : axes) {
        auto n = Axis(a, t.getRank());
        if (fail(n)) return mlir::failure();
        if (t.getDimSize(*n) != 1)
          return NodeError() << "cannot squeeze axis " << *n << " of size " << t.getDimSize(*n);
        removed[*n] = true;
      }
      for (int64_t d = 0; d < t.getRank(); ++d)
        if (!(removed[d] && t.getDimSize(d) == 1)) shape.push_back(t.getDimSize(d));
    }
    return out(Reshape(*x, shape));
  }
  if (op == "Expand") {
    auto x = Input(0);
    auto target = ConstInts(1, "shape");
    if (fail(x) || fail(target)) return mlir::failure();
    auto shape = ir::BroadcastShapes(TypeOf(*x).getShape(), *target);
    if (!shape) return NodeError() << "input does not broadcast to the requested shape";
    return out(Make<ir::ExpandOp>(TensorType(*shape, TypeOf(*x).getElementType()), *x));
  }
  if (op == "Concat") {
    SmallVector<Value> inputs;
    for (int i = 0; i < node.input_size(); ++i) {
      auto x = Input(i);
      if (fail(x)) return mlir::failure();
      inputs.push_back(*x);
    }
    if (inputs.empty()) return NodeError() << "no inputs";
    RankedTensorType t = TypeOf(inputs[0]);
    auto axis = Axis(AttrInt("axis", 0), t.getRank());
    if (fail(axis)) return mlir::failure();
    SmallVector<int64_t> shape(t.getShape());
    shape[*axis] = 0;
    for (Value v : inputs)
      shape[*axis] += TypeOf(v).getRank() > *axis ? TypeOf(v).getDimSize(*axis) : 0;
    return out(Make<ir::ConcatOp>(TensorType(shape, t.getElementType()), inputs,
                                  builder_.getI64IntegerAttr(*axis)));
  }
  if (op == "Slice" && opset_ < 10) {  // bounds were attributes
    auto x = Input(0);
    if (fail(x)) return mlir::failure();
    return out(Slice(*x, AttrInts("starts"), AttrInts("ends"), AttrInts("axes"), {}));
  }
  if (op == "Slice") {
    auto x = Input(0);
    auto starts = ConstInts(1, "starts"), ends = ConstInts(2, "ends");
    if (fail(x) || fail(starts) || fail(ends)) return mlir::failure();
    SmallVector<int64_t> axes, steps;
    if (fail(OptionalConstInts(3, "axes", &axes)) || fail(OptionalConstInts(4, "steps", &steps)))
      return mlir::failure();
    return out(Slice(*x, *starts, *ends, axes, steps));
  }
  if (op == "Split") {
    auto x = Input(0);
    if (fail(x)) return mlir::failure();
    RankedTensorType t = TypeOf(*x);
    auto axis = Axis(AttrInt("axis", 0), t.getRank());
    if (fail(axis)) return mlir::failure();
    const int64_t dim = t.getDimSize(*axis);
    SmallVector<int64_t> sizes = AttrInts("split");  // before opset 13
    if (opset_ >= 13 && fail(OptionalConstInts(1, "split", &sizes))) return mlir::failure();
    if (sizes.empty()) {
      const int64_t n = Attr("num_outputs") ? AttrInt("num_outputs", 1) : node.output_size();
      if (n <= 0) return NodeError() << "num_outputs must be positive";
      const int64_t chunk = (dim + n - 1) / n;
      for (int64_t i = 0; i < n; ++i)
        sizes.push_back(std::max<int64_t>(0, std::min(chunk, dim - i * chunk)));
    }
    if (static_cast<int>(sizes.size()) != node.output_size())
      return NodeError() << "split has " << sizes.size() << " sizes for " << node.output_size()
                         << " outputs";
    int64_t begin = 0;
    for (size_t i = 0; i < sizes.size(); ++i) {
      auto v = Slice(*x, {begin}, {begin + sizes[i]}, {*axis}, {1});
      if (fail(v)) return mlir::failure();
      SetOutput(i, *v);
      begin += sizes[i];
    }
    if (begin != dim) return NodeError() << "split sizes add up to " << begin << ", not " << dim;
    return mlir::success();
  }
  if (op == "Gather") {
    auto data = Input(0), idx = Input(1);
    if (fail(data) || fail(idx)) return mlir::failure();
    RankedTensorType t = TypeOf(*data);
    auto axis = Axis(AttrInt("axis", 0), t.getRank());
    if (fail(axis)) return mlir::failure();
    SmallVector<int64_t> shape(t.getShape().take_front(*axis));
    llvm::append_range(shape, TypeOf(*idx).getShape());
    llvm::append_range(shape, t.getShape().drop_front(*axis + 1));
    return out(Make<ir::GatherOp>(TensorType(shape, t.getElementType()), *data, *idx,
                                  builder_.getI64IntegerAttr(*axis)));
  }
  if (op == "Constant") {
    if (const auto* a = Attr("value")) return out(Constant(a->t()));
    onnx::TensorProto t;
    if (const auto* a = Attr("value_float")) {
      t.set_data_type(onnx::TensorProto::FLOAT);
      t.add_float_data(a->f());
    } else if (const auto* a = Attr("value_floats")) {
      t.set_data_type(onnx::TensorProto::FLOAT);
      t.add_dims(a->floats_size());
      for (float f : a->floats()) t.add_float_data(f);
    } else if (const auto* a = Attr("value_int")) {
      t.set_data_type(onnx::TensorProto::INT64);
      t.add_int64_data(a->i());
    } else if (const auto* a = Attr("value_ints")) {
      t.set_data_type(onnx::TensorProto::INT64);
      t.add_dims(a->ints_size());
      for (int64_t i : a->ints()) t.add_int64_data(i);
    } else {
      return NodeError() << "only value, value_float(s) and value_int(s) are supported";
    }
    return out(Constant(t));
  }
  if (op == "Shape" || op == "Size") {
    auto x = Input(0);
    if (fail(x)) return mlir::failure();
    llvm::ArrayRef<int64_t> dims = TypeOf(*x).getShape();
    onnx::TensorProto t;
    t.set_data_type(onnx::TensorProto::INT64);
    if (op == "Size") {
      t.add_int64_data(TypeOf(*x).getNumElements());
    } else {
      const int64_t rank = dims.size();
      int64_t start = AttrInt("start", 0), end = AttrInt("end", rank);
      if (start < 0) start += rank;
      if (end < 0) end += rank;
      start = std::clamp<int64_t>(start, 0, rank);
      end = std::clamp<int64_t>(end, 0, rank);
      t.add_dims(std::max<int64_t>(0, end - start));
      for (int64_t d = start; d < end; ++d) t.add_int64_data(dims[d]);
    }
    return out(Constant(t));
  }
  if (op == "ConstantOfShape") {
    auto shape = ConstInts(0, "shape");
    if (fail(shape)) return mlir::failure();
    onnx::TensorProto t;
    if (const auto* a = Attr("value")) {
      t = a->t();
    } else {
      t.set_data_type(onnx::TensorProto::FLOAT);
      t.add_float_data(0.0f);
    }
    t.clear_dims();
    auto scalar = Constant(t);
    if (fail(scalar)) return mlir::failure();
    return out(Make<ir::ExpandOp>(TensorType(*shape, TypeOf(*scalar).getElementType()), *scalar));
  }
  return NodeError() << "operator " << op << " is not supported";
}

mlir::OwningOpRef<mlir::ModuleOp> Importer::Import(const onnx::ModelProto& model) {
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset_ = o.version();
  // Owned until returned: every failure path below frees it.
  mlir::OwningOpRef<mlir::ModuleOp> owned = mlir::ModuleOp::create(mlir::UnknownLoc::get(context_));
  mlir::ModuleOp module = *owned;
  if (opset_ < kMinOpset || opset_ > kMaxOpset) {
    mlir::emitError(module.getLoc())
        << "the model imports opset " << opset_ << " of the default domain; Axle accepts "
        << kMinOpset << " through " << kMaxOpset;
    return nullptr;
  }
  const onnx::GraphProto& graph = model.graph();
  std::unordered_map<std::string, const onnx::TensorProto*> initializers;
  for (const auto& t : graph.initializer()) initializers[t.name()] = &t;

  // Graph inputs (those that are not initializers), with static shapes.
  SmallVector<Type> arg_types;
  SmallVector<std::string> arg_names;
  std::vector<onnx::TensorProto> frozen;
  for (const auto& in : graph.input()) {
    if (initializers.count(in.name())) continue;
    loc_ = mlir::NameLoc::get(builder_.getStringAttr(in.name()));
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

  builder_.setInsertionPointToEnd(module.getBody());
  auto func = builder_.create<mlir::func::FuncOp>(
      mlir::NameLoc::get(builder_.getStringAttr(graph.name().empty() ? "main" : graph.name())),
      "main", builder_.getFunctionType(arg_types, {}));
  mlir::Block* body = func.addEntryBlock();
  builder_.setInsertionPointToStart(body);
  for (size_t i = 0; i < arg_names.size(); ++i) {
    values_[arg_names[i]] = body->getArgument(i);
    func.setArgAttr(i, "axle.name", builder_.getStringAttr(arg_names[i]));
  }
  for (const auto& t : graph.initializer())
    if (mlir::failed(ImportInitializer(t))) return nullptr;
  for (const auto& t : frozen)
    if (mlir::failed(ImportInitializer(t))) return nullptr;
  for (const auto& node : graph.node())
    if (mlir::failed(ImportNode(node))) return nullptr;

  SmallVector<Value> results;
  for (const auto& o : graph.output()) {
    auto it = values_.find(o.name());
    if (it == values_.end()) {
      mlir::emitError(func.getLoc()) << "graph output '" << o.name() << "' is never produced";
      return nullptr;
    }
    results.push_back(it->second);
  }
  builder_.create<mlir::func::ReturnOp>(func.getLoc(), results);
  func.setType(builder_.getFunctionType(arg_types, mlir::ValueRange(results).getTypes()));
  for (auto [i, o] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "axle.name", builder_.getStringAttr(o.name()));
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
