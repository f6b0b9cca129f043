// Convolution and pooling: Conv, ConvTranspose, Max/Average/Lp pooling (auto_pad, ceil_mode,
// dilations), the global pools as reductions, and Pad.
#include <cmath>

#include "compiler/importer/ops/Common.h"

namespace axle::importer {
namespace {

struct WindowAttrs {
  SmallVector<int64_t> kernel, strides, pads, dilations;
};

// Kernel, strides, dilations and explicit or auto_pad pads for `r` spatial dimensions of `in`
// (Conv and pooling: SAME pads make the output ceil(in / stride)).
mlir::FailureOr<WindowAttrs> Window(NodeImporter& n, llvm::ArrayRef<int64_t> in,
                                    llvm::ArrayRef<int64_t> kernel) {
  const int64_t r = in.size();
  WindowAttrs w;
  w.kernel.assign(kernel.begin(), kernel.end());
  w.strides = n.AttrInts("strides");
  w.dilations = n.AttrInts("dilations");
  w.pads = n.AttrInts("pads");
  if (w.strides.empty()) w.strides.assign(r, 1);
  if (w.dilations.empty()) w.dilations.assign(r, 1);
  if (w.pads.empty()) w.pads.assign(2 * r, 0);
  if (static_cast<int64_t>(w.kernel.size()) != r || static_cast<int64_t>(w.strides.size()) != r ||
      static_cast<int64_t>(w.dilations.size()) != r ||
      static_cast<int64_t>(w.pads.size()) != 2 * r) {
    n.NodeError() << "kernel_shape, strides, dilations and pads must cover the " << r
                  << " spatial dimensions";
    return mlir::failure();
  }
  for (int64_t d = 0; d < r; ++d)
    if (w.kernel[d] < 1 || w.strides[d] < 1 || w.dilations[d] < 1) {
      n.NodeError() << "kernel, stride and dilation must be >= 1 (spatial dimension " << d << ")";
      return mlir::failure();
    }
  const std::string auto_pad = n.AttrString("auto_pad", "NOTSET");
  if (auto_pad == "VALID") {
    w.pads.assign(2 * r, 0);
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (int64_t d = 0; d < r; ++d) {
      const int64_t out = (in[d] + w.strides[d] - 1) / w.strides[d];
      const int64_t total = std::max<int64_t>(
          0, (out - 1) * w.strides[d] + (w.kernel[d] - 1) * w.dilations[d] + 1 - in[d]);
      const int64_t small = total / 2, large = total - small;
      w.pads[d] = auto_pad == "SAME_UPPER" ? small : large;
      w.pads[r + d] = auto_pad == "SAME_UPPER" ? large : small;
    }
  } else if (auto_pad != "NOTSET") {
    n.NodeError() << "auto_pad '" << auto_pad << "' is unknown";
    return mlir::failure();
  }
  return w;
}

int64_t OutExtent(int64_t in, const WindowAttrs& w, int64_t d, bool ceil_mode) {
  const int64_t r = w.kernel.size();
  const int64_t span = in + w.pads[d] + w.pads[r + d] - ((w.kernel[d] - 1) * w.dilations[d] + 1);
  if (span < 0) return 0;
  int64_t out = (ceil_mode ? (span + w.strides[d] - 1) / w.strides[d] : span / w.strides[d]) + 1;
  // A last window that would start inside the end padding is dropped (as PyTorch and ORT do).
  if (ceil_mode && (out - 1) * w.strides[d] >= in + w.pads[d]) --out;
  return out;
}

LogicalResult ImportConv(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value w, n.Input(1));
  AXLE_ASSIGN_OR_FAIL(Value b, n.Input(2, /*optional=*/true));
  RankedTensorType xt = TypeOf(x), wt = TypeOf(w);
  if (xt.getRank() < 3 || wt.getRank() != xt.getRank())
    return n.NodeError() << "input " << xt << " and weight " << wt
                         << " must have the same rank, at least 3";
  const int64_t group = n.AttrInt("group", 1);
  const int64_t c = xt.getDimSize(1), m = wt.getDimSize(0);
  if (group < 1 || c % group || m % group || wt.getDimSize(1) != c / group)
    return n.NodeError() << "weight " << wt << " does not fit " << c << " input channels in "
                         << group << " groups";
  SmallVector<int64_t> kernel(wt.getShape().drop_front(2));
  if (const auto* a = n.Attr("kernel_shape"))
    if (!llvm::equal(kernel, a->ints()))
      return n.NodeError() << "kernel_shape differs from the weight's spatial dimensions";
  AXLE_ASSIGN_OR_FAIL(WindowAttrs win, Window(n, xt.getShape().drop_front(2), kernel));
  SmallVector<int64_t> shape = {xt.getDimSize(0), m};
  for (int64_t d = 0; d + 2 < xt.getRank(); ++d)
    shape.push_back(OutExtent(xt.getDimSize(d + 2), win, d, false));
  auto& bld = n.builder();
  return n.Out(
      n.Make<ir::ConvOp>(n.TensorType(shape, xt.getElementType()), x, w, b,
                         bld.getDenseI64ArrayAttr(win.strides), bld.getDenseI64ArrayAttr(win.pads),
                         bld.getDenseI64ArrayAttr(win.dilations), bld.getI64IntegerAttr(group)));
}

LogicalResult ImportConvTranspose(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value w, n.Input(1));
  AXLE_ASSIGN_OR_FAIL(Value b, n.Input(2, /*optional=*/true));
  RankedTensorType xt = TypeOf(x), wt = TypeOf(w);
  const int64_t r = xt.getRank() - 2;
  if (r < 1 || wt.getRank() != xt.getRank())
    return n.NodeError() << "input " << xt << " and weight " << wt
                         << " must have the same rank, at least 3";
  const int64_t group = n.AttrInt("group", 1);
  if (group < 1 || wt.getDimSize(0) != xt.getDimSize(1) || xt.getDimSize(1) % group)
    return n.NodeError() << "weight " << wt << " does not fit input " << xt << " with group "
                         << group;
  SmallVector<int64_t> kernel(wt.getShape().drop_front(2));
  SmallVector<int64_t> strides = n.AttrInts("strides"), dilations = n.AttrInts("dilations"),
                       pads = n.AttrInts("pads"), out_pad = n.AttrInts("output_padding"),
                       out_shape = n.AttrInts("output_shape");
  if (strides.empty()) strides.assign(r, 1);
  if (dilations.empty()) dilations.assign(r, 1);
  if (pads.empty()) pads.assign(2 * r, 0);
  if (out_pad.empty()) out_pad.assign(r, 0);
  if (static_cast<int64_t>(strides.size()) != r || static_cast<int64_t>(dilations.size()) != r ||
      static_cast<int64_t>(pads.size()) != 2 * r || static_cast<int64_t>(out_pad.size()) != r)
    return n.NodeError() << "strides, dilations, pads and output_padding must cover the " << r
                         << " spatial dimensions";
  if (out_shape.size() > static_cast<size_t>(r))
    out_shape.erase(out_shape.begin(), out_shape.end() - r);
  const std::string auto_pad = n.AttrString("auto_pad", "NOTSET");
  const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
  if (same && out_shape.empty())
    for (int64_t d = 0; d < r; ++d) out_shape.push_back(xt.getDimSize(d + 2) * strides[d]);
  if (auto_pad == "VALID") pads.assign(2 * r, 0);
  SmallVector<int64_t> shape = {xt.getDimSize(0), wt.getDimSize(1) * group};
  for (int64_t d = 0; d < r; ++d) {
    const int64_t full =
        strides[d] * (xt.getDimSize(d + 2) - 1) + out_pad[d] + (kernel[d] - 1) * dilations[d] + 1;
    if (!out_shape.empty()) {
      const int64_t total = full - out_shape[d];
      // Floor division, as the ONNX reference: a negative total pads the end.
      const int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);
      pads[d] = auto_pad == "SAME_UPPER" ? half : total - half;
      pads[r + d] = total - pads[d];
      shape.push_back(out_shape[d]);
    } else {
      shape.push_back(full - pads[d] - pads[r + d]);
    }
  }
  auto& bld = n.builder();
  return n.Out(n.Make<ir::ConvTransposeOp>(
      n.TensorType(shape, xt.getElementType()), x, w, b, bld.getDenseI64ArrayAttr(strides),
      bld.getDenseI64ArrayAttr(pads), bld.getDenseI64ArrayAttr(dilations),
      bld.getI64IntegerAttr(group)));
}

