// Indexing ops: Gather, GatherElements/ScatterElements, GatherND/ScatterND, ArgMax/ArgMin, TopK,
// CumSum, and OneHot decomposed into a comparison with a constant iota.
#include "compiler/importer/ops/Common.h"

namespace axle::importer {
namespace {

LogicalResult ImportGather(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value data, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value idx, n.Input(1));
  AXLE_ASSIGN_OR_FAIL(int64_t axis, n.Axis(n.AttrInt("axis", 0), TypeOf(data).getRank()));
  return n.Out(n.Gather(data, idx, axis));
}

LogicalResult ImportGatherElements(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value data, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value idx, n.Input(1));
  AXLE_ASSIGN_OR_FAIL(int64_t axis, n.Axis(n.AttrInt("axis", 0), TypeOf(data).getRank()));
  return n.Out(n.Make<ir::GatherElementsOp>(
      n.TensorType(TypeOf(idx).getShape(), TypeOf(data).getElementType()), data, idx,
      n.builder().getI64IntegerAttr(axis)));
}

LogicalResult ImportScatterElements(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value data, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value idx, n.Input(1));
  AXLE_ASSIGN_OR_FAIL(Value updates, n.Input(2));
  AXLE_ASSIGN_OR_FAIL(int64_t axis, n.Axis(n.AttrInt("axis", 0), TypeOf(data).getRank()));
  return n.Out(n.Make<ir::ScatterElementsOp>(
      TypeOf(data), data, idx, updates, n.builder().getI64IntegerAttr(axis),
      n.builder().getStringAttr(n.AttrString("reduction", "none"))));
}

LogicalResult ImportGatherND(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value data, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value idx, n.Input(1));
  RankedTensorType dt = TypeOf(data), it = TypeOf(idx);
  const int64_t b = n.AttrInt("batch_dims", 0);
  if (it.getRank() < 1) return n.NodeError() << "indices must have rank >= 1";
  const int64_t k = it.getDimSize(it.getRank() - 1);
  if (b < 0 || b >= it.getRank() || b + k > dt.getRank())
    return n.NodeError() << "indices " << it << " with batch_dims " << b << " do not index " << dt;
  SmallVector<int64_t> shape(it.getShape().drop_back());
  llvm::append_range(shape, dt.getShape().drop_front(b + k));
  return n.Out(n.Make<ir::GatherNDOp>(n.TensorType(shape, dt.getElementType()), data, idx,
                                      n.builder().getI64IntegerAttr(b)));
}

LogicalResult ImportScatterND(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value data, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value idx, n.Input(1));
  AXLE_ASSIGN_OR_FAIL(Value updates, n.Input(2));
  return n.Out(
      n.Make<ir::ScatterNDOp>(TypeOf(data), data, idx, updates,
                              n.builder().getStringAttr(n.AttrString("reduction", "none"))));
}

template <typename OpTy>
LogicalResult ImportArg(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  RankedTensorType t = TypeOf(x);
  AXLE_ASSIGN_OR_FAIL(int64_t axis, n.Axis(n.AttrInt("axis", 0), t.getRank()));
  const bool keep = n.AttrInt("keepdims", 1) != 0;
  auto& b = n.builder();
  return n.Out(n.Make<OpTy>(n.TensorType(ir::ReducedShape(t.getShape(), {axis}, keep), n.I64()), x,
                            b.getI64IntegerAttr(axis), b.getBoolAttr(keep),
                            b.getBoolAttr(n.AttrInt("select_last_index", 0) != 0)));
}

