// Resize, Upsample and GridSample. The ONNX coordinate rules (every coordinate_transformation_mode,
// nearest rounding modes, linear, cubic with exclude_outside, tf_crop_and_resize extrapolation) are
// evaluated here, at compile time, into per-axis tap tables; the runtime's Resample kernel only
// forms the weighted sums.
#include <cmath>

#include "compiler/importer/ops/Common.h"

namespace axle::importer {
namespace {

struct ResizeAttrs {
  std::string mode = "nearest", transform = "half_pixel", nearest = "round_prefer_floor";
  double cubic_a = -0.75, extrapolation = 0.0;
  bool exclude_outside = false;
};

// Appends the taps (input index or -1 for "extrapolate", weight) of every output coordinate of
// one axis, `taps` per coordinate.
LogicalResult AxisTaps(NodeImporter& n, const ResizeAttrs& a, int64_t in, int64_t out, double scale,
                       double roi_start, double roi_end, int taps, SmallVector<double>* index,
                       SmallVector<double>* weight) {
  const double out_width = scale * in;  // the reference's float output width
  for (int64_t y = 0; y < out; ++y) {
    double x;
    const std::string& t = a.transform;
    if (t == "align_corners") {
      x = out_width == 1 ? 0.0 : y * (in - 1) / (out_width - 1);
    } else if (t == "asymmetric") {
      x = y / scale;
    } else if (t == "tf_crop_and_resize") {
      x = out_width == 1 ? (roi_end - roi_start) * (in - 1) / 2
                         : y * (roi_end - roi_start) * (in - 1) / (out_width - 1);
      x += roi_start * (in - 1);
    } else if (t == "pytorch_half_pixel") {
      x = out_width == 1 ? -0.5 : (y + 0.5) / scale - 0.5;
    } else if (t == "half_pixel") {
      x = (y + 0.5) / scale - 0.5;
    } else if (t == "half_pixel_symmetric") {
      const double offset = in / 2.0 * (1 - out / out_width);
      x = offset + (y + 0.5) / scale - 0.5;
    } else if (t == "tf_half_pixel_for_nn") {
      x = (y + 0.5) / scale;
    } else {
      return n.NodeError() << "coordinate_transformation_mode '" << t << "' is unknown";
    }
    SmallVector<double> idx, w;
    if (t == "tf_crop_and_resize" && (x < 0 || x > in - 1)) {
      for (int k = 0; k < taps; ++k) {
        idx.push_back(-1);
        w.push_back(0);
      }
    } else if (a.mode == "nearest") {
      // The reference picks between floor and ceil by the rounding mode (an integer x is itself).
      double r = x - std::floor(x);
      int64_t pick;
      if (r == 0) {
        pick = static_cast<int64_t>(x);
      } else {
        const std::string& m = a.nearest;
        bool up = m == "round_prefer_floor"  ? r > 0.5
                  : m == "round_prefer_ceil" ? r >= 0.5
                  : m == "floor"             ? false
                                             : true;
        if (m != "round_prefer_floor" && m != "round_prefer_ceil" && m != "floor" && m != "ceil")
          return n.NodeError() << "nearest_mode '" << m << "' is unknown";
        pick = static_cast<int64_t>(std::floor(x)) + (up ? 1 : 0);
      }
      idx.push_back(std::clamp<int64_t>(pick, 0, in - 1));
      w.push_back(1);
    } else {
      // The reference's neighbours: base = ceil(x) - 1, ratio in (0, 1].
      const int64_t base = static_cast<int64_t>(std::ceil(x)) - 1;
      const double r = x - base;
      SmallVector<int64_t> raw;
      if (a.mode == "linear") {
        raw = {base, base + 1};
        w = {1 - r, r};
      } else if (a.mode == "cubic") {
        const double A = a.cubic_a, s = 1 - r;
        raw = {base - 1, base, base + 1, base + 2};
        w = {((A * (r + 1) - 5 * A) * (r + 1) + 8 * A) * (r + 1) - 4 * A,
             ((A + 2) * r - (A + 3)) * r * r + 1, ((A + 2) * s - (A + 3)) * s * s + 1,
             ((A * (s + 1) - 5 * A) * (s + 1) + 8 * A) * (s + 1) - 4 * A};
      } else {
        return n.NodeError() << "mode '" << a.mode << "' is unknown";
      }
      if (a.exclude_outside) {
        double sum = 0;
        for (size_t k = 0; k < raw.size(); ++k) {
          if (raw[k] < 0 || raw[k] >= in) w[k] = 0;
          sum += w[k];
        }
        for (double& v : w) v = sum != 0 ? v / sum : 0;
      }
      for (int64_t i : raw) idx.push_back(std::clamp<int64_t>(i, 0, in - 1));  // edge padding
    }
    while (static_cast<int>(idx.size()) < taps) {
      idx.push_back(idx.back() < 0 ? -1 : 0);
      w.push_back(0);
    }
    index->append(idx.begin(), idx.end());
    weight->append(w.begin(), w.end());
  }
  return mlir::success();
}

// Emits the resample of x to `out_shape` with per-axis scales and (tf_crop_and_resize) roi.
LogicalResult Resample(NodeImporter& n, Value x, const ResizeAttrs& a,
                       llvm::ArrayRef<int64_t> out_shape, llvm::ArrayRef<double> scales,
                       llvm::ArrayRef<double> roi) {
  RankedTensorType t = TypeOf(x);
  if (!t.getElementType().isF32()) return n.NodeError() << "only f32 inputs are supported";
  const int64_t rank = t.getRank();
  const int taps = a.mode == "nearest" ? 1 : a.mode == "linear" ? 2 : 4;
  int64_t total = 0;
  for (int64_t d = 0; d < rank; ++d) {
    if (!(scales[d] > 0) || !std::isfinite(scales[d]) || out_shape[d] < 0 ||
        out_shape[d] > NodeImporter::kMaxComputedElements ||
        (t.getDimSize(d) == 0 && out_shape[d] > 0))
      return n.NodeError() << "dimension " << d << ": scale " << scales[d] << " and size "
                           << out_shape[d] << " from " << t.getDimSize(d)
                           << " (a scale must be finite and > 0)";
    total += out_shape[d];
  }
  if (mlir::failed(n.CheckComputedSize(total * taps, "the resize tap table")))
    return mlir::failure();
  SmallVector<double> index, weight;
  int64_t rows = 0;
  for (int64_t d = 0; d < rank; ++d) {
    const double rs = roi.empty() ? 0 : roi[d], re = roi.empty() ? 1 : roi[rank + d];
    if (mlir::failed(AxisTaps(n, a, t.getDimSize(d), out_shape[d], scales[d], rs, re, taps, &index,
                              &weight)))
      return mlir::failure();
    rows += out_shape[d];
  }
  if (rows == 0) {  // an empty output: a table of one unused row keeps the constants non-empty
    index.assign(taps, 0);
    weight.assign(taps, 0);
    rows = 1;
  }
  Value it = n.Const({rows, taps}, index, n.I64());
  Value wt = n.Const({rows, taps}, weight, n.F32());
  return n.Out(n.Make<ir::ResampleOp>(n.TensorType(out_shape, t.getElementType()), x, it, wt,
                                      n.builder().getF32FloatAttr(a.extrapolation)));
}

LogicalResult ImportResize(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  RankedTensorType t = TypeOf(x);
  const int64_t rank = t.getRank();
  ResizeAttrs a;
  a.mode = n.AttrString("mode", "nearest");
  a.transform = n.AttrString("coordinate_transformation_mode", "half_pixel");
  a.nearest = n.AttrString("nearest_mode", "round_prefer_floor");
  a.cubic_a = n.AttrFloat("cubic_coeff_a", -0.75f);
  a.exclude_outside = n.AttrInt("exclude_outside", 0) != 0;
  a.extrapolation = n.AttrFloat("extrapolation_value", 0.0f);
  if (n.AttrInt("antialias", 0) != 0) return n.NodeError() << "antialias is not supported";
  if (n.AttrString("keep_aspect_ratio_policy", "stretch") != "stretch")
    return n.NodeError() << "keep_aspect_ratio_policy other than stretch is not supported";
  if (n.opset() < 11) a.transform = "asymmetric";  // opset 10: no attribute, asymmetric
  SmallVector<int64_t> axes = n.AttrInts("axes");
  if (axes.empty())
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  for (int64_t& ax : axes) {
    AXLE_ASSIGN_OR_FAIL(ax, n.Axis(ax, rank));
  }
  SmallVector<double> roi, scales_in, scales(rank, 1.0);
  SmallVector<int64_t> sizes_in, out(t.getShape());
  const int scales_at = n.opset() < 11 ? 1 : 2;
  if (n.opset() >= 11 && n.HasInput(1)) {
    AXLE_ASSIGN_OR_FAIL(roi, n.ConstFloats(1, "roi"));
  }
  if (n.HasInput(scales_at)) {
    AXLE_ASSIGN_OR_FAIL(scales_in, n.ConstFloats(scales_at, "scales"));
  }
  if (n.opset() >= 11 && n.HasInput(3)) {
    AXLE_ASSIGN_OR_FAIL(sizes_in, n.ConstInts(3, "sizes"));
  }
  if (!sizes_in.empty() && !scales_in.empty())
    return n.NodeError() << "scales and sizes are both given";
  const size_t want = axes.size();
  if (!sizes_in.empty()) {
    if (sizes_in.size() != want)
      return n.NodeError() << sizes_in.size() << " sizes for " << want << " axes";
    for (size_t i = 0; i < want; ++i) {
      out[axes[i]] = sizes_in[i];
      scales[axes[i]] = static_cast<double>(sizes_in[i]) / t.getDimSize(axes[i]);
    }
  } else if (!scales_in.empty()) {
    if (scales_in.size() != want)
      return n.NodeError() << scales_in.size() << " scales for " << want << " axes";
    for (size_t i = 0; i < want; ++i) {
      const int64_t d = axes[i];
      scales[d] = scales_in[i];
      double extent = t.getDimSize(d);
      if (a.transform == "tf_crop_and_resize" && roi.size() == 2 * want)
        extent *= roi[want + i] - roi[i];
      const double size = std::floor(extent * scales_in[i]);
      out[d] =
          size >= 0 && size <= NodeImporter::kMaxComputedElements ? static_cast<int64_t>(size) : -1;
    }
  } else {
    return n.NodeError() << "one of scales and sizes is required";
  }
  // roi per listed axis -> per dimension (starts, then ends).
  SmallVector<double> roi_full;
  if (a.transform == "tf_crop_and_resize") {
    if (roi.size() != 2 * want) return n.NodeError() << "roi needs " << 2 * want << " values";
    roi_full.assign(2 * rank, 0.0);
    for (int64_t d = 0; d < rank; ++d) roi_full[rank + d] = 1.0;
    for (size_t i = 0; i < want; ++i) {
      roi_full[axes[i]] = roi[i];
      roi_full[rank + axes[i]] = roi[want + i];
    }
  }
  return Resample(n, x, a, out, scales, roi_full);
}

LogicalResult ImportUpsample(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  RankedTensorType t = TypeOf(x);
  SmallVector<double> scales;
  if (n.opset() >= 9) {
    AXLE_ASSIGN_OR_FAIL(scales, n.ConstFloats(1, "scales"));
  } else {
    for (float f : n.AttrFloats("scales")) scales.push_back(f);
  }
  if (static_cast<int64_t>(scales.size()) != t.getRank())
    return n.NodeError() << scales.size() << " scales for rank " << t.getRank();
  ResizeAttrs a;
  a.mode = n.AttrString("mode", "nearest");
  if (a.mode == "bilinear") a.mode = "linear";
  a.transform = "asymmetric";
  a.nearest = "floor";
  SmallVector<int64_t> out;
  for (int64_t d = 0; d < t.getRank(); ++d) {
    const double size = std::floor(t.getDimSize(d) * scales[d]);
    out.push_back(
        size >= 0 && size <= NodeImporter::kMaxComputedElements ? static_cast<int64_t>(size) : -1);
  }
  return Resample(n, x, a, out, scales, {});
}

// GridSample (opset 16's bilinear/bicubic names and opset 20's linear/cubic), 2-D.
LogicalResult ImportGridSample(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(Value x, n.Input(0));
  AXLE_ASSIGN_OR_FAIL(Value grid, n.Input(1));
  RankedTensorType xt = TypeOf(x), gt = TypeOf(grid);
  if (xt.getRank() != 4 || gt.getRank() != 4 || gt.getDimSize(3) != 2)
    return n.NodeError() << "input " << xt << " and grid " << gt
                         << " must be [N, C, H, W] and [N, Ho, Wo, 2] (2-D sampling)";
  std::string mode = n.AttrString("mode", n.opset() >= 20 ? "linear" : "bilinear");
  if (mode == "bilinear") mode = "linear";
  if (mode == "bicubic") mode = "cubic";
  auto& b = n.builder();
  return n.Out(n.Make<ir::GridSampleOp>(
      n.TensorType({xt.getDimSize(0), xt.getDimSize(1), gt.getDimSize(1), gt.getDimSize(2)},
                   xt.getElementType()),
      x, grid, b.getStringAttr(mode), b.getStringAttr(n.AttrString("padding_mode", "zeros")),
      b.getBoolAttr(n.AttrInt("align_corners", 0) != 0)));
}

}  // namespace

void RegisterResizeOps(OpRegistry& r) {
  r.On("Resize", 10, ImportResize);
  r.On("Upsample", 7, ImportUpsample, 9);
  r.On("GridSample", 16, ImportGridSample);
}

}  // namespace axle::importer
