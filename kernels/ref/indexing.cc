// Reference indexing kernels: ArgMax/ArgMin, GatherElements/ScatterElements, GatherND/ScatterND,
// TopK, CumSum. Indices are checked before anything is written, so a bad one leaves no partial
// output.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/ref/dtype_visit.h"
#include "kernels/ref/ref_kernels.h"

namespace axle::ref {
namespace {

int64_t IndexAt(const TensorView& idx, int64_t i) {
  return idx.dtype == DType::kI32 ? idx.As<int32_t>()[i] : idx.As<int64_t>()[i];
}

// Sizes before, along and after `axis`.
void Split(const Shape& s, int axis, int64_t* outer, int64_t* n, int64_t* inner) {
  *outer = 1;
  *inner = 1;
  for (int d = 0; d < axis; ++d) *outer *= s.dims[d];
  for (int d = axis + 1; d < s.rank; ++d) *inner *= s.dims[d];
  *n = s.dims[axis];
}

template <typename T>
void Combine(ScatterReduction r, T* dst, T v) {
  switch (r) {
  case ScatterReduction::kNone: *dst = v; break;
  case ScatterReduction::kAdd: *dst = static_cast<T>(*dst + v); break;
  case ScatterReduction::kMul: *dst = static_cast<T>(*dst * v); break;
  case ScatterReduction::kMax: *dst = std::max(*dst, v); break;
  case ScatterReduction::kMin: *dst = std::min(*dst, v); break;
  }
}

// Calls f(j, offset) for every element j of `indices` (checked): offset is the element of `data`
// at j's position with the axis coordinate replaced by the index.
template <typename F>
void ForEachElementIndex(const TensorView& data, const TensorView& indices, int axis, F&& f) {
  int64_t strides[kMaxRank];
  int64_t stride = 1;
  for (int d = data.shape.rank - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= data.shape.dims[d];
  }
  const int64_t count = indices.NumElements(), n = data.shape.dims[axis];
  const Shape& s = indices.shape;
  int64_t index[kMaxRank] = {};
  for (int64_t j = 0; j < count; ++j) {
    int64_t idx = IndexAt(indices, j);
    if (idx < 0) idx += n;
    int64_t off = 0;
    for (int d = 0; d < s.rank; ++d) off += (d == axis ? idx : index[d]) * strides[d];
    f(j, off);
    for (int d = s.rank - 1; d >= 0; --d) {
      if (++index[d] < s.dims[d]) break;
      index[d] = 0;
    }
  }
}

// The first out-of-range index, if any.
KernelResult CheckIndices(const TensorView& indices, int64_t n) {
  for (int64_t j = 0; j < indices.NumElements(); ++j) {
    const int64_t idx = IndexAt(indices, j);
    if (idx < -n || idx >= n) return {KernelError::kIndexOutOfRange, j, idx, 1};
  }
  return {};
}

void CopyInto(const TensorView& x, const TensorView& y) {
  if (x.data != y.data && x.NumBytes() > 0) std::memmove(y.data, x.data, x.NumBytes());
}

}  // namespace

void ArgReduce(const TensorView& x, int axis, bool is_min, bool select_last, const TensorView& y) {
  int64_t outer, n, inner;
  Split(x.shape, axis, &outer, &n, &inner);
  int64_t* py = y.As<int64_t>();
  VisitNumeric(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.As<T>();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const T* line = px + o * n * inner + i;
        int64_t best = 0;
        for (int64_t j = 1; j < n; ++j) {
          const T v = line[j * inner], b = line[best * inner];
          const bool better =
              is_min ? (v < b || (select_last && v == b)) : (v > b || (select_last && v == b));
          if (better) best = j;
        }
        py[o * inner + i] = best;
      }
  });
}

KernelResult GatherElements(const TensorView& data, const TensorView& indices, int axis,
                            const TensorView& y) {
  KernelResult r = CheckIndices(indices, data.shape.dims[axis]);
  if (!r.ok()) return r;
  VisitBytes(DTypeSize(data.dtype), [&](auto tag) {
    using T = decltype(tag);
    const T* px = data.As<T>();
    T* py = y.As<T>();
    ForEachElementIndex(data, indices, axis, [&](int64_t j, int64_t off) { py[j] = px[off]; });
  });
  return {};
}

