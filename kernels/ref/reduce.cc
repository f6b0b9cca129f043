// Reference reductions (Sum, Mean, Max, Min, Prod) over any set of axes.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/ref/dtype_visit.h"
#include "kernels/ref/ref_kernels.h"

namespace axle::ref {
namespace {

template <typename T>
void ReduceTyped(ReduceOp op, const TensorView& x, uint32_t axes_mask, const TensorView& y) {
  // Accumulate floats in double and integers in their own width (wrapping via unsigned).
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;
  const Shape& s = x.shape;
  // Output element strides per input dimension: 0 along reduced dimensions. The output's
  // element order is the same with or without keepdims.
  int64_t out_strides[kMaxRank];
  int64_t stride = 1, reduced = 1;
  for (int d = s.rank - 1; d >= 0; --d) {
    if (axes_mask & (1u << d)) {
      out_strides[d] = 0;
      reduced *= s.dims[d];
    } else {
      out_strides[d] = stride;
      stride *= s.dims[d];
    }
  }
  const int64_t out_count = y.NumElements();
  Acc init{};
  switch (op) {
  case ReduceOp::kSum:
  case ReduceOp::kMean: init = 0; break;
  case ReduceOp::kProd: init = 1; break;
  case ReduceOp::kMax:
    init = std::is_floating_point_v<T> ? -std::numeric_limits<Acc>::infinity()
                                       : std::numeric_limits<Acc>::lowest();
    break;
  case ReduceOp::kMin:
    init = std::is_floating_point_v<T> ? std::numeric_limits<Acc>::infinity()
                                       : std::numeric_limits<Acc>::max();
    break;
  }
  T* py = y.As<T>();
  const T* px = x.As<T>();
  const int64_t total = x.NumElements();
  for (int64_t o = 0; o < out_count; ++o) py[o] = static_cast<T>(init);
  if constexpr (std::is_same_v<T, Acc>) {
    // Integers: accumulate in place in the output, walking the input once.
    int64_t index[kMaxRank] = {};
    int64_t off = 0;
    for (int64_t i = 0; i < total; ++i) {
      Acc& acc = py[off];
      const Acc v = static_cast<Acc>(px[i]);
      switch (op) {
      case ReduceOp::kSum:
      case ReduceOp::kMean:
        if constexpr (std::is_integral_v<Acc>)
          acc = static_cast<Acc>(static_cast<std::make_unsigned_t<Acc>>(acc) +
                                 static_cast<std::make_unsigned_t<Acc>>(v));
        else
          acc += v;
        break;
      case ReduceOp::kProd:
        if constexpr (std::is_integral_v<Acc>)
          acc = static_cast<Acc>(static_cast<std::make_unsigned_t<Acc>>(acc) *
                                 static_cast<std::make_unsigned_t<Acc>>(v));
        else
          acc *= v;
        break;
      case ReduceOp::kMax: acc = (v > acc || v != v) ? v : acc; break;
      case ReduceOp::kMin: acc = (v < acc || v != v) ? v : acc; break;
      }
      for (int d = s.rank - 1; d >= 0; --d) {
        if (++index[d] < s.dims[d]) {
          off += out_strides[d];
          break;
        }
        off -= out_strides[d] * (s.dims[d] - 1);
        index[d] = 0;
      }
    }
    if (op == ReduceOp::kMean)
      for (int64_t o = 0; o < out_count; ++o)
        py[o] = reduced ? static_cast<T>(py[o] / static_cast<Acc>(reduced)) : T{0};
    return;
  }
  // Floats: accumulate each output element in double, walking its reduced sub-space.
  int64_t in_strides[kMaxRank];
  stride = 1;
  for (int d = s.rank - 1; d >= 0; --d) {
    in_strides[d] = stride;
    stride *= s.dims[d];
  }
  int64_t kept_index[kMaxRank] = {};
  for (int64_t o = 0; o < out_count; ++o) {
    int64_t base = 0;
    for (int d = 0; d < s.rank; ++d) base += kept_index[d] * in_strides[d];
    Acc acc = init;
    int64_t red_index[kMaxRank] = {};
    for (int64_t r = 0; r < reduced; ++r) {
      int64_t off = base;
      for (int d = 0; d < s.rank; ++d) off += red_index[d] * in_strides[d];
      const Acc v = static_cast<Acc>(px[off]);
      switch (op) {
      case ReduceOp::kSum:
      case ReduceOp::kMean: acc += v; break;
      case ReduceOp::kProd: acc *= v; break;
      case ReduceOp::kMax: acc = (v > acc || v != v) ? v : acc; break;
      case ReduceOp::kMin: acc = (v < acc || v != v) ? v : acc; break;
      }
      for (int d = s.rank - 1; d >= 0; --d) {
        if (!(axes_mask & (1u << d))) continue;
        if (++red_index[d] < s.dims[d]) break;
        red_index[d] = 0;
      }
    }
    if (op == ReduceOp::kMean) acc = reduced ? acc / static_cast<double>(reduced) : NAN;
    py[o] = static_cast<T>(acc);
    for (int d = s.rank - 1; d >= 0; --d) {
      if (axes_mask & (1u << d)) continue;
      if (++kept_index[d] < s.dims[d]) break;
      kept_index[d] = 0;
    }
  }
}

}  // namespace

bool ReduceSupports(ReduceOp, DType in) {
  return in == DType::kF32 || in == DType::kF64 || in == DType::kI32 || in == DType::kI64 ||
         in == DType::kU8 || in == DType::kI8;
}

// f32 max/min over one contiguous run of axes, seen as [outer, reduced, inner]: exact in f32
// (no rounding), and a loop over inner that the compiler vectorizes (the max-pool of point
// features over their polyline). Outer positions (or, with one outer position, inner columns in
// blocks of 64) are split across `par` when there are more than 64 Ki input elements. False
// when the case does not apply.
bool ReduceMaxMinF32Contiguous(ReduceOp op, const TensorView& x, uint32_t axes_mask,
                               const TensorView& y, const Parallel* par) {
  if (x.dtype != DType::kF32 || (op != ReduceOp::kMax && op != ReduceOp::kMin) || !axes_mask)
    return false;
  const int first = __builtin_ctz(axes_mask), last = 31 - __builtin_clz(axes_mask);
  if (axes_mask != ((2u << last) - (1u << first))) return false;  // not one contiguous run
  int64_t outer = 1, reduced = 1, inner = 1;
  for (int d = 0; d < x.shape.rank; ++d)
    (d < first ? outer : d <= last ? reduced : inner) *= x.shape.dims[d];
  if (reduced == 0) return false;
  const float* px = x.As<float>();
  float* py = y.As<float>();
  const bool is_max = op == ReduceOp::kMax;
  // Positions [o_begin, o_end) x columns [i_begin, i_end).
  auto run = [&](int64_t o_begin, int64_t o_end, int64_t i_begin, int64_t i_end) {
    for (int64_t o = o_begin; o < o_end; ++o) {
      float* out = py + o * inner;
      const float* in = px + o * reduced * inner;
      for (int64_t i = i_begin; i < i_end; ++i) out[i] = in[i];
      for (int64_t r = 1; r < reduced; ++r) {
        const float* row = in + r * inner;
        for (int64_t i = i_begin; i < i_end; ++i) {
          const float v = row[i], acc = out[i];
          out[i] = ((is_max ? v > acc : v < acc) || v != v) ? v : acc;
        }
      }
    }
  };
  if (outer * reduced * inner <= (int64_t{1} << 16)) par = nullptr;
  if (outer > 1 || !par) {
    ParallelFor(par, outer, [&](int64_t b, int64_t e) { run(b, e, 0, inner); });
  } else {
    ParallelFor(par, (inner + 63) / 64, [&](int64_t b, int64_t e) {
      run(0, 1, b * 64, std::min(inner, e * 64));
    });
  }
  return true;
}

void Reduce(ReduceOp op, const TensorView& x, uint32_t axes_mask, const TensorView& y,
            const Parallel* par) {
  if (ReduceMaxMinF32Contiguous(op, x, axes_mask, y, par)) return;
  VisitNumeric(x.dtype, [&](auto tag) { ReduceTyped<decltype(tag)>(op, x, axes_mask, y); });
}

}  // namespace axle::ref
