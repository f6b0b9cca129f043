// The handler-facing side of the ONNX importer: node inputs and attributes, constants, and the
// builders shared by the op families.
#include "compiler/importer/NodeImporter.h"

#include <cmath>
#include <limits>

#include "compiler/importer/OpRegistry.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"

namespace axle::importer {

using llvm::SmallVector;
using mlir::LogicalResult;
using mlir::RankedTensorType;
using mlir::Type;
using mlir::Value;

void NodeImporter::SetNode(const onnx::NodeProto& node) {
  node_ = &node;
  // An unnamed node is known by its first output (a node may have none: a fuzzed model can).
  node_name_ = !node.name().empty()     ? node.name()
               : node.output_size() > 0 ? node.op_type() + ":" + node.output(0)
                                        : node.op_type() + " (unnamed, no outputs)";
  loc_ = mlir::NameLoc::get(builder_.getStringAttr(node_name_));
}

LogicalResult NodeImporter::ImportNode(const onnx::NodeProto& node) {
  SetNode(node);
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return NodeError() << "operator domain '" << node.domain() << "' is not supported";
  bool known = false;
  const OpRegistration* r = registry_.Find(node.op_type(), opset_, &known);
  if (!r) {
    if (known)
      return NodeError() << "operator " << node.op_type() << " is supported at opsets "
                         << registry_.Opsets(node.op_type()) << ", not at opset " << opset_;
    return NodeError() << "operator " << node.op_type() << " is not supported";
  }
  return r->handler(*this);
}

mlir::FailureOr<SmallVector<Value>> NodeImporter::ImportSubgraph(const onnx::GraphProto& graph) {
  const onnx::NodeProto* outer = node_;
  for (const auto& t : graph.initializer())
    if (mlir::failed(ImportInitializer(t))) return mlir::failure();
  for (const auto& n : graph.node())
    if (mlir::failed(ImportNode(n))) return mlir::failure();
  SetNode(*outer);
  SmallVector<Value> results;
  for (const auto& o : graph.output()) {
    Value v = Lookup(o.name());
    if (!v) {
      NodeError() << "subgraph output '" << o.name() << "' is never produced";
      return mlir::failure();
    }
    results.push_back(v);
  }
  return results;
}

LogicalResult NodeImporter::ImportInitializer(const onnx::TensorProto& t) {
  loc_ = mlir::NameLoc::get(builder_.getStringAttr(t.name()));
  onnx_io::HostTensor host;
  std::string error;
  if (!onnx_io::FromProto(t, &host, &error, options_.model_dir))
    return mlir::emitError(loc_) << "initializer '" << t.name() << "': " << error;
  values_[t.name()] = ConstantOf(host);
  return mlir::success();
}

mlir::FailureOr<Value> NodeImporter::Input(int i, bool optional) {
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

void NodeImporter::SetOutput(int i, Value v) {
  if (HasOutput(i)) values_[node_->output(i)] = v;
}

mlir::FailureOr<int64_t> NodeImporter::Axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    NodeError() << "axis " << axis << " is outside [" << -rank << ", " << rank << ")";
    return mlir::failure();
  }
  return axis < 0 ? axis + rank : axis;
}

bool NodeImporter::ConstantValues(Value v, SmallVector<double>* out) {
  mlir::DenseElementsAttr attr;
  if (!v || !mlir::matchPattern(v, mlir::m_Constant(&attr))) return false;
  out->clear();
  if (auto f = llvm::dyn_cast<mlir::DenseFPElementsAttr>(attr)) {
    for (const llvm::APFloat& x : f.getValues<llvm::APFloat>()) out->push_back(x.convertToDouble());
    return true;
  }
  auto n = llvm::cast<mlir::DenseIntElementsAttr>(attr);
  const bool is_unsigned =
      n.getElementType().isUnsignedInteger() || n.getElementType().isInteger(1);
  for (const llvm::APInt& x : n.getValues<llvm::APInt>())
    out->push_back(is_unsigned ? static_cast<double>(x.getZExtValue())
                               : static_cast<double>(x.getSExtValue()));
  return true;
}

// " (it depends on graph input 'a')": what a user would pin or freeze to make `v` constant.
std::string NodeImporter::DependsOn(Value v) {
  llvm::SmallVector<std::string> names;
  llvm::SmallPtrSet<mlir::Operation*, 16> seen;
  llvm::SmallVector<Value> work = {v};
  while (!work.empty() && names.size() < 8) {
    Value x = work.pop_back_val();
    if (auto arg = llvm::dyn_cast<mlir::BlockArgument>(x)) {
      auto func = llvm::dyn_cast<mlir::func::FuncOp>(arg.getOwner()->getParentOp());
      auto name = func ? func.getArgAttrOfType<mlir::StringAttr>(arg.getArgNumber(), "axle.name")
                       : mlir::StringAttr();
      if (name && !llvm::is_contained(names, name.str())) names.push_back(name.str());
      continue;
    }
    mlir::Operation* op = x.getDefiningOp();
    if (!op || !seen.insert(op).second) continue;
    for (Value operand : op->getOperands()) work.push_back(operand);
  }
  if (names.empty()) return "";
  std::string out =
      names.size() == 1 ? "; it depends on graph input " : "; it depends on graph inputs ";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", '" : "'") + names[i] + "'";
  return out + " (freeze them with --freeze-input NAME=FILE.pb)";
}