KernelResult ScatterElements(const TensorView& data, const TensorView& indices,
                             const TensorView& updates, int axis, ScatterReduction reduction,
                             const TensorView& y) {
  KernelResult r = CheckIndices(indices, data.shape.dims[axis]);
  if (!r.ok()) return r;
  CopyInto(data, y);
  VisitNumeric(data.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* pu = updates.As<T>();
    T* py = y.As<T>();
    ForEachElementIndex(data, indices, axis,
                        [&](int64_t j, int64_t off) { Combine(reduction, &py[off], pu[j]); });
  });
  return {};
}

namespace {

// The data offset (in elements) of index tuple `t` within batch `b`, or -1 with *bad set.
struct NdLayout {
  int64_t batches = 1, tuples = 1, chunk = 1, batch_stride = 1, k = 0;
  int64_t strides[kMaxRank] = {};
};

NdLayout Layout(const Shape& data, const Shape& indices, int batch_dims) {
  NdLayout l;
  l.k = indices.dims[indices.rank - 1];
  for (int d = 0; d < batch_dims; ++d) l.batches *= data.dims[d];
  for (int d = batch_dims; d < indices.rank - 1; ++d) l.tuples *= indices.dims[d];
  for (int d = batch_dims + static_cast<int>(l.k); d < data.rank; ++d) l.chunk *= data.dims[d];
  int64_t stride = l.chunk;
  for (int d = batch_dims + static_cast<int>(l.k) - 1; d >= batch_dims; --d) {
    l.strides[d - batch_dims] = stride;
    stride *= data.dims[d];
  }
  l.batch_stride = stride;
  return l;
}

// The element offset of tuple t of batch b; false (with *bad set) on an out-of-range index.
bool TupleOffset(const TensorView& data, const TensorView& indices, int batch_dims,
                 const NdLayout& l, int64_t b, int64_t t, int64_t* off, KernelResult* bad) {
  *off = b * l.batch_stride;
  const int64_t at = (b * l.tuples + t) * l.k;
  for (int64_t j = 0; j < l.k; ++j) {
    const int64_t n = data.shape.dims[batch_dims + j];
    int64_t idx = IndexAt(indices, at + j);
    if (idx < -n || idx >= n) {
      *bad = {KernelError::kIndexOutOfRange, at + j, idx, 1};
      return false;
    }
    if (idx < 0) idx += n;
    *off += idx * l.strides[j];
  }
  return true;
}

// Checks every tuple before anything is written.
KernelResult CheckTuples(const TensorView& data, const TensorView& indices, int batch_dims,
                         const NdLayout& l) {
  KernelResult bad;
  int64_t off;
  for (int64_t b = 0; b < l.batches; ++b)
    for (int64_t t = 0; t < l.tuples; ++t)
      if (!TupleOffset(data, indices, batch_dims, l, b, t, &off, &bad)) return bad;
  return {};
}

}  // namespace

KernelResult GatherND(const TensorView& data, const TensorView& indices, int batch_dims,
                      const TensorView& y) {
  const NdLayout l = Layout(data.shape, indices.shape, batch_dims);
  KernelResult r = CheckTuples(data, indices, batch_dims, l);
  if (!r.ok()) return r;
  const size_t elem = DTypeSize(data.dtype), chunk = static_cast<size_t>(l.chunk) * elem;
  const auto* px = static_cast<const uint8_t*>(data.data);
  auto* py = static_cast<uint8_t*>(y.data);
  int64_t off;
  for (int64_t b = 0; b < l.batches; ++b)
    for (int64_t t = 0; t < l.tuples; ++t) {
      TupleOffset(data, indices, batch_dims, l, b, t, &off, &r);
      if (chunk) std::memcpy(py + (b * l.tuples + t) * chunk, px + off * elem, chunk);
    }
  return {};
}