template <int kKind>  // 0 max, 1 average, 2 lp
LogicalResult ImportPool(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  RankedTensorType xt = TypeOf(x);
  if (xt.getRank() < 3) return n.NodeError() << "input " << xt << " must have rank >= 3";
  if (kKind == 0 && n.HasOutput(1))
    return n.NodeError() << "the Indices output of MaxPool is not supported";
  if (n.AttrInt("storage_order", 0) != 0)
    return n.NodeError() << "storage_order 1 is not supported";
  AXLE_ASSIGN_OR_FAIL(WindowAttrs win,
                      Window(n, xt.getShape().drop_front(2), n.AttrInts("kernel_shape")));
  // Max pooling of 8- and 16-bit integers: exact through f32 (the kernel's type).
  Type et = xt.getElementType();
  const bool via_f32 = kKind == 0 && et.isInteger() && et.getIntOrFloatBitWidth() <= 16;
  if (via_f32) {
    AXLE_ASSIGN_OR_FAIL(x, n.Cast(x, n.F32()));
  }
  const bool ceil_mode = n.AttrInt("ceil_mode", 0) != 0;
  SmallVector<int64_t> shape(xt.getShape().take_front(2));
  for (int64_t d = 0; d + 2 < xt.getRank(); ++d)
    shape.push_back(OutExtent(xt.getDimSize(d + 2), win, d, ceil_mode));
  auto& b = n.builder();
  AXLE_ASSIGN_OR_FAIL(
      Value y,
      n.Make<ir::PoolOp>(n.TensorType(shape, TypeOf(x).getElementType()), x,
                         b.getStringAttr(kKind == 0   ? "max"
                                         : kKind == 1 ? "average"
                                                      : "lp"),
                         b.getDenseI64ArrayAttr(win.kernel), b.getDenseI64ArrayAttr(win.strides),
                         b.getDenseI64ArrayAttr(win.pads), b.getDenseI64ArrayAttr(win.dilations),
                         b.getBoolAttr(n.AttrInt("count_include_pad", 0) != 0),
                         b.getI64IntegerAttr(n.AttrInt("p", 2)), b.getBoolAttr(false)));
  return n.Out(via_f32 ? n.Cast(y, et) : mlir::FailureOr<Value>(y));
}