mlir::FailureOr<SmallVector<int64_t>> NodeImporter::ConstInts(int i, const char* what) {
  auto v = Input(i);
  if (mlir::failed(v)) return mlir::failure();
  mlir::DenseIntElementsAttr attr;
  if (!mlir::matchPattern(*v, mlir::m_Constant(&attr))) {
    NodeError() << what << " (input " << i << " '" << node_->input(i)
                << "') must be a compile-time constant; Axle compiles static shapes (pin "
                   "dynamic dimensions with --input-shape)"
                << DependsOn(*v);
    return mlir::failure();
  }
  SmallVector<int64_t> out;
  for (const llvm::APInt& x : attr.getValues<llvm::APInt>()) out.push_back(x.getSExtValue());
  return out;
}

mlir::FailureOr<SmallVector<double>> NodeImporter::ConstFloats(int i, const char* what) {
  auto v = Input(i);
  if (mlir::failed(v)) return mlir::failure();
  SmallVector<double> out;
  if (!ConstantValues(*v, &out)) {
    NodeError() << what << " (input " << i << " '" << node_->input(i)
                << "') must be a compile-time constant" << DependsOn(*v);
    return mlir::failure();
  }
  return out;
}

mlir::FailureOr<double> NodeImporter::ConstScalar(int i, const char* what) {
  auto v = Input(i);
  if (mlir::failed(v)) return mlir::failure();
  SmallVector<double> values;
  if (!ConstantValues(*v, &values) || values.size() != 1) {
    NodeError() << what << " (input " << i << " '" << node_->input(i)
                << "') must be a compile-time constant scalar" << DependsOn(*v);
    return mlir::failure();
  }
  return values[0];
}

LogicalResult NodeImporter::OptionalConstInts(int i, const char* what, SmallVector<int64_t>* out) {
  if (!HasInput(i)) return mlir::success();
  auto v = ConstInts(i, what);
  if (mlir::failed(v)) return mlir::failure();
  *out = std::move(*v);
  return mlir::success();
}

LogicalResult NodeImporter::OptionalConstScalar(int i, const char* what, double* out) {
  if (!HasInput(i)) return mlir::success();
  auto v = ConstScalar(i, what);
  if (mlir::failed(v)) return mlir::failure();
  *out = *v;
  return mlir::success();
}

Value NodeImporter::Const(llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<double> values,
                          Type element) {
  auto type = TensorType(shape, element);
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  auto value_at = [&](int64_t i) { return values.size() == 1 ? values[0] : values[i]; };
  mlir::DenseElementsAttr attr;
  if (auto ft = llvm::dyn_cast<mlir::FloatType>(element)) {
    SmallVector<llvm::APFloat> v;
    for (int64_t i = 0; i < n; ++i) {
      llvm::APFloat f(value_at(i));
      bool lost = false;
      f.convert(ft.getFloatSemantics(), llvm::APFloat::rmNearestTiesToEven, &lost);
      v.push_back(f);
    }
    attr = mlir::DenseElementsAttr::get(type, v);
  } else if (element.isInteger(1)) {
    SmallVector<bool> v;
    for (int64_t i = 0; i < n; ++i) v.push_back(value_at(i) != 0);
    attr = mlir::DenseElementsAttr::get(type, llvm::ArrayRef<bool>(v));
  } else {
    const unsigned width = element.getIntOrFloatBitWidth();
    SmallVector<llvm::APInt> v;
    // Saturating (a NaN is 0): an infinite or huge value must not reach an undefined cast.
    auto to_int = [](double x) -> int64_t {
      if (std::isnan(x)) return 0;
      if (x >= 9.2e18) return std::numeric_limits<int64_t>::max();
      if (x <= -9.2e18) return std::numeric_limits<int64_t>::min();
      return static_cast<int64_t>(x);
    };
    for (int64_t i = 0; i < n; ++i)
      v.push_back(llvm::APInt(width, static_cast<uint64_t>(to_int(value_at(i))),
                              /*isSigned=*/true));
    attr = mlir::DenseElementsAttr::get(type, v);
  }
  return builder_.create<ir::ConstantOp>(loc_, type, attr).getResult();
}

