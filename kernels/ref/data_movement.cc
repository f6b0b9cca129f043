// Reference data-movement kernels: Transpose, Copy (Reshape), Concat, Slice, Gather.
#include <cstring>

#include "kernels/ref/dtype_visit.h"
#include "kernels/ref/ref_kernels.h"

namespace axle::ref {
namespace {

void ContiguousStrides(const Shape& s, int64_t* strides) {
  int64_t stride = 1;
  for (int d = s.rank - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= s.dims[d];
  }
}

// Walks y's elements in order while `in_off` follows x along per-output-dimension strides.
template <typename T>
void StridedGather(const T* px, int64_t base, const int64_t* strides, const TensorView& y) {
  T* py = y.As<T>();
  const int64_t total = y.NumElements();
  if (total == 0) return;
  const Shape& s = y.shape;
  int64_t index[kMaxRank] = {};
  int64_t off = base;
  for (int64_t i = 0; i < total; ++i) {
    py[i] = px[off];
    for (int d = s.rank - 1; d >= 0; --d) {
      if (++index[d] < s.dims[d]) {
        off += strides[d];
        break;
      }
      off -= strides[d] * (s.dims[d] - 1);
      index[d] = 0;
    }
  }
}

}  // namespace

void Transpose(const TensorView& x, const int64_t* perm, const TensorView& y) {
  int64_t in_strides[kMaxRank], strides[kMaxRank];
  ContiguousStrides(x.shape, in_strides);
  for (int d = 0; d < y.shape.rank; ++d) strides[d] = in_strides[perm[d]];
  VisitBytes(DTypeSize(x.dtype), [&](auto tag) {
    using T = decltype(tag);
    StridedGather<T>(x.As<T>(), 0, strides, y);
  });
}

void Copy(const TensorView& x, const TensorView& y) {
  if (x.data != y.data && x.NumBytes() > 0) std::memmove(y.data, x.data, x.NumBytes());
}

void Slice(const TensorView& x, const int64_t* starts, const int64_t* steps, const TensorView& y) {
  int64_t in_strides[kMaxRank], strides[kMaxRank];
  ContiguousStrides(x.shape, in_strides);
  int64_t base = 0;
  for (int d = 0; d < x.shape.rank; ++d) {
    base += starts[d] * in_strides[d];
    strides[d] = steps[d] * in_strides[d];
  }
  const int r = x.shape.rank;
  if (r > 0 && steps[r - 1] == 1) {
    // Unit step along the last axis: copy whole output rows (the QKV split of a packed linear).
    const size_t elem = DTypeSize(x.dtype);
    const int64_t row = y.shape.dims[r - 1];
    const int64_t rows = row ? y.NumElements() / row : 0;
    const auto* px = static_cast<const uint8_t*>(x.data);
    auto* py = static_cast<uint8_t*>(y.data);
    int64_t index[kMaxRank] = {};
    for (int64_t i = 0; i < rows; ++i) {
      int64_t off = base;
      for (int d = 0; d < r - 1; ++d) off += index[d] * strides[d];
      std::memcpy(py + i * row * elem, px + off * elem, row * elem);
      for (int d = r - 2; d >= 0; --d) {
        if (++index[d] < y.shape.dims[d]) break;
        index[d] = 0;
      }
    }
    return;
  }
  VisitBytes(DTypeSize(x.dtype), [&](auto tag) {
    using T = decltype(tag);
    StridedGather<T>(x.As<T>(), base, strides, y);
  });
}

void Concat(const TensorView* const* inputs, int num_inputs, int axis, const TensorView& y) {
  const size_t elem = DTypeSize(y.dtype);
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= y.shape.dims[d];
  int64_t inner = 1;
  for (int d = axis + 1; d < y.shape.rank; ++d) inner *= y.shape.dims[d];
  const int64_t out_row = y.shape.dims[axis] * inner;
  auto* py = static_cast<uint8_t*>(y.data);
  int64_t col = 0;
  for (int k = 0; k < num_inputs; ++k) {
    const int64_t row = inputs[k]->shape.dims[axis] * inner;
    const auto* px = static_cast<const uint8_t*>(inputs[k]->data);
    if (row > 0)
      for (int64_t o = 0; o < outer; ++o)
        std::memcpy(py + (o * out_row + col) * elem, px + o * row * elem, row * elem);
    col += row;
  }
}

KernelResult Gather(const TensorView& data, const TensorView& indices, int axis,
                    const TensorView& y) {
  const size_t elem = DTypeSize(data.dtype);
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= data.shape.dims[d];
  const int64_t n = data.shape.dims[axis];
  int64_t inner = 1;
  for (int d = axis + 1; d < data.shape.rank; ++d) inner *= data.shape.dims[d];
  const int64_t count = indices.NumElements();
  const bool i32 = indices.dtype == DType::kI32;
  // Check every index before writing anything, so a bad one leaves no partial output.
  for (int64_t j = 0; j < count; ++j) {
    const int64_t idx = i32 ? indices.As<int32_t>()[j] : indices.As<int64_t>()[j];
    if (idx < -n || idx >= n) return {KernelError::kIndexOutOfRange, j, idx, 1};
  }
  const auto* px = static_cast<const uint8_t*>(data.data);
  auto* py = static_cast<uint8_t*>(y.data);
  const size_t chunk = static_cast<size_t>(inner) * elem;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < count; ++j) {
      int64_t idx = i32 ? indices.As<int32_t>()[j] : indices.As<int64_t>()[j];
      if (idx < 0) idx += n;
      if (chunk) std::memcpy(py + (o * count + j) * chunk, px + (o * n + idx) * chunk, chunk);
    }
  return {};
}

}  // namespace axle::ref