LogicalResult ImportTopK(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  RankedTensorType t = TypeOf(x);
  int64_t k = n.AttrInt("k", -1);  // before opset 10
  if (n.opset() >= 10) {
    AXLE_ASSIGN_OR_FAIL(SmallVector<int64_t> kv, n.ConstInts(1, "k"));
    if (kv.size() != 1) return n.NodeError() << "k must hold one value";
    k = kv[0];
  }
  AXLE_ASSIGN_OR_FAIL(int64_t axis, n.Axis(n.AttrInt("axis", -1), t.getRank()));
  if (k < 0 || k > t.getDimSize(axis))
    return n.NodeError() << "k = " << k << " is outside [0, " << t.getDimSize(axis) << "]";
  if (n.AttrInt("sorted", 1) == 0)
    return n.NodeError() << "sorted = 0 is not supported (Axle's TopK always sorts)";
  SmallVector<int64_t> shape(t.getShape());
  shape[axis] = k;
  auto& b = n.builder();
  auto op = b.create<ir::TopKOp>(n.loc(), n.TensorType(shape, t.getElementType()),
                                 n.TensorType(shape, n.I64()), x, b.getI64IntegerAttr(axis),
                                 b.getBoolAttr(n.AttrInt("largest", 1) != 0));
  if (mlir::failed(mlir::verify(op))) return mlir::failure();
  n.SetOutput(0, op.getValues());
  n.SetOutput(1, op.getIndices());
  return mlir::success();
}

LogicalResult ImportCumSum(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(double a, n.ConstScalar(1, "axis"));
  AXLE_ASSIGN_OR_FAIL(int64_t axis, n.Axis(static_cast<int64_t>(a), TypeOf(x).getRank()));
  auto& b = n.builder();
  return n.Out(n.Make<ir::CumSumOp>(TypeOf(x), x, b.getI64IntegerAttr(axis),
                                    b.getBoolAttr(n.AttrInt("exclusive", 0) != 0),
                                    b.getBoolAttr(n.AttrInt("reverse", 0) != 0)));
}

// OneHot: (indices (+ depth when negative) == iota) selects on_value or off_value.
LogicalResult ImportOneHot(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value idx, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(double depth_value, n.ConstScalar(1, "depth"));
  AXLE_ASSIGN_OR_FAIL(Value values, n.Input(2));
  const int64_t depth = static_cast<int64_t>(depth_value);
  if (depth < 1 || mlir::failed(n.CheckComputedSize(depth, "OneHot's depth")))
    return n.NodeError() << "depth " << depth_value << " must be in [1, "
                         << NodeImporter::kMaxComputedElements << "]";
  RankedTensorType it = TypeOf(idx);
  const int64_t rank = it.getRank() + 1;
  AXLE_ASSIGN_OR_FAIL(int64_t axis, n.Axis(n.AttrInt("axis", -1), rank));
  AXLE_ASSIGN_OR_FAIL(Value i64, n.Cast(idx, n.I64()));
  AXLE_ASSIGN_OR_FAIL(Value neg, n.Binary<ir::LessOp>(i64, n.Scalar(0, n.I64())));
  AXLE_ASSIGN_OR_FAIL(Value wrapped, n.Binary<ir::AddOp>(i64, n.Scalar(depth, n.I64())));
  AXLE_ASSIGN_OR_FAIL(Value fixed, n.Where(neg, wrapped, i64));
  SmallVector<int64_t> ushape(it.getShape());
  ushape.insert(ushape.begin() + axis, 1);
  AXLE_ASSIGN_OR_FAIL(Value u, n.Reshape(fixed, ushape));
  SmallVector<double> iota;
  for (int64_t i = 0; i < depth; ++i) iota.push_back(i);
  SmallVector<int64_t> ishape(rank, 1);
  ishape[axis] = depth;
  AXLE_ASSIGN_OR_FAIL(Value hit, n.Binary<ir::EqualOp>(u, n.Const(ishape, iota, n.I64())));
  AXLE_ASSIGN_OR_FAIL(Value off, n.Slice(values, {0}, {1}, {0}, {1}));
  AXLE_ASSIGN_OR_FAIL(Value on, n.Slice(values, {1}, {2}, {0}, {1}));
  return n.Out(n.Where(hit, on, off));
}

// Compress with a compile-time condition is a Gather of the selected positions.
LogicalResult ImportCompress(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(SmallVector<double> cond, n.ConstFloats(1, "condition"));
  Value data = x;
  int64_t axis = 0;
  if (const auto* a = n.Attr("axis")) {
    AXLE_ASSIGN_OR_FAIL(axis, n.Axis(a->i(), TypeOf(x).getRank()));
  } else {
    AXLE_ASSIGN_OR_FAIL(data, n.Reshape(x, {TypeOf(x).getNumElements()}));
  }
  const int64_t extent = TypeOf(data).getDimSize(axis);
  SmallVector<double> picked;
  for (int64_t i = 0; i < std::min<int64_t>(extent, cond.size()); ++i)
    if (cond[i] != 0) picked.push_back(i);
  const int64_t count = picked.size();
  if (picked.empty()) picked.push_back(0);
  return n.Out(n.Gather(data, n.Const({count}, picked, n.I64()), axis));
}

