// Reference MatMul (numpy semantics) and Gemm. Accumulates in double.
#include <type_traits>

#include "kernels/ref/broadcast.h"
#include "kernels/ref/ref_kernels.h"

namespace axle::ref {
namespace {

// The matrix part of a matmul operand: rows x cols, and its batch shape.
struct MatrixOperand {
  int64_t rows, cols;
  Shape batch;
};

MatrixOperand SplitMatmulOperand(const Shape& s, bool is_lhs) {
  MatrixOperand m{};
  if (s.rank == 1) {
    m.rows = is_lhs ? 1 : s.dims[0];
    m.cols = is_lhs ? s.dims[0] : 1;
    return m;
  }
  m.rows = s.dims[s.rank - 2];
  m.cols = s.dims[s.rank - 1];
  m.batch.rank = s.rank - 2;
  for (int d = 0; d < m.batch.rank; ++d) m.batch.dims[d] = s.dims[d];
  return m;
}

template <typename T>
void MatMulTyped(const TensorView& a, const TensorView& b, const TensorView& y) {
  const MatrixOperand ma = SplitMatmulOperand(a.shape, true);
  const MatrixOperand mb = SplitMatmulOperand(b.shape, false);
  const int64_t m = ma.rows, k = ma.cols, n = mb.cols;
  Shape batch;
  BroadcastShapes(ma.batch, mb.batch, &batch);
  const Shape* in[2] = {&ma.batch, &mb.batch};
  const T* pa = a.As<T>();
  const T* pb = b.As<T>();
  T* py = y.As<T>();
  auto one_matrix = [&](int64_t out_batch, const int64_t* off) {
    const T* am = pa + off[0] * m * k;
    const T* bm = pb + off[1] * k * n;
    T* ym = py + out_batch * m * n;
    if constexpr (std::is_same_v<T, float>) {
      MatMulRows(am, bm, nullptr, Activation::kNone, k, n, 0, m, ym);  // blocked, same sums
      return;
    }
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < k; ++p)
          acc += static_cast<double>(am[i * k + p]) * static_cast<double>(bm[p * n + j]);
        ym[i * n + j] = static_cast<T>(acc);
      }
  };
  if (batch.rank == 0) {
    const int64_t zero[2] = {0, 0};
    one_matrix(0, zero);
  } else {
    ForEachBroadcast<2>(batch, in, one_matrix);
  }
}

}  // namespace

void MatMul(const TensorView& a, const TensorView& b, const TensorView& y) {
  if (a.dtype == DType::kF64)
    MatMulTyped<double>(a, b, y);
  else
    MatMulTyped<float>(a, b, y);
}

void Gemm(const TensorView& a, const TensorView& b, const TensorView* c, float alpha, float beta,
          bool trans_a, bool trans_b, const TensorView& y) {
  const int64_t m = y.shape.dims[0], n = y.shape.dims[1];
  const int64_t k = trans_a ? a.shape.dims[0] : a.shape.dims[1];
  const float* pa = a.As<float>();
  const float* pb = b.As<float>();
  float* py = y.As<float>();
  int64_t c_strides[2] = {0, 0};
  if (c) BroadcastStrides(c->shape, y.shape, c_strides);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) {
        const float av = trans_a ? pa[p * m + i] : pa[i * k + p];
        const float bv = trans_b ? pb[j * k + p] : pb[p * n + j];
        acc += static_cast<double>(av) * static_cast<double>(bv);
      }
      double r = static_cast<double>(alpha) * acc;
      if (c) r += static_cast<double>(beta) * c->As<float>()[i * c_strides[0] + j * c_strides[1]];
      py[i * n + j] = static_cast<float>(r);
    }
}

}  // namespace axle::ref
