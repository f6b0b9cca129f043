// Shape and data-movement ops: reshapes, transposes, slicing, concatenation, constants and shape
// queries (which fold to constants: Axle compiles static shapes), and the ops decomposed into
// them (Tile, DepthToSpace, SpaceToDepth, Trilu, Range, EyeLike).
#include <cmath>

#include "compiler/importer/ops/Common.h"

namespace axle::importer {
namespace {

LogicalResult ImportIdentity(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  return n.Out(x);
}

LogicalResult ImportDropout(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  if (n.opset() >= 12) {
    // Training mode draws a random mask unless the ratio is 0 (then it is the identity).
    double training = 0, ratio = 0.5;
    if (mlir::failed(n.OptionalConstScalar(2, "training_mode", &training)) ||
        (training != 0 && mlir::failed(n.OptionalConstScalar(1, "ratio", &ratio))))
      return mlir::failure();
    if (training != 0 && ratio != 0)
      return n.NodeError() << "training mode with ratio " << ratio
                           << " is random; Axle compiles inference (training_mode false)";
  }
  n.SetOutput(0, x);
  if (n.HasOutput(1)) {  // the mask of an inference Dropout keeps everything
    AXLE_ASSIGN_OR_FAIL(Value mask, n.Expand(n.Scalar(1, n.I1()), TypeOf(x).getShape()));
    n.SetOutput(1, mask);
  }
  return mlir::success();
}

LogicalResult ImportTranspose(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  SmallVector<int64_t> perm = n.AttrInts("perm");
  if (perm.empty())
    for (int64_t d = TypeOf(x).getRank() - 1; d >= 0; --d) perm.push_back(d);
  return n.Out(n.Transpose(x, perm));
}

// ONNX Reshape's 0 (copy the input's dimension, unless allowzero) and -1 (inferred).
mlir::FailureOr<SmallVector<int64_t>> ReshapeTarget(NodeImporter& n, RankedTensorType t,
                                                    SmallVector<int64_t> shape, bool allowzero) {
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allowzero) {
      if (static_cast<int64_t>(i) >= t.getRank()) {
        n.NodeError() << "shape entry " << i << " is 0 but the input has rank " << t.getRank();
        return mlir::failure();
      }
      shape[i] = t.getDimSize(i);
    }
    if (shape[i] == -1) {
      if (infer >= 0) {
        n.NodeError() << "shape has more than one -1";
        return mlir::failure();
      }
      infer = i;
    } else if (shape[i] < 0) {
      n.NodeError() << "shape entry " << i << " is " << shape[i];
      return mlir::failure();
    } else if (__builtin_mul_overflow(known, shape[i], &known)) {
      n.NodeError() << "shape " << llvm::ArrayRef<int64_t>(shape) << " overflows 64 bits";
      return mlir::failure();
    }
  }
  if (infer >= 0) {
    if (known == 0 || t.getNumElements() % known != 0) {
      n.NodeError() << "cannot infer the -1 dimension of " << t << " reshaped";
      return mlir::failure();
    }
    shape[infer] = t.getNumElements() / known;
  }
  int64_t count = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(count, d, &count)) count = -1;
  if (count != t.getNumElements()) {
    n.NodeError() << "cannot reshape " << t << " (" << t.getNumElements() << " elements) to "
                  << count << " elements";
    return mlir::failure();
  }
  return shape;
}

LogicalResult ImportReshape(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  SmallVector<int64_t> target;
  if (n.opset() < 5) {
    target = n.AttrInts("shape");
  } else {
    AXLE_ASSIGN_OR_FAIL(target, n.ConstInts(1, "shape"));
  }
  AXLE_ASSIGN_OR_FAIL(SmallVector<int64_t> shape,
                      ReshapeTarget(n, TypeOf(x), target, n.AttrInt("allowzero", 0) != 0));
  return n.Out(n.Reshape(x, shape));
}

LogicalResult ImportFlatten(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  RankedTensorType t = TypeOf(x);
  const int64_t rank = t.getRank();
  int64_t axis = n.AttrInt("axis", 1);
  if (axis < -rank || axis > rank) return n.NodeError() << "axis " << axis << " out of range";
  if (axis < 0) axis += rank;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d) (d < axis ? outer : inner) *= t.getDimSize(d);
  return n.Out(n.Reshape(x, {outer, inner}));
}

