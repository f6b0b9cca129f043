// Quantization ops: QuantizeLinear/DequantizeLinear with a per-tensor scale and zero point;
// per-axis DequantizeLinear of a constant (per-channel weights) folds to the f32 weight.
#include "compiler/importer/ops/Common.h"

namespace axle::importer {
namespace {

// Per-axis (de)quantization of a computed tensor, in elementwise ops: the scale and zero point
// [C] broadcast along `axis`.
template <bool kQuantize>
LogicalResult PerAxisQdq(NodeImporter& n, Value x, Value scale, Value zp) {
  RankedTensorType xt = TypeOf(x);
  AXLE_ASSIGN_OR_FAIL(int64_t axis, n.Axis(n.AttrInt("axis", 1), xt.getRank()));
  const int64_t c = TypeOf(scale).getNumElements();
  if (xt.getDimSize(axis) != c)
    return n.NodeError() << c << " scales for dimension " << axis << " of " << xt;
  SmallVector<int64_t> shape(xt.getRank() - axis, 1);
  shape[0] = c;
  Type f32 = n.F32();
  AXLE_ASSIGN_OR_FAIL(Value s, n.Reshape(scale, shape));
  Value z;
  if (zp) {
    AXLE_ASSIGN_OR_FAIL(z, n.Reshape(zp, shape));
    AXLE_ASSIGN_OR_FAIL(z, n.Cast(z, f32));
  }
  if (!kQuantize) {
    AXLE_ASSIGN_OR_FAIL(Value f, n.Cast(x, f32));
    if (z) {
      AXLE_ASSIGN_OR_FAIL(f, n.Binary<ir::SubOp>(f, z));
    }
    return n.Out(n.Binary<ir::MulOp>(f, s));
  }
  Type qt = zp ? TypeOf(zp).getElementType()
               : mlir::IntegerType::get(n.context(), 8, mlir::IntegerType::Unsigned);
  if (!qt.isInteger(8)) return n.NodeError() << "only u8 and i8 quantization is supported";
  const bool is_unsigned = qt.isUnsignedInteger();
  AXLE_ASSIGN_OR_FAIL(Value q, n.Binary<ir::DivOp>(x, s));
  AXLE_ASSIGN_OR_FAIL(q, n.Unary<ir::RoundOp>(q));
  if (z) {
    AXLE_ASSIGN_OR_FAIL(q, n.Binary<ir::AddOp>(q, z));
  }
  AXLE_ASSIGN_OR_FAIL(q, n.Make<ir::ClipOp>(TypeOf(q), q,
                                            n.builder().getF32FloatAttr(is_unsigned ? 0 : -128),
                                            n.builder().getF32FloatAttr(is_unsigned ? 255 : 127)));
  return n.Out(n.Cast(q, qt));
}

template <bool kQuantize>
LogicalResult ImportQdq(NodeImporter& n) {
  // Per-tensor scale and zero point (what ONNX Runtime's quantize_static and the PT2E flow
  // write for activations); per-axis (a 1-D scale over `axis`) is rejected here.
  auto x = n.Input(0), scale = n.Input(1), zp = n.Input(2, /*optional=*/true);
  if (mlir::failed(x) || mlir::failed(scale) || mlir::failed(zp)) return mlir::failure();
  const int64_t channels = TypeOf(*scale).getNumElements();
  if (channels != 1 && (kQuantize || !x->getDefiningOp<ir::ConstantOp>()))
    return PerAxisQdq<kQuantize>(n, *x, *scale, *zp);
  if (channels != 1 && !kQuantize) {
    // Per-axis dequantization of a constant (the per-channel weights of ONNX Runtime's
    // quantize_static and of PT2E): folded here into the f32 weight it stands for.
    auto cx = x->getDefiningOp<ir::ConstantOp>();
    auto cs = scale->getDefiningOp<ir::ConstantOp>();
    auto cz = *zp ? zp->getDefiningOp<ir::ConstantOp>() : ir::ConstantOp();
    auto dx = cx ? llvm::dyn_cast<mlir::DenseElementsAttr>(cx.getValue()) : nullptr;
    auto ds = cs ? llvm::dyn_cast<mlir::DenseElementsAttr>(cs.getValue()) : nullptr;
    auto dz = cz ? llvm::dyn_cast<mlir::DenseElementsAttr>(cz.getValue()) : nullptr;
    RankedTensorType xt = TypeOf(*x);
    int64_t axis = n.AttrInt("axis", 1);
    if (axis < 0) axis += xt.getRank();
    if (!dx || !ds || (*zp && !dz) || axis < 0 || axis >= xt.getRank() ||
        xt.getDimSize(axis) != channels || !ds.getElementType().isF32() ||
        !xt.getElementType().isInteger(8))
      return n.NodeError() << "per-axis dequantization (" << channels
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
    auto ft = n.TensorType(xt.getShape(), n.builder().getF32Type());
    return n.Out(n.builder()
                     .create<ir::ConstantOp>(
                         n.loc(), ft, mlir::DenseElementsAttr::get(ft, llvm::ArrayRef(values)))
                     .getResult());
  }
  if (channels != 1 || (*zp && TypeOf(*zp).getNumElements() != 1))
    return n.NodeError() << "per-axis quantization (a scale of " << channels
                         << " values) is supported for constant weights only (DequantizeLinear)";
  if (!TypeOf(*scale).getElementType().isF32()) return n.NodeError() << "the scale must be float32";
  if (kQuantize) {
    Value z = *zp;
    if (!z) {  // ONNX: a missing zero point means uint8 zero
      auto t =
          n.TensorType({}, mlir::IntegerType::get(n.context(), 8, mlir::IntegerType::Unsigned));
      z = n.builder().create<ir::ConstantOp>(n.loc(), t,
                                             mlir::DenseElementsAttr::get(t, llvm::APInt(8, 0)));
    }
    auto et = TypeOf(z).getElementType();
    if (!et.isInteger(8)) return n.NodeError() << "only u8 and i8 quantization is supported";
    return n.Out(
        n.Make<ir::QuantizeLinearOp>(n.TensorType(TypeOf(*x).getShape(), et), *x, *scale, z));
  }
  return n.Out(n.Make<ir::DequantizeLinearOp>(
      n.TensorType(TypeOf(*x).getShape(), n.builder().getF32Type()), *x, *scale, *zp));
}

// DynamicQuantizeLinear: u8 with a scale and zero point from the input's range (which always
// includes 0), all in elementwise ops and reductions.
LogicalResult ImportDynamicQuantizeLinear(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  if (!TypeOf(x).getElementType().isF32()) return n.NodeError() << "input must be float32";
  SmallVector<int64_t> all;
  for (int64_t d = 0; d < TypeOf(x).getRank(); ++d) all.push_back(d);
  Type f32 = n.F32();
  AXLE_ASSIGN_OR_FAIL(Value hi, n.Reduce<ir::ReduceMaxOp>(x, all, false));
  AXLE_ASSIGN_OR_FAIL(Value lo, n.Reduce<ir::ReduceMinOp>(x, all, false));
  AXLE_ASSIGN_OR_FAIL(hi, n.Binary<ir::MaxOp>(hi, n.Scalar(0, f32)));
  AXLE_ASSIGN_OR_FAIL(lo, n.Binary<ir::MinOp>(lo, n.Scalar(0, f32)));
  AXLE_ASSIGN_OR_FAIL(Value range, n.Binary<ir::SubOp>(hi, lo));
  AXLE_ASSIGN_OR_FAIL(Value scale, n.Binary<ir::DivOp>(range, n.Scalar(255, f32)));
  AXLE_ASSIGN_OR_FAIL(Value nlo, n.Unary<ir::NegOp>(lo));
  AXLE_ASSIGN_OR_FAIL(Value zf, n.Binary<ir::DivOp>(nlo, scale));
  AXLE_ASSIGN_OR_FAIL(zf, n.Unary<ir::RoundOp>(zf));
  auto clip = [&](Value v) {
    return n.Make<ir::ClipOp>(TypeOf(v), v, n.builder().getF32FloatAttr(0),
                              n.builder().getF32FloatAttr(255));
  };
  AXLE_ASSIGN_OR_FAIL(zf, clip(zf));
  Type u8 = mlir::IntegerType::get(n.context(), 8, mlir::IntegerType::Unsigned);
  AXLE_ASSIGN_OR_FAIL(Value zp, n.Cast(zf, u8));
  AXLE_ASSIGN_OR_FAIL(Value q, n.Binary<ir::DivOp>(x, scale));
  AXLE_ASSIGN_OR_FAIL(q, n.Unary<ir::RoundOp>(q));
  AXLE_ASSIGN_OR_FAIL(q, n.Binary<ir::AddOp>(q, zf));
  AXLE_ASSIGN_OR_FAIL(q, clip(q));
  AXLE_ASSIGN_OR_FAIL(q, n.Cast(q, u8));
  n.SetOutput(0, q);
  n.SetOutput(1, scale);
  n.SetOutput(2, zp);
  return mlir::success();
}

// MatMulInteger: (A - a_zero_point) (B - b_zero_point) in i32, computed exactly in f64.
LogicalResult ImportMatMulInteger(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value a, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value b, n.Input(1));
  AXLE_ASSIGN_OR_FAIL(Value az, n.Input(2, /*optional=*/true));
  AXLE_ASSIGN_OR_FAIL(Value bz, n.Input(3, /*optional=*/true));
  Type f64 = mlir::Float64Type::get(n.context());
  auto centered = [&](Value v, Value zp, int64_t zp_axis) -> mlir::FailureOr<Value> {
    AXLE_ASSIGN_OR_FAIL(Value f, n.Cast(v, f64));
    if (!zp) return f;
    AXLE_ASSIGN_OR_FAIL(Value z, n.Cast(zp, f64));
    if (TypeOf(z).getRank() == 1 && TypeOf(z).getNumElements() > 1) {  // per row / column
      SmallVector<int64_t> shape = {TypeOf(z).getNumElements(), 1};
      if (zp_axis == 1) shape = {1, TypeOf(z).getNumElements()};
      AXLE_ASSIGN_OR_FAIL(z, n.Reshape(z, shape));
    }
    return n.Binary<ir::SubOp>(f, z);
  };
  AXLE_ASSIGN_OR_FAIL(Value af, centered(a, az, 0));
  AXLE_ASSIGN_OR_FAIL(Value bf, centered(b, bz, 1));
  AXLE_ASSIGN_OR_FAIL(Value y, n.MatMul(af, bf));
  return n.Out(n.Cast(y, n.builder().getI32Type()));
}

}  // namespace

void RegisterQuantizationOps(OpRegistry& r) {
  r.On("QuantizeLinear", 10, ImportQdq<true>);
  r.On("DequantizeLinear", 10, ImportQdq<false>);
  r.On("DynamicQuantizeLinear", 11, ImportDynamicQuantizeLinear);
  r.On("MatMulInteger", 10, ImportMatMulInteger);
}

}  // namespace axle::importer
