// Reductions: the five with kernels, and L1/L2/LogSum/LogSumExp/SumSquare decomposed into them.
#include "compiler/importer/ops/Common.h"

namespace axle::importer {
namespace {

enum class ReduceKind { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kLogSum, kLogSumExp, kSumSquare };

// Axes from the attribute (before `axes_input_since`) or from input 1, normalized and sorted;
// empty axes reduce everything unless noop_with_empty_axes (then *noop is set).
mlir::FailureOr<SmallVector<int64_t>> ReduceAxes(NodeImporter& n, int64_t rank,
                                                 int axes_input_since, bool* noop) {
  SmallVector<int64_t> axes;
  if (n.opset() >= axes_input_since) {
    if (mlir::failed(n.OptionalConstInts(1, "axes", &axes))) return mlir::failure();
  } else {
    axes = n.AttrInts("axes");
  }
  *noop = false;
  if (axes.empty()) {
    if (n.AttrInt("noop_with_empty_axes", 0)) {
      *noop = true;
      return axes;
    }
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  }
  for (int64_t& a : axes) {
    auto v = n.Axis(a, rank);
    if (mlir::failed(v)) return mlir::failure();
    a = *v;
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

template <ReduceKind kKind, int kAxesInputSince>
LogicalResult ImportReduce(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  bool noop = false;
  AXLE_ASSIGN_OR_FAIL(SmallVector<int64_t> axes,
                      ReduceAxes(n, TypeOf(x).getRank(), kAxesInputSince, &noop));
  const bool keep = n.AttrInt("keepdims", 1) != 0;
  Type et = TypeOf(x).getElementType();
  // With no axes and noop_with_empty_axes the op is the identity on its (transformed) input.
  auto pre = [&](Value v) -> mlir::FailureOr<Value> {
    switch (kKind) {
    case ReduceKind::kL1: return n.Unary<ir::AbsOp>(v);
    case ReduceKind::kL2:
    case ReduceKind::kSumSquare: return n.Binary<ir::MulOp>(v, v);
    default: return v;
    }
  };
  AXLE_ASSIGN_OR_FAIL(Value in, pre(x));
  if (kKind == ReduceKind::kLogSumExp) {
    if (noop) return n.Out(x);
    AXLE_ASSIGN_OR_FAIL(Value max, n.Reduce<ir::ReduceMaxOp>(x, axes, true));
    AXLE_ASSIGN_OR_FAIL(Value shifted, n.Binary<ir::SubOp>(x, max));
    AXLE_ASSIGN_OR_FAIL(Value e, n.Unary<ir::ExpOp>(shifted));
    AXLE_ASSIGN_OR_FAIL(Value sum, n.Reduce<ir::ReduceSumOp>(e, axes, keep));
    AXLE_ASSIGN_OR_FAIL(Value log, n.Unary<ir::LogOp>(sum));
    AXLE_ASSIGN_OR_FAIL(Value m, n.Reshape(max, TypeOf(log).getShape()));
    return n.Out(n.Binary<ir::AddOp>(log, m));
  }
  Value r = in;
  if (!noop) {
    switch (kKind) {
    case ReduceKind::kMean: {
      AXLE_ASSIGN_OR_FAIL(r, n.Reduce<ir::ReduceMeanOp>(in, axes, keep));
      break;
    }
    case ReduceKind::kMax: {
      AXLE_ASSIGN_OR_FAIL(r, n.Reduce<ir::ReduceMaxOp>(in, axes, keep));
      break;
    }
    case ReduceKind::kMin: {
      AXLE_ASSIGN_OR_FAIL(r, n.Reduce<ir::ReduceMinOp>(in, axes, keep));
      break;
    }
    case ReduceKind::kProd: {
      AXLE_ASSIGN_OR_FAIL(r, n.Reduce<ir::ReduceProdOp>(in, axes, keep));
      break;
    }
    default: {
      AXLE_ASSIGN_OR_FAIL(r, n.Reduce<ir::ReduceSumOp>(in, axes, keep));
      break;
    }
    }
  }
  if (kKind == ReduceKind::kL2) {
    // Integer L2 norms round the square root (ONNX's reference casts back).
    if (!IsFloat(r)) {
      AXLE_ASSIGN_OR_FAIL(Value f, n.Cast(r, n.F32()));
      AXLE_ASSIGN_OR_FAIL(Value s, n.Unary<ir::SqrtOp>(f));
      return n.Out(n.Cast(s, et));
    }
    return n.Out(n.Unary<ir::SqrtOp>(r));
  }
  if (kKind == ReduceKind::kLogSum) return n.Out(n.Unary<ir::LogOp>(r));
  return n.Out(r);
}

}  // namespace

void RegisterReductionOps(OpRegistry& r) {
  using K = ReduceKind;
  r.On("ReduceSum", 1, ImportReduce<K::kSum, 13>);
  r.On("ReduceMean", 1, ImportReduce<K::kMean, 18>);
  r.On("ReduceMax", 1, ImportReduce<K::kMax, 18>);
  r.On("ReduceMin", 1, ImportReduce<K::kMin, 18>);
  r.On("ReduceProd", 1, ImportReduce<K::kProd, 18>);
  r.On("ReduceL1", 1, ImportReduce<K::kL1, 18>);
  r.On("ReduceL2", 1, ImportReduce<K::kL2, 18>);
  r.On("ReduceLogSum", 1, ImportReduce<K::kLogSum, 18>);
  r.On("ReduceLogSumExp", 1, ImportReduce<K::kLogSumExp, 18>);
  r.On("ReduceSumSquare", 1, ImportReduce<K::kSumSquare, 18>);
}

}  // namespace axle::importer