// NonZero's output shape depends on the values: supported for a compile-time input (it folds to
// a constant [rank, count]).
LogicalResult ImportNonZero(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(SmallVector<double> values, n.ConstFloats(0, "input"));
  llvm::ArrayRef<int64_t> shape = TypeOf(x).getShape();
  const int64_t rank = shape.size();
  SmallVector<SmallVector<double>> coords(rank);
  for (int64_t i = 0; i < static_cast<int64_t>(values.size()); ++i) {
    if (values[i] == 0) continue;
    int64_t rest = i;
    for (int64_t d = rank - 1; d >= 0; --d) {
      coords[d].push_back(rest % shape[d]);
      rest /= shape[d];
    }
  }
  const int64_t count = rank ? coords[0].size() : (values.size() == 1 && values[0] != 0);
  SmallVector<double> flat;
  for (const auto& c : coords) flat.append(c.begin(), c.end());
  if (flat.empty()) flat.push_back(0);
  return n.Out(n.Const({rank, count}, flat, n.I64()));
}

// ReverseSequence with compile-time lengths: a GatherElements along the time axis with a
// constant index map (t < len ? len - 1 - t : t).
LogicalResult ImportReverseSequence(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(SmallVector<int64_t> lens, n.ConstInts(1, "sequence_lens"));
  RankedTensorType t = TypeOf(x);
  const int64_t time_axis = n.AttrInt("time_axis", 0), batch_axis = n.AttrInt("batch_axis", 1);
  if (t.getRank() < 2 || (time_axis != 0 && time_axis != 1) || batch_axis != 1 - time_axis)
    return n.NodeError() << "time_axis and batch_axis must be 0 and 1 (either way round)";
  if (static_cast<int64_t>(lens.size()) != t.getDimSize(batch_axis))
    return n.NodeError() << lens.size() << " lengths for batch " << t.getDimSize(batch_axis);
  if (mlir::failed(n.CheckComputedSize(t.getNumElements(), "the ReverseSequence index map")))
    return mlir::failure();
  const int64_t inner = t.getDimSize(0) * t.getDimSize(1)
                            ? t.getNumElements() / (t.getDimSize(0) * t.getDimSize(1))
                            : 0;
  SmallVector<double> index;
  for (int64_t i = 0; i < t.getDimSize(0); ++i)
    for (int64_t j = 0; j < t.getDimSize(1); ++j) {
      const int64_t time = time_axis == 0 ? i : j, len = lens[time_axis == 0 ? j : i];
      const int64_t src = time < len ? len - 1 - time : time;
      for (int64_t k = 0; k < inner; ++k) index.push_back(src);
    }
  Value idx = n.Const(t.getShape(), index, n.I64());
  return n.Out(n.Make<ir::GatherElementsOp>(t, x, idx, n.builder().getI64IntegerAttr(time_axis)));
}

}  // namespace

void RegisterIndexingOps(OpRegistry& r) {
  r.On("Gather", 1, ImportGather);
  r.On("GatherElements", 11, ImportGatherElements);
  r.On("Scatter", 9, ImportScatterElements, 10);
  r.On("ScatterElements", 11, ImportScatterElements);
  r.On("GatherND", 11, ImportGatherND);
  r.On("ScatterND", 11, ImportScatterND);
  r.On("ArgMax", 1, ImportArg<ir::ArgMaxOp>);
  r.On("ArgMin", 1, ImportArg<ir::ArgMinOp>);
  r.On("TopK", 1, ImportTopK);
  r.On("CumSum", 11, ImportCumSum);
  r.On("OneHot", 9, ImportOneHot);
  r.On("Compress", 9, ImportCompress);
  r.On("NonZero", 9, ImportNonZero);
  r.On("ReverseSequence", 10, ImportReverseSequence);
}

}  // namespace axle::importer