template <bool kUnsqueeze>
LogicalResult ImportSqueezeLike(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  RankedTensorType t = TypeOf(x);
  SmallVector<int64_t> axes = n.AttrInts("axes");  // before opset 13
  if (n.opset() >= 13 && mlir::failed(n.OptionalConstInts(1, "axes", &axes)))
    return mlir::failure();
  SmallVector<int64_t> shape;
  if (kUnsqueeze) {
    const int64_t rank = t.getRank() + axes.size();
    SmallVector<bool> inserted(rank, false);
    for (int64_t a : axes) {
      AXLE_ASSIGN_OR_FAIL(int64_t d, n.Axis(a, rank));
      if (inserted[d]) return n.NodeError() << "axis " << d << " is listed twice";
      inserted[d] = true;
    }
    int64_t next = 0;
    for (int64_t d = 0; d < rank; ++d) shape.push_back(inserted[d] ? 1 : t.getDimSize(next++));
  } else {
    SmallVector<bool> removed(t.getRank(), axes.empty());
    for (int64_t a : axes) {
      AXLE_ASSIGN_OR_FAIL(int64_t d, n.Axis(a, t.getRank()));
      if (t.getDimSize(d) != 1)
        return n.NodeError() << "cannot squeeze axis " << d << " of size " << t.getDimSize(d);
      removed[d] = true;
    }
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (!(removed[d] && t.getDimSize(d) == 1)) shape.push_back(t.getDimSize(d));
  }
  return n.Out(n.Reshape(x, shape));
}

LogicalResult ImportExpand(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(SmallVector<int64_t> target, n.ConstInts(1, "shape"));
  return n.Out(n.Expand(x, target));
}

LogicalResult ImportConcat(NodeImporter& n) {
  SmallVector<Value> inputs;
  for (int i = 0; i < n.num_inputs(); ++i) {
    AXLE_ASSIGN_OR_FAIL(Value x, n.Input(i));
    if (TypeOf(x).getNumElements() != 0 || inputs.empty()) inputs.push_back(x);
  }
  if (inputs.empty()) return n.NodeError() << "no inputs";
  AXLE_ASSIGN_OR_FAIL(int64_t axis, n.Axis(n.AttrInt("axis", 0), TypeOf(inputs[0]).getRank()));
  return n.Out(n.Concat(inputs, axis));
}

LogicalResult ImportSliceV1(NodeImporter& n) {  // bounds were attributes
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  return n.Out(n.Slice(x, n.AttrInts("starts"), n.AttrInts("ends"), n.AttrInts("axes"), {}));
}

LogicalResult ImportSlice(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(SmallVector<int64_t> starts, n.ConstInts(1, "starts"));
  AXLE_ASSIGN_OR_FAIL(SmallVector<int64_t> ends, n.ConstInts(2, "ends"));
  SmallVector<int64_t> axes, steps;
  if (mlir::failed(n.OptionalConstInts(3, "axes", &axes)) ||
      mlir::failed(n.OptionalConstInts(4, "steps", &steps)))
    return mlir::failure();
  return n.Out(n.Slice(x, starts, ends, axes, steps));
}

LogicalResult ImportSplit(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  RankedTensorType t = TypeOf(x);
  AXLE_ASSIGN_OR_FAIL(int64_t axis, n.Axis(n.AttrInt("axis", 0), t.getRank()));
  const int64_t dim = t.getDimSize(axis);
  SmallVector<int64_t> sizes = n.AttrInts("split");  // before opset 13
  if (n.opset() >= 13 && mlir::failed(n.OptionalConstInts(1, "split", &sizes)))
    return mlir::failure();
  if (sizes.empty()) {
    const int64_t parts = n.Attr("num_outputs") ? n.AttrInt("num_outputs", 1) : n.num_outputs();
    if (parts <= 0) return n.NodeError() << "num_outputs must be positive";
    const int64_t chunk = (dim + parts - 1) / parts;
    for (int64_t i = 0; i < parts; ++i)
      sizes.push_back(std::max<int64_t>(0, std::min(chunk, dim - i * chunk)));
  }
  if (static_cast<int>(sizes.size()) != n.num_outputs())
    return n.NodeError() << "split has " << sizes.size() << " sizes for " << n.num_outputs()
                         << " outputs";
  int64_t begin = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    AXLE_ASSIGN_OR_FAIL(Value v, n.Slice(x, {begin}, {begin + sizes[i]}, {axis}, {1}));
    n.SetOutput(i, v);
    begin += sizes[i];
  }
  if (begin != dim) return n.NodeError() << "split sizes add up to " << begin << ", not " << dim;
  return mlir::success();
}

