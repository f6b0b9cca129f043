// Reference Softmax and LayerNormalization. Statistics accumulate in double.
#include <cmath>

#include "kernels/ref/ref_kernels.h"

namespace axle::ref {
namespace {

int64_t Product(const Shape& s, int from, int to) {
  int64_t p = 1;
  for (int d = from; d < to; ++d) p *= s.dims[d];
  return p;
}

template <typename T>
void SoftmaxTyped(const TensorView& x, int axis, const TensorView& y) {
  const int64_t outer = Product(x.shape, 0, axis);
  const int64_t n = x.shape.dims[axis];
  const int64_t inner = Product(x.shape, axis + 1, x.shape.rank);
  const T* px = x.As<T>();
  T* py = y.As<T>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const T* xs = px + o * n * inner + i;
      T* ys = py + o * n * inner + i;
      double mx = -INFINITY;
      for (int64_t j = 0; j < n; ++j) mx = std::fmax(mx, static_cast<double>(xs[j * inner]));
      double sum = 0;
      for (int64_t j = 0; j < n; ++j) sum += std::exp(static_cast<double>(xs[j * inner]) - mx);
      for (int64_t j = 0; j < n; ++j)
        ys[j * inner] = static_cast<T>(std::exp(static_cast<double>(xs[j * inner]) - mx) / sum);
    }
}

template <typename T>
void LayerNormTyped(const TensorView& x, const TensorView& scale, const TensorView* bias, int axis,
                    float epsilon, const TensorView& y, const TensorView* mean,
                    const TensorView* inv_std_dev) {
  const int64_t outer = Product(x.shape, 0, axis);
  const int64_t inner = Product(x.shape, axis, x.shape.rank);
  const T* px = x.As<T>();
  const T* ps = scale.As<T>();
  const T* pb = bias ? bias->As<T>() : nullptr;
  const bool scalar_scale = scale.NumElements() == 1;
  const bool scalar_bias = bias && bias->NumElements() == 1;
  T* py = y.As<T>();
  for (int64_t o = 0; o < outer; ++o) {
    const T* xs = px + o * inner;
    T* ys = py + o * inner;
    double mu = 0;
    for (int64_t i = 0; i < inner; ++i) mu += static_cast<double>(xs[i]);
    mu = inner ? mu / static_cast<double>(inner) : 0.0;
    double var = 0;
    for (int64_t i = 0; i < inner; ++i) {
      const double d = static_cast<double>(xs[i]) - mu;
      var += d * d;
    }
    var = inner ? var / static_cast<double>(inner) : 0.0;
    const double rstd = 1.0 / std::sqrt(var + static_cast<double>(epsilon));
    for (int64_t i = 0; i < inner; ++i) {
      double v = (static_cast<double>(xs[i]) - mu) * rstd;
      v *= static_cast<double>(ps[scalar_scale ? 0 : i]);
      if (pb) v += static_cast<double>(pb[scalar_bias ? 0 : i]);
      ys[i] = static_cast<T>(v);
    }
    if (mean) mean->As<float>()[o] = static_cast<float>(mu);
    if (inv_std_dev) inv_std_dev->As<float>()[o] = static_cast<float>(rstd);
  }
}

}  // namespace

void Softmax(const TensorView& x, int axis, const TensorView& y) {
  if (x.dtype == DType::kF64)
    SoftmaxTyped<double>(x, axis, y);
  else
    SoftmaxTyped<float>(x, axis, y);
}

void LayerNorm(const TensorView& x, const TensorView& scale, const TensorView* bias, int axis,
               float epsilon, const TensorView& y, const TensorView* mean,
               const TensorView* inv_std_dev) {
  if (x.dtype == DType::kF64)
    LayerNormTyped<double>(x, scale, bias, axis, epsilon, y, mean, inv_std_dev);
  else
    LayerNormTyped<float>(x, scale, bias, axis, epsilon, y, mean, inv_std_dev);
}

}  // namespace axle::ref