// An axle.constant holding a decoded tensor (MLIR bit-packs i1, hence the bool copy).
Value NodeImporter::ConstantOf(const onnx_io::HostTensor& host) {
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

mlir::FailureOr<Value> NodeImporter::Constant(const onnx::TensorProto& t) {
  onnx_io::HostTensor host;
  std::string error;
  if (!onnx_io::FromProto(t, &host, &error, options_.model_dir)) {
    NodeError() << error;
    return mlir::failure();
  }
  return ConstantOf(host);
}

mlir::FailureOr<Value> NodeImporter::Reshape(Value x, llvm::ArrayRef<int64_t> shape) {
  if (TypeOf(x).getShape() == shape) return x;
  return Make<ir::ReshapeOp>(TensorType(shape, TypeOf(x).getElementType()), x);
}

mlir::FailureOr<Value> NodeImporter::Transpose(Value x, llvm::ArrayRef<int64_t> perm) {
  RankedTensorType t = TypeOf(x);
  if (static_cast<int64_t>(perm.size()) != t.getRank()) {
    NodeError() << "perm has " << perm.size() << " entries for rank " << t.getRank();
    return mlir::failure();
  }
  SmallVector<int64_t> shape;
  bool identity = true;
  for (auto [i, p] : llvm::enumerate(perm)) {
    if (p < 0 || p >= t.getRank()) {
      NodeError() << "perm entry " << p << " out of range";
      return mlir::failure();
    }
    identity &= p == static_cast<int64_t>(i);
    shape.push_back(t.getDimSize(p));
  }
  if (identity) return x;
  return Make<ir::TransposeOp>(TensorType(shape, t.getElementType()), x,
                               builder_.getDenseI64ArrayAttr(perm));
}

mlir::FailureOr<Value> NodeImporter::Expand(Value x, llvm::ArrayRef<int64_t> shape) {
  auto out = ir::BroadcastShapes(TypeOf(x).getShape(), shape);
  if (!out) {
    NodeError() << TypeOf(x) << " does not broadcast to the requested shape";
    return mlir::failure();
  }
  if (*out == TypeOf(x).getShape()) return x;
  return Make<ir::ExpandOp>(TensorType(*out, TypeOf(x).getElementType()), x);
}

mlir::FailureOr<Value> NodeImporter::Cast(Value x, Type element) {
  if (TypeOf(x).getElementType() == element) return x;
  return Make<ir::CastOp>(TensorType(TypeOf(x).getShape(), element), x);
}

mlir::FailureOr<Value> NodeImporter::Where(Value c, Value x, Value y) {
  auto xy = ir::BroadcastShapes(TypeOf(x).getShape(), TypeOf(y).getShape());
  auto shape = xy ? ir::BroadcastShapes(TypeOf(c).getShape(), *xy) : std::nullopt;
  if (!shape) {
    NodeError() << "operand shapes do not broadcast";
    return mlir::failure();
  }
  return Make<ir::WhereOp>(TensorType(*shape, TypeOf(x).getElementType()), c, x, y);
}

mlir::FailureOr<Value> NodeImporter::MatMul(Value a, Value b) {
  std::string why;
  auto shape = ir::MatMulShape(TypeOf(a).getShape(), TypeOf(b).getShape(), &why);
  if (!shape) {
    NodeError() << why;
    return mlir::failure();
  }
  return Make<ir::MatMulOp>(TensorType(*shape, TypeOf(a).getElementType()), a, b);
}

mlir::FailureOr<Value> NodeImporter::Concat(llvm::ArrayRef<Value> inputs, int64_t axis) {
  if (inputs.size() == 1) return inputs[0];
  RankedTensorType t = TypeOf(inputs[0]);
  SmallVector<int64_t> shape(t.getShape());
  shape[axis] = 0;
  for (Value v : inputs) shape[axis] += TypeOf(v).getRank() > axis ? TypeOf(v).getDimSize(axis) : 0;
  return Make<ir::ConcatOp>(TensorType(shape, t.getElementType()), inputs,
                            builder_.getI64IntegerAttr(axis));
}

mlir::FailureOr<Value> NodeImporter::Gather(Value data, Value indices, int64_t axis) {
  RankedTensorType t = TypeOf(data);
  if (axis < 0 || axis >= t.getRank()) {
    NodeError() << "cannot gather along axis " << axis << " of " << t;
    return mlir::failure();
  }
  SmallVector<int64_t> shape(t.getShape().take_front(axis));
  llvm::append_range(shape, TypeOf(indices).getShape());
  llvm::append_range(shape, t.getShape().drop_front(axis + 1));
  return Make<ir::GatherOp>(TensorType(shape, t.getElementType()), data, indices,
                            builder_.getI64IntegerAttr(axis));
}

mlir::FailureOr<Value> NodeImporter::Slice(Value x, llvm::ArrayRef<int64_t> starts,
                                           llvm::ArrayRef<int64_t> ends,
                                           llvm::ArrayRef<int64_t> axes,
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

mlir::FailureOr<Value> NodeImporter::LogSoftmax(Value x, int64_t axis) {
  auto max = Reduce<ir::ReduceMaxOp>(x, {axis}, true);
  if (mlir::failed(max)) return mlir::failure();
  auto shifted = Binary<ir::SubOp>(x, *max);
  if (mlir::failed(shifted)) return mlir::failure();
  auto e = Unary<ir::ExpOp>(*shifted);
  if (mlir::failed(e)) return mlir::failure();
  auto sum = Reduce<ir::ReduceSumOp>(*e, {axis}, true);
  if (mlir::failed(sum)) return mlir::failure();
  auto log = Unary<ir::LogOp>(*sum);
  if (mlir::failed(log)) return mlir::failure();
  return Binary<ir::SubOp>(*shifted, *log);
}

}  // namespace axle::importer
