// Normalization and softmax: Softmax/LogSoftmax/Hardmax (the pre-13 forms flatten at `axis`),
// LayerNormalization with its kernel; BatchNormalization, InstanceNormalization,
// MeanVarianceNormalization and LRN decomposed into elementwise ops and reductions.
#include "compiler/importer/ops/Common.h"

namespace axle::importer {
namespace {

enum class SoftmaxKind { kSoftmax, kLogSoftmax, kHardmax };

mlir::FailureOr<Value> Hardmax(NodeImporter& n, Value x, int64_t axis) {
  RankedTensorType t = TypeOf(x);
  AXLE_ASSIGN_OR_FAIL(
      Value index,
      n.Make<ir::ArgMaxOp>(n.TensorType(ir::ReducedShape(t.getShape(), {axis}, true), n.I64()), x,
                           n.builder().getI64IntegerAttr(axis), n.builder().getBoolAttr(true),
                           n.builder().getBoolAttr(false)));
  if (mlir::failed(n.CheckComputedSize(t.getDimSize(axis), "the Hardmax iota")))
    return mlir::failure();
  SmallVector<double> iota;
  for (int64_t i = 0; i < t.getDimSize(axis); ++i) iota.push_back(i);
  SmallVector<int64_t> shape(t.getRank(), 1);
  shape[axis] = t.getDimSize(axis);
  AXLE_ASSIGN_OR_FAIL(Value hit, n.Binary<ir::EqualOp>(index, n.Const(shape, iota, n.I64())));
  return n.Cast(hit, t.getElementType());
}

template <SoftmaxKind kKind>
LogicalResult ImportSoftmax(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  RankedTensorType t = TypeOf(x);
  const bool flatten = n.opset() < 13;
  AXLE_ASSIGN_OR_FAIL(int64_t axis, n.Axis(n.AttrInt("axis", flatten ? 1 : -1), t.getRank()));
  Value in = x;
  if (flatten) {  // before opset 13: over the dimensions [axis, rank) flattened into one
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < t.getRank(); ++d) (d < axis ? outer : inner) *= t.getDimSize(d);
    AXLE_ASSIGN_OR_FAIL(in, n.Reshape(x, {outer, inner}));
    axis = 1;
  }
  Value y;
  switch (kKind) {
  case SoftmaxKind::kSoftmax: {
    AXLE_ASSIGN_OR_FAIL(y,
                        n.Make<ir::SoftmaxOp>(TypeOf(in), in, n.builder().getI64IntegerAttr(axis)));
    break;
  }
  case SoftmaxKind::kLogSoftmax: {
    AXLE_ASSIGN_OR_FAIL(y, n.LogSoftmax(in, axis));
    break;
  }
  case SoftmaxKind::kHardmax: {
    AXLE_ASSIGN_OR_FAIL(y, Hardmax(n, in, axis));
    break;
  }
  }
  return n.Out(n.Reshape(y, t.getShape()));
}

LogicalResult ImportLayerNorm(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value scale, n.Input(1));
  AXLE_ASSIGN_OR_FAIL(Value bias, n.Input(2, /*optional=*/true));
  RankedTensorType t = TypeOf(x);
  AXLE_ASSIGN_OR_FAIL(int64_t axis, n.Axis(n.AttrInt("axis", -1), t.getRank()));
  SmallVector<int64_t> stats(t.getShape());
  for (int64_t d = axis; d < t.getRank(); ++d) stats[d] = 1;
  auto stats_type = n.TensorType(stats, n.F32());
  SmallVector<Type> types = {t};
  const bool mean = n.HasOutput(1), inv = n.HasOutput(2);
  if (mean) types.push_back(stats_type);
  if (inv) types.push_back(stats_type);
  auto& b = n.builder();
  auto ln = b.create<ir::LayerNormOp>(n.loc(), types, x, scale, bias, b.getI64IntegerAttr(axis),
                                      b.getF32FloatAttr(n.AttrFloat("epsilon", 1e-5f)));
  ln->setAttr("resultSegmentSizes", b.getDenseI32ArrayAttr({1, mean ? 1 : 0, inv ? 1 : 0}));
  if (mlir::failed(mlir::verify(ln))) return mlir::failure();
  n.SetOutput(0, ln.getResult());
  if (mean) n.SetOutput(1, ln.getMean());
  if (inv) n.SetOutput(2, ln.getInvStdDev());
  return mlir::success();
}

