// Signal-processing ops: the window functions (Hann, Hamming, Blackman) fold to constants of
// the (compile-time) size.
#include <cmath>

#include "compiler/importer/ops/Common.h"

namespace axle::importer {
namespace {

// w[n] = a0 - a1 cos(2 pi n / N) + a2 cos(4 pi n / N), N = size (periodic) or size - 1.
template <int kWindow>  // 0 Hann, 1 Hamming, 2 Blackman
LogicalResult ImportWindow(NodeImporter& n) {
  AXLE_ASSIGN_OR_FAIL(double size_value, n.ConstScalar(0, "size"));
  const int64_t size = static_cast<int64_t>(size_value);
  if (size < 0) return n.NodeError() << "size " << size << " is negative";
  if (mlir::failed(n.CheckComputedSize(size, "the window"))) return mlir::failure();
  const double a0 = kWindow == 0 ? 0.5 : kWindow == 1 ? 25.0 / 46.0 : 0.42;
  const double a1 = kWindow == 0 ? 0.5 : kWindow == 1 ? 21.0 / 46.0 : 0.5;
  const double a2 = kWindow == 2 ? 0.08 : 0.0;
  const double span = n.AttrInt("periodic", 1) ? size : size - 1;
  SmallVector<double> w;
  for (int64_t i = 0; i < size; ++i) {
    const double x = span > 0 ? 2 * M_PI * i / span : 0.0;
    w.push_back(a0 - a1 * std::cos(x) + a2 * std::cos(2 * x));
  }
  if (w.empty()) w.push_back(0);
  DType dtype;
  if (!onnx_io::DTypeFromOnnx(static_cast<int32_t>(n.AttrInt("output_datatype", 1)), &dtype))
    return n.NodeError() << "output_datatype " << n.AttrInt("output_datatype", 1)
                         << " is not supported";
  return n.Out(n.Const({size}, w, ir::ElementTypeOf(n.context(), dtype)));
}

}  // namespace

void RegisterSignalOps(OpRegistry& r) {
  r.On("HannWindow", 17, ImportWindow<0>);
  r.On("HammingWindow", 17, ImportWindow<1>);
  r.On("BlackmanWindow", 17, ImportWindow<2>);
}

}  // namespace axle::importer