KernelResult ScatterND(const TensorView& data, const TensorView& indices, const TensorView& updates,
                       ScatterReduction reduction, const TensorView& y) {
  const NdLayout l = Layout(data.shape, indices.shape, 0);
  KernelResult r = CheckTuples(data, indices, 0, l);
  if (!r.ok()) return r;
  CopyInto(data, y);
  VisitNumeric(data.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* pu = updates.As<T>();
    T* py = y.As<T>();
    int64_t off;
    for (int64_t t = 0; t < l.tuples; ++t) {
      TupleOffset(data, indices, 0, l, 0, t, &off, &r);
      for (int64_t e = 0; e < l.chunk; ++e) Combine(reduction, &py[off + e], pu[t * l.chunk + e]);
    }
  });
  return {};
}

void TopK(const TensorView& x, int axis, bool largest, const TensorView& values,
          const TensorView& indices) {
  int64_t outer, n, inner;
  Split(x.shape, axis, &outer, &n, &inner);
  const int64_t k = values.shape.dims[axis];
  int64_t* pi = indices.As<int64_t>();
  VisitNumeric(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.As<T>();
    T* pv = values.As<T>();
    // A heap of the k best so far kept in the (strided) output line itself, its worst at the
    // root: O(n log k) per line and no scratch memory; then a heap sort puts them best first.
    // (value, index) is a total order: equal values keep the lower index first.
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const T* line = px + o * n * inner + i;
        T* vout = pv + o * k * inner + i;
        int64_t* iout = pi + o * k * inner + i;
        auto better = [&](T va, int64_t ia, T vb, int64_t ib) {
          if (va != vb) return largest ? va > vb : va < vb;
          return ia < ib;
        };
        // At pos, `worse_than_children` holds for the heap of size `size`.
        auto sift_down = [&](int64_t pos, int64_t size) {
          for (;;) {
            int64_t worst = pos;
            for (int64_t c = 2 * pos + 1; c <= 2 * pos + 2 && c < size; ++c)
              if (better(vout[worst * inner], iout[worst * inner], vout[c * inner],
                         iout[c * inner]))
                worst = c;
            if (worst == pos) return;
            std::swap(vout[pos * inner], vout[worst * inner]);
            std::swap(iout[pos * inner], iout[worst * inner]);
            pos = worst;
          }
        };
        int64_t size = 0;
        for (int64_t j = 0; j < n && k > 0; ++j) {
          const T v = line[j * inner];
          if (size < k) {  // push, then sift up
            int64_t pos = size++;
            vout[pos * inner] = v;
            iout[pos * inner] = j;
            while (pos > 0) {
              const int64_t parent = (pos - 1) / 2;
              if (!better(vout[parent * inner], iout[parent * inner], vout[pos * inner],
                          iout[pos * inner]))
                break;
              std::swap(vout[pos * inner], vout[parent * inner]);
              std::swap(iout[pos * inner], iout[parent * inner]);
              pos = parent;
            }
          } else if (better(v, j, vout[0], iout[0])) {  // replace the worst kept
            vout[0] = v;
            iout[0] = j;
            sift_down(0, size);
          }
        }
        for (int64_t end = size - 1; end > 0; --end) {  // the worst goes last
          std::swap(vout[0], vout[end * inner]);
          std::swap(iout[0], iout[end * inner]);
          sift_down(0, end);
        }
      }
  });
}

void CumSum(const TensorView& x, int axis, bool exclusive, bool reverse, const TensorView& y) {
  int64_t outer, n, inner;
  Split(x.shape, axis, &outer, &n, &inner);
  VisitNumeric(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.As<T>();
    T* py = y.As<T>();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        T sum{0};
        for (int64_t s = 0; s < n; ++s) {
          const int64_t j = reverse ? n - 1 - s : s;
          const int64_t at = (o * n + j) * inner + i;
          const T v = px[at];
          if (exclusive) {
            py[at] = sum;
            sum = static_cast<T>(sum + v);
          } else {
            sum = static_cast<T>(sum + v);
            py[at] = sum;
          }
        }
      }
  });
}

}  // namespace axle::ref
