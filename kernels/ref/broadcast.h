// Odometer iteration over an output shape with per-input element offsets under numpy
// broadcasting. Shared by the reference elementwise, where, expand and matmul-batch kernels.
#ifndef AXLE_KERNELS_REF_BROADCAST_H_
#define AXLE_KERNELS_REF_BROADCAST_H_

#include "kernels/common/tensor.h"

namespace axle::ref {

// Element strides of `in` viewed at `out`'s rank: 0 along broadcast (or missing) dimensions.
inline void BroadcastStrides(const Shape& in, const Shape& out, int64_t* strides) {
  int64_t stride = 1;
  for (int d = out.rank - 1; d >= 0; --d) {
    const int di = d - (out.rank - in.rank);
    if (di < 0) {
      strides[d] = 0;
      continue;
    }
    strides[d] = (in.dims[di] == 1) ? 0 : stride;
    stride *= in.dims[di];
  }
}

// Offsets base[k] into each of n inputs (strides[k] from BroadcastStrides) of the first element
// of row `row` of `out` viewed as [rows, out's last dimension].
inline void BroadcastRowBase(int64_t row, const Shape& out, const int64_t (*strides)[kMaxRank],
                             int n, int64_t* base) {
  for (int k = 0; k < n; ++k) base[k] = 0;
  for (int64_t rest = row, d = out.rank - 2; d >= 0; --d) {
    const int64_t idx = rest % out.dims[d];
    rest /= out.dims[d];
    for (int k = 0; k < n; ++k) base[k] += idx * strides[k][d];
  }
}

// Calls f(out_index, offsets) for every element of `out`, offsets[k] being the element offset
// into input k.
template <int N, typename F>
void ForEachBroadcast(const Shape& out, const Shape* const (&in)[N], F&& f) {
  const int64_t total = out.NumElements();
  if (total == 0) return;
  int64_t strides[N][kMaxRank];
  for (int k = 0; k < N; ++k) BroadcastStrides(*in[k], out, strides[k]);
  int64_t index[kMaxRank] = {};
  int64_t offsets[N] = {};
  for (int64_t i = 0; i < total; ++i) {
    f(i, static_cast<const int64_t*>(offsets));
    for (int d = out.rank - 1; d >= 0; --d) {
      if (++index[d] < out.dims[d]) {
        for (int k = 0; k < N; ++k) offsets[k] += strides[k][d];
        break;
      }
      for (int k = 0; k < N; ++k) offsets[k] -= strides[k][d] * (out.dims[d] - 1);
      index[d] = 0;
    }
  }
}

}  // namespace axle::ref

#endif  // AXLE_KERNELS_REF_BROADCAST_H_