LogicalResult ImportConstant(NodeImporter& n) {
  if (const auto* a = n.Attr("value")) return n.Out(n.Constant(a->t()));
  onnx::TensorProto t;
  if (const auto* a = n.Attr("value_float")) {
    t.set_data_type(onnx::TensorProto::FLOAT);
    t.add_float_data(a->f());
  } else if (const auto* a = n.Attr("value_floats")) {
    t.set_data_type(onnx::TensorProto::FLOAT);
    t.add_dims(a->floats_size());
    for (float f : a->floats()) t.add_float_data(f);
  } else if (const auto* a = n.Attr("value_int")) {
    t.set_data_type(onnx::TensorProto::INT64);
    t.add_int64_data(a->i());
  } else if (const auto* a = n.Attr("value_ints")) {
    t.set_data_type(onnx::TensorProto::INT64);
    t.add_dims(a->ints_size());
    for (int64_t i : a->ints()) t.add_int64_data(i);
  } else {
    return n.NodeError() << "only value, value_float(s) and value_int(s) are supported";
  }
  return n.Out(n.Constant(t));
}

template <bool kSize>
LogicalResult ImportShapeOf(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  llvm::ArrayRef<int64_t> dims = TypeOf(x).getShape();
  if (kSize) return n.Out(n.Scalar(TypeOf(x).getNumElements(), n.I64()));
  const int64_t rank = dims.size();
  int64_t start = n.AttrInt("start", 0), end = n.AttrInt("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, 0, rank);
  SmallVector<double> values;
  for (int64_t d = start; d < end; ++d) values.push_back(dims[d]);
  return n.Out(n.Const({static_cast<int64_t>(values.size())}, values, n.I64()));
}

LogicalResult ImportConstantOfShape(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(SmallVector<int64_t> shape, n.ConstInts(0, "shape"));
  onnx::TensorProto t;
  if (const auto* a = n.Attr("value")) {
    t = a->t();
  } else {
    t.set_data_type(onnx::TensorProto::FLOAT);
    t.add_float_data(0.0f);
  }
  t.clear_dims();
  AXLE_ASSIGN_OR_FAIL(Value scalar, n.Constant(t));
  return n.Out(n.Make<ir::ExpandOp>(n.TensorType(shape, TypeOf(scalar).getElementType()), scalar));
}

// Tile: x [d0, d1] as [1, d0, 1, d1], broadcast to [r0, d0, r1, d1], then [r0 d0, r1 d1].
LogicalResult ImportTile(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(SmallVector<int64_t> reps, n.ConstInts(1, "repeats"));
  RankedTensorType t = TypeOf(x);
  if (static_cast<int64_t>(reps.size()) != t.getRank())
    return n.NodeError() << "repeats has " << reps.size() << " entries for rank " << t.getRank();
  SmallVector<int64_t> spread, wide, out;
  for (int64_t d = 0; d < t.getRank(); ++d) {
    if (reps[d] < 0) return n.NodeError() << "repeat " << reps[d] << " is negative";
    int64_t extent;
    if (__builtin_mul_overflow(reps[d], t.getDimSize(d), &extent))
      return n.NodeError() << "repeat " << reps[d] << " of dimension " << d << " overflows";
    spread.append({1, t.getDimSize(d)});
    wide.append({reps[d], t.getDimSize(d)});
    out.push_back(extent);
  }
  AXLE_ASSIGN_OR_FAIL(Value s, n.Reshape(x, spread));
  AXLE_ASSIGN_OR_FAIL(Value w, n.Expand(s, wide));
  return n.Out(n.Reshape(w, out));
}

template <bool kToSpace>
LogicalResult ImportDepthSpace(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  RankedTensorType t = TypeOf(x);
  const int64_t b = n.AttrInt("blocksize", 0);
  if (t.getRank() != 4 || b <= 0) return n.NodeError() << "needs a 4-D input and a blocksize > 0";
  const int64_t N = t.getDimSize(0), C = t.getDimSize(1), H = t.getDimSize(2), W = t.getDimSize(3);
  if (kToSpace) {
    if (C % (b * b)) return n.NodeError() << "channels " << C << " not divisible by blocksize^2";
    const bool crd = n.AttrString("mode", "DCR") == "CRD";
    const int64_t c = C / (b * b);
    SmallVector<int64_t> split =
        crd ? SmallVector<int64_t>{N, c, b, b, H, W} : SmallVector<int64_t>{N, b, b, c, H, W};
    SmallVector<int64_t> perm =
        crd ? SmallVector<int64_t>{0, 1, 4, 2, 5, 3} : SmallVector<int64_t>{0, 3, 4, 1, 5, 2};
    AXLE_ASSIGN_OR_FAIL(Value r, n.Reshape(x, split));
    AXLE_ASSIGN_OR_FAIL(Value p, n.Transpose(r, perm));
    return n.Out(n.Reshape(p, {N, c, H * b, W * b}));
  }
  if (H % b || W % b) return n.NodeError() << "spatial size not divisible by the blocksize";
  AXLE_ASSIGN_OR_FAIL(Value r, n.Reshape(x, {N, C, H / b, b, W / b, b}));
  AXLE_ASSIGN_OR_FAIL(Value p, n.Transpose(r, {0, 3, 5, 1, 2, 4}));
  return n.Out(n.Reshape(p, {N, C * b * b, H / b, W / b}));
}

// Trilu: a compile-time mask of the last two dimensions selects x or 0.
LogicalResult ImportTrilu(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  double k = 0;
  if (mlir::failed(n.OptionalConstScalar(1, "k", &k))) return mlir::failure();
  RankedTensorType t = TypeOf(x);
  if (t.getRank() < 2) return n.NodeError() << "input must have rank >= 2";
  const int64_t rows = t.getDimSize(t.getRank() - 2), cols = t.getDimSize(t.getRank() - 1);
  if (mlir::failed(n.CheckComputedSize(rows * cols, "the Trilu mask"))) return mlir::failure();
  const bool upper = n.AttrInt("upper", 1) != 0;
  SmallVector<double> mask;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) mask.push_back(upper ? j - i >= k : j - i <= k);
  Value m = n.Const({rows, cols}, mask, n.I1());
  return n.Out(n.Where(m, x, n.Scalar(0, t.getElementType())));
}