template <int kKind>  // 0 max, 1 average, 2 lp
LogicalResult ImportGlobalPool(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < TypeOf(x).getRank(); ++d) axes.push_back(d);
  if (kKind == 0) return n.Out(n.Reduce<ir::ReduceMaxOp>(x, axes, true));
  if (kKind == 1) return n.Out(n.Reduce<ir::ReduceMeanOp>(x, axes, true));
  Type et = TypeOf(x).getElementType();
  const double p = n.AttrInt("p", 2);
  AXLE_ASSIGN_OR_FAIL(Value a, n.Unary<ir::AbsOp>(x));
  AXLE_ASSIGN_OR_FAIL(Value ap, n.Binary<ir::PowOp>(a, n.Scalar(p, et)));
  AXLE_ASSIGN_OR_FAIL(Value s, n.Reduce<ir::ReduceSumOp>(ap, axes, true));
  return n.Out(n.Binary<ir::PowOp>(s, n.Scalar(1.0 / p, et)));
}

LogicalResult ImportPad(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  RankedTensorType t = TypeOf(x);
  const int64_t rank = t.getRank();
  SmallVector<int64_t> pads;
  double value = n.AttrFloat("value", 0.0f);
  if (n.opset() < 11) {
    pads = n.AttrInts("pads");
  } else {
    AXLE_ASSIGN_OR_FAIL(pads, n.ConstInts(1, "pads"));
    if (mlir::failed(n.OptionalConstScalar(2, "constant_value", &value))) return mlir::failure();
  }
  SmallVector<int64_t> axes;
  if (mlir::failed(n.OptionalConstInts(3, "axes", &axes))) return mlir::failure();
  if (!axes.empty()) {  // opset 18: pads for the listed axes only
    if (pads.size() != 2 * axes.size())
      return n.NodeError() << pads.size() << " pads for " << axes.size() << " axes";
    SmallVector<int64_t> full(2 * rank, 0);
    for (size_t i = 0; i < axes.size(); ++i) {
      AXLE_ASSIGN_OR_FAIL(int64_t a, n.Axis(axes[i], rank));
      full[a] = pads[i];
      full[rank + a] = pads[axes.size() + i];
    }
    pads = full;
  }
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    return n.NodeError() << pads.size() << " pads for rank " << rank;
  // Negative pads crop: a slice after padding by the positive parts.
  SmallVector<int64_t> positive(pads), starts, ends, shape;
  bool crop = false;
  for (int64_t d = 0; d < rank; ++d) {
    crop |= pads[d] < 0 || pads[rank + d] < 0;
    positive[d] = std::max<int64_t>(pads[d], 0);
    positive[rank + d] = std::max<int64_t>(pads[rank + d], 0);
    shape.push_back(t.getDimSize(d) + positive[d] + positive[rank + d]);
  }
  const std::string mode = n.AttrString("mode", "constant");
  auto& b = n.builder();
  AXLE_ASSIGN_OR_FAIL(
      Value y, n.Make<ir::PadOp>(n.TensorType(shape, t.getElementType()), x, b.getStringAttr(mode),
                                 b.getDenseI64ArrayAttr(positive), b.getF64FloatAttr(value)));
  if (!crop) return n.Out(y);
  SmallVector<int64_t> axes_all;
  for (int64_t d = 0; d < rank; ++d) {
    starts.push_back(pads[d] < 0 ? -pads[d] : 0);
    ends.push_back(shape[d] - (pads[rank + d] < 0 ? -pads[rank + d] : 0));
    axes_all.push_back(d);
  }
  return n.Out(n.Slice(y, starts, ends, axes_all, {}));
}

}  // namespace

void RegisterConvPoolOps(OpRegistry& r) {
  r.On("Conv", 1, ImportConv);
  r.On("ConvTranspose", 1, ImportConvTranspose);
  r.On("MaxPool", 1, ImportPool<0>);
  r.On("AveragePool", 1, ImportPool<1>);
  r.On("LpPool", 2, ImportPool<2>);
  r.On("GlobalMaxPool", 1, ImportGlobalPool<0>);
  r.On("GlobalAveragePool", 1, ImportGlobalPool<1>);
  r.On("GlobalLpPool", 2, ImportGlobalPool<2>);
  r.On("Pad", 2, ImportPad);
}

}  // namespace axle::importer