// A per-channel vector [C] shaped to broadcast against [N, C, D1, ...].
mlir::FailureOr<Value> PerChannel(NodeImporter& n, Value v, int64_t rank) {
  SmallVector<int64_t> shape(rank - 1, 1);
  shape[0] = TypeOf(v).getNumElements();
  return n.Reshape(v, shape);
}

// (x - mean) / sqrt(var + eps) * scale + bias, every operand broadcast.
mlir::FailureOr<Value> Normalize(NodeImporter& n, Value x, Value mean, Value var, Value scale,
                                 Value bias, double eps) {
  Type et = TypeOf(x).getElementType();
  AXLE_ASSIGN_OR_FAIL(Value centered, n.Binary<ir::SubOp>(x, mean));
  AXLE_ASSIGN_OR_FAIL(Value ve, n.Binary<ir::AddOp>(var, n.Scalar(eps, et)));
  AXLE_ASSIGN_OR_FAIL(Value sd, n.Unary<ir::SqrtOp>(ve));
  AXLE_ASSIGN_OR_FAIL(Value normed, n.Binary<ir::DivOp>(centered, sd));
  if (scale) {
    AXLE_ASSIGN_OR_FAIL(normed, n.Binary<ir::MulOp>(normed, scale));
  }
  if (bias) {
    AXLE_ASSIGN_OR_FAIL(normed, n.Binary<ir::AddOp>(normed, bias));
  }
  return normed;
}

// Mean and (population) variance over `axes`, kept as size-1 dimensions.
LogicalResult Moments(NodeImporter& n, Value x, llvm::ArrayRef<int64_t> axes, Value* mean,
                      Value* var) {
  AXLE_ASSIGN_OR_FAIL(*mean, n.Reduce<ir::ReduceMeanOp>(x, axes, true));
  AXLE_ASSIGN_OR_FAIL(Value c, n.Binary<ir::SubOp>(x, *mean));
  AXLE_ASSIGN_OR_FAIL(Value sq, n.Binary<ir::MulOp>(c, c));
  AXLE_ASSIGN_OR_FAIL(*var, n.Reduce<ir::ReduceMeanOp>(sq, axes, true));
  return mlir::success();
}

LogicalResult ImportBatchNorm(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  const int64_t rank = TypeOf(x).getRank();
  if (rank < 2) return n.NodeError() << "input must have rank >= 2";
  Value p[4];
  for (int i = 0; i < 4; ++i) {
    AXLE_ASSIGN_OR_FAIL(Value v, n.Input(i + 1));
    AXLE_ASSIGN_OR_FAIL(p[i], PerChannel(n, v, rank));
  }
  const double eps = n.AttrFloat("epsilon", 1e-5f);
  const bool training = n.opset() >= 14 ? n.AttrInt("training_mode", 0) != 0 : n.HasOutput(1);
  if (!training) return n.Out(Normalize(n, x, p[2], p[3], p[0], p[1], eps));
  // Training mode: the batch's statistics, and the updated running ones as outputs 1 and 2.
  SmallVector<int64_t> axes = {0};
  for (int64_t d = 2; d < rank; ++d) axes.push_back(d);
  Value mean, var;
  if (mlir::failed(Moments(n, x, axes, &mean, &var))) return mlir::failure();
  AXLE_ASSIGN_OR_FAIL(Value y, Normalize(n, x, mean, var, p[0], p[1], eps));
  n.SetOutput(0, y);
  Type et = TypeOf(x).getElementType();
  const double momentum = n.AttrFloat("momentum", 0.9f);
  for (int k = 0; k < 2; ++k) {
    if (!n.HasOutput(k + 1)) continue;
    Value batch = k == 0 ? mean : var;
    AXLE_ASSIGN_OR_FAIL(Value run, n.Input(k + 3));
    AXLE_ASSIGN_OR_FAIL(Value b, n.Reshape(batch, TypeOf(run).getShape()));
    AXLE_ASSIGN_OR_FAIL(Value r1, n.Binary<ir::MulOp>(run, n.Scalar(momentum, et)));
    AXLE_ASSIGN_OR_FAIL(Value b1, n.Binary<ir::MulOp>(b, n.Scalar(1 - momentum, et)));
    AXLE_ASSIGN_OR_FAIL(Value updated, n.Binary<ir::AddOp>(r1, b1));
    n.SetOutput(k + 1, updated);
  }
  return mlir::success();
}