// Range with constant bounds folds to a constant (its length depends on the values).
LogicalResult ImportRange(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(double start, n.ConstScalar(0, "start"));
  AXLE_ASSIGN_OR_FAIL(double limit, n.ConstScalar(1, "limit"));
  AXLE_ASSIGN_OR_FAIL(double delta, n.ConstScalar(2, "delta"));
  AXLE_ASSIGN_OR_FAIL(Value s, n.Input(0));
  if (delta == 0) return n.NodeError() << "delta is 0";
  const double span = std::ceil((limit - start) / delta);
  if (!(span <= static_cast<double>(NodeImporter::kMaxComputedElements)))
    return n.CheckComputedSize(NodeImporter::kMaxComputedElements + 1, "the range");
  const int64_t count = std::max<int64_t>(0, static_cast<int64_t>(span));
  SmallVector<double> values;
  for (int64_t i = 0; i < count; ++i) values.push_back(start + i * delta);
  if (values.empty()) values.push_back(0);
  return n.Out(n.Const({count}, values, TypeOf(s).getElementType()));
}

LogicalResult ImportEyeLike(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  RankedTensorType t = TypeOf(x);
  if (t.getRank() != 2) return n.NodeError() << "input must have rank 2";
  Type et = t.getElementType();
  if (const auto* a = n.Attr("dtype")) {
    DType d;
    if (!onnx_io::DTypeFromOnnx(static_cast<int32_t>(a->i()), &d))
      return n.NodeError() << "dtype " << onnx_io::OnnxTypeName(a->i()) << " is not supported";
    et = ir::ElementTypeOf(n.context(), d);
  }
  const int64_t k = n.AttrInt("k", 0);
  if (mlir::failed(n.CheckComputedSize(t.getNumElements(), "the EyeLike result")))
    return mlir::failure();
  SmallVector<double> v;
  for (int64_t i = 0; i < t.getDimSize(0); ++i)
    for (int64_t j = 0; j < t.getDimSize(1); ++j) v.push_back(j - i == k ? 1 : 0);
  if (v.empty()) v.push_back(0);
  return n.Out(n.Const(t.getShape(), v, et));
}

}  // namespace

void RegisterShapeOps(OpRegistry& r) {
  r.On("Identity", 1, ImportIdentity);
  r.On("Dropout", 7, ImportDropout);
  r.On("Transpose", 1, ImportTranspose);
  r.On("Reshape", 5, ImportReshape);
  r.On("Flatten", 1, ImportFlatten);
  r.On("Squeeze", 1, ImportSqueezeLike<false>);
  r.On("Unsqueeze", 1, ImportSqueezeLike<true>);
  r.On("Expand", 8, ImportExpand);
  r.On("Concat", 4, ImportConcat);
  r.On("Slice", 1, ImportSliceV1, 9);
  r.On("Slice", 10, ImportSlice);
  r.On("Split", 2, ImportSplit);
  r.On("Constant", 1, ImportConstant);
  r.On("Shape", 1, ImportShapeOf<false>);
  r.On("Size", 1, ImportShapeOf<true>);
  r.On("ConstantOfShape", 9, ImportConstantOfShape);
  r.On("Tile", 6, ImportTile);
  r.On("DepthToSpace", 1, ImportDepthSpace<true>);
  r.On("SpaceToDepth", 1, ImportDepthSpace<false>);
  r.On("Trilu", 14, ImportTrilu);
  r.On("Range", 11, ImportRange);
  r.On("EyeLike", 9, ImportEyeLike);
}

}  // namespace axle::importer