LogicalResult ImportInstanceNorm(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value scale, n.Input(1));
  AXLE_ASSIGN_OR_FAIL(Value bias, n.Input(2));
  const int64_t rank = TypeOf(x).getRank();
  if (rank < 3) return n.NodeError() << "input must have rank >= 3";
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < rank; ++d) axes.push_back(d);
  Value mean, var;
  if (mlir::failed(Moments(n, x, axes, &mean, &var))) return mlir::failure();
  AXLE_ASSIGN_OR_FAIL(Value s, PerChannel(n, scale, rank));
  AXLE_ASSIGN_OR_FAIL(Value b, PerChannel(n, bias, rank));
  return n.Out(Normalize(n, x, mean, var, s, b, n.AttrFloat("epsilon", 1e-5f)));
}

LogicalResult ImportMeanVarianceNorm(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  SmallVector<int64_t> axes = n.AttrInts("axes");
  if (!n.Attr("axes")) axes = {0, 2, 3};
  for (int64_t& a : axes) {
    AXLE_ASSIGN_OR_FAIL(a, n.Axis(a, TypeOf(x).getRank()));
  }
  llvm::sort(axes);
  Value mean, var;
  if (mlir::failed(Moments(n, x, axes, &mean, &var))) return mlir::failure();
  return n.Out(Normalize(n, x, mean, var, Value(), Value(), 1e-9));
}

// LRN: x / (bias + alpha / size * (sum of x^2 over a window of `size` channels))^beta.
LogicalResult ImportLrn(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  RankedTensorType t = TypeOf(x);
  const int64_t size = n.AttrInt("size", 0);
  if (t.getRank() < 3 || size <= 0) return n.NodeError() << "needs rank >= 3 and size > 0";
  Type et = t.getElementType();
  AXLE_ASSIGN_OR_FAIL(Value sq, n.Binary<ir::MulOp>(x, x));
  const int64_t before = (size - 1) / 2, after = size - 1 - before, c = t.getDimSize(1);
  SmallVector<Value> parts;
  SmallVector<int64_t> zshape(t.getShape());
  if (before) {
    zshape[1] = before;
    parts.push_back(n.Const(zshape, {0.0}, et));
  }
  parts.push_back(sq);
  if (after) {
    zshape[1] = after;
    parts.push_back(n.Const(zshape, {0.0}, et));
  }
  AXLE_ASSIGN_OR_FAIL(Value padded, n.Concat(parts, 1));
  Value sum;
  for (int64_t k = 0; k < size; ++k) {
    AXLE_ASSIGN_OR_FAIL(Value s, n.Slice(padded, {k}, {k + c}, {1}, {1}));
    if (!sum) {
      sum = s;
    } else {
      AXLE_ASSIGN_OR_FAIL(sum, n.Binary<ir::AddOp>(sum, s));
    }
  }
  const double alpha = n.AttrFloat("alpha", 1e-4f), beta = n.AttrFloat("beta", 0.75f),
               bias = n.AttrFloat("bias", 1.0f);
  AXLE_ASSIGN_OR_FAIL(Value scaled, n.Binary<ir::MulOp>(sum, n.Scalar(alpha / size, et)));
  AXLE_ASSIGN_OR_FAIL(Value based, n.Binary<ir::AddOp>(scaled, n.Scalar(bias, et)));
  AXLE_ASSIGN_OR_FAIL(Value denom, n.Binary<ir::PowOp>(based, n.Scalar(beta, et)));
  return n.Out(n.Binary<ir::DivOp>(x, denom));
}

}  // namespace

void RegisterNormalizationOps(OpRegistry& r) {
  r.On("Softmax", 1, ImportSoftmax<SoftmaxKind::kSoftmax>);
  r.On("LogSoftmax", 1, ImportSoftmax<SoftmaxKind::kLogSoftmax>);
  r.On("Hardmax", 1, ImportSoftmax<SoftmaxKind::kHardmax>);
  r.On("LayerNormalization", 17, ImportLayerNorm);
  r.On("BatchNormalization", 7, ImportBatchNorm);
  r.On("InstanceNormalization", 6, ImportInstanceNorm);
  r.On("MeanVarianceNormalization", 9, ImportMeanVarianceNorm);
  r.On("LRN", 1, ImportLrn);
}

}  // namespace axle::importer
