// Reference elementwise kernels: binary and unary ops, Where, Expand and Cast.
#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/ref/broadcast.h"
#include "kernels/ref/dtype_visit.h"
#include "kernels/ref/ref_kernels.h"
#include "kernels/ref/scalar_ops.h"

namespace axle::ref {
namespace {

bool IsComparison(BinaryOp op) {
  return op == BinaryOp::kEqual || op == BinaryOp::kLess || op == BinaryOp::kGreater ||
         op == BinaryOp::kLessOrEqual || op == BinaryOp::kGreaterOrEqual;
}
bool IsLogical(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kXor;
}

template <typename T>
KernelResult BinaryTyped(BinaryOp op, const TensorView& a, const TensorView& b,
                         const TensorView& out) {
  const T* pa = a.As<T>();
  const T* pb = b.As<T>();
  const Shape* in[2] = {&a.shape, &b.shape};
  KernelResult result;
  if (IsComparison(op) || IsLogical(op)) {
    uint8_t* po = out.As<uint8_t>();
    ForEachBroadcast<2>(out.shape, in, [&](int64_t i, const int64_t* off) {
      po[i] = BoolBinary(op, pa[off[0]], pb[off[1]]) ? 1 : 0;
    });
    return result;
  }
  T* po = out.As<T>();
  ForEachBroadcast<2>(out.shape, in, [&](int64_t i, const int64_t* off) {
    const T x = pa[off[0]], y = pb[off[1]];
    T r{};
    if constexpr (std::is_floating_point_v<T>) {
      r = FloatBinary(op, x, y);
    } else {
      switch (op) {
      case BinaryOp::kAdd: r = WrapAdd(x, y); break;
      case BinaryOp::kSub: r = WrapSub(x, y); break;
      case BinaryOp::kMul: r = WrapMul(x, y); break;
      case BinaryOp::kDiv:
        if (y == 0) {
          if (result.ok()) result = {KernelError::kDivisionByZero, off[1], 0, 1};
          r = 0;
        } else if (std::is_signed_v<T> && y == static_cast<T>(-1)) {
          r = WrapSub(T{0}, x);  // avoids the trap of INT_MIN / -1
        } else {
          r = static_cast<T>(x / y);
        }
        break;
      case BinaryOp::kMod:
      case BinaryOp::kFmod:
        if (y == 0) {
          if (result.ok()) result = {KernelError::kDivisionByZero, off[1], 0, 1};
          r = 0;
        } else if (std::is_signed_v<T> && y == static_cast<T>(-1)) {
          r = 0;  // avoids the trap of INT_MIN % -1
        } else {
          r = static_cast<T>(x % y);
          if constexpr (std::is_signed_v<T>)
            if (op == BinaryOp::kMod && r != 0 && ((r < 0) != (y < 0))) r = WrapAdd(r, y);
        }
        break;
      case BinaryOp::kPow: r = IntPow(x, y); break;
      case BinaryOp::kMin: r = x < y ? x : y; break;
      case BinaryOp::kMax: r = x > y ? x : y; break;
      case BinaryOp::kBitShiftLeft:
      case BinaryOp::kBitShiftRight: {
        // Unsigned only (the contract); a shift by the width or more gives 0.
        using U = std::make_unsigned_t<T>;
        const U ux = static_cast<U>(x), uy = static_cast<U>(y);
        if (uy >= sizeof(T) * 8) {
          r = 0;
        } else if (op == BinaryOp::kBitShiftLeft) {
          using P = std::conditional_t<(sizeof(U) < sizeof(unsigned)), unsigned, U>;
          r = static_cast<T>(static_cast<P>(ux) << uy);
        } else {
          r = static_cast<T>(ux >> uy);
        }
        break;
      }
      default: break;
      }
    }
    po[i] = r;
  });
  return result;
}

// One element of any dtype, held as double (floats) or as a 64-bit integer (integers).
struct Scalar {
  bool is_float;
  double f;
  uint64_t bits;  // two's complement of the integer value
};

Scalar Load(DType t, const void* p, int64_t i) {
  switch (t) {
  case DType::kF32: return {true, static_cast<const float*>(p)[i], 0};
  case DType::kF64: return {true, static_cast<const double*>(p)[i], 0};
  case DType::kF16: return {true, HalfToFloat(static_cast<const uint16_t*>(p)[i]), 0};
  case DType::kBF16: return {true, BF16ToFloat(static_cast<const uint16_t*>(p)[i]), 0};
  case DType::kI8: return {false, 0, static_cast<uint64_t>(static_cast<const int8_t*>(p)[i])};
  case DType::kU8: return {false, 0, static_cast<const uint8_t*>(p)[i]};
  case DType::kI16: return {false, 0, static_cast<uint64_t>(static_cast<const int16_t*>(p)[i])};
  case DType::kU16: return {false, 0, static_cast<const uint16_t*>(p)[i]};
  case DType::kI32: return {false, 0, static_cast<uint64_t>(static_cast<const int32_t*>(p)[i])};
  case DType::kU32: return {false, 0, static_cast<const uint32_t*>(p)[i]};
  case DType::kI64: return {false, 0, static_cast<uint64_t>(static_cast<const int64_t*>(p)[i])};
  case DType::kU64: return {false, 0, static_cast<const uint64_t*>(p)[i]};
  case DType::kBool:
    return {false, 0, static_cast<uint64_t>(static_cast<const uint8_t*>(p)[i] != 0)};
  }
  return {false, 0, 0};
}

template <typename To>
To ToInt(const Scalar& s) {
  if (s.is_float) return FloatToInt<To>(s.f);
  return static_cast<To>(s.bits);  // wraps, as a C cast between integer widths does
}

void Store(DType t, void* p, int64_t i, const Scalar& s, bool src_signed) {
  double as_double = s.f;
  if (!s.is_float)
    as_double = src_signed ? static_cast<double>(static_cast<int64_t>(s.bits))
                           : static_cast<double>(s.bits);
  switch (t) {
  case DType::kF32: static_cast<float*>(p)[i] = static_cast<float>(as_double); break;
  case DType::kF64: static_cast<double*>(p)[i] = as_double; break;
  case DType::kF16:
    static_cast<uint16_t*>(p)[i] = FloatToHalf(static_cast<float>(as_double));
    break;
  case DType::kBF16:
    static_cast<uint16_t*>(p)[i] = FloatToBF16(static_cast<float>(as_double));
    break;
  case DType::kI8: static_cast<int8_t*>(p)[i] = ToInt<int8_t>(s); break;
  case DType::kU8: static_cast<uint8_t*>(p)[i] = ToInt<uint8_t>(s); break;
  case DType::kI16: static_cast<int16_t*>(p)[i] = ToInt<int16_t>(s); break;
  case DType::kU16: static_cast<uint16_t*>(p)[i] = ToInt<uint16_t>(s); break;
  case DType::kI32: static_cast<int32_t*>(p)[i] = ToInt<int32_t>(s); break;
  case DType::kU32: static_cast<uint32_t*>(p)[i] = ToInt<uint32_t>(s); break;
  case DType::kI64: static_cast<int64_t*>(p)[i] = ToInt<int64_t>(s); break;
  case DType::kU64: static_cast<uint64_t*>(p)[i] = ToInt<uint64_t>(s); break;
  case DType::kBool: static_cast<uint8_t*>(p)[i] = s.is_float ? (s.f != 0.0) : (s.bits != 0); break;
  }
}

bool IsSignedInt(DType t) {
  return t == DType::kI8 || t == DType::kI16 || t == DType::kI32 || t == DType::kI64;
}

}  // namespace

bool IsNumeric(DType t) { return t != DType::kF16 && t != DType::kBF16; }
bool IsHalf(DType t) { return t == DType::kF16 || t == DType::kBF16; }

bool BinarySupports(BinaryOp op, DType in) {
  if (IsLogical(op)) return in == DType::kBool;
  if (op == BinaryOp::kBitShiftLeft || op == BinaryOp::kBitShiftRight)
    return in == DType::kU8 || in == DType::kU16 || in == DType::kU32 || in == DType::kU64;
  if (IsComparison(op)) return IsNumeric(in) || IsHalf(in);
  return (IsNumeric(in) && in != DType::kBool) || IsHalf(in);
}

DType BinaryOutputType(BinaryOp op, DType in) {
  return (IsComparison(op) || IsLogical(op)) ? DType::kBool : in;
}

bool UnarySupports(UnaryOp op, DType in) {
  switch (op) {
  case UnaryOp::kNot: return in == DType::kBool;
  case UnaryOp::kIdentity: return true;
  case UnaryOp::kRelu:
  case UnaryOp::kNeg:
  case UnaryOp::kAbs:
  case UnaryOp::kSign:
  case UnaryOp::kClip: return (IsNumeric(in) && in != DType::kBool) || IsHalf(in);
  default: return in == DType::kF32 || in == DType::kF64 || IsHalf(in);
  }
}

bool BroadcastShapes(const Shape& a, const Shape& b, Shape* out) {
  const int rank = a.rank > b.rank ? a.rank : b.rank;
  out->rank = rank;
  for (int d = 0; d < rank; ++d) {
    const int da = d - (rank - a.rank), db = d - (rank - b.rank);
    const int64_t x = da >= 0 ? a.dims[da] : 1;
    const int64_t y = db >= 0 ? b.dims[db] : 1;
    if (x != y && x != 1 && y != 1) return false;
    out->dims[d] = (x == 1) ? y : x;
  }
  return true;
}

bool BroadcastsTo(const Shape& from, const Shape& to) {
  if (from.rank > to.rank) return false;
  for (int d = 0; d < from.rank; ++d) {
    const int64_t f = from.dims[d], t = to.dims[d + (to.rank - from.rank)];
    if (f != t && f != 1) return false;
  }
  return true;
}

KernelResult Binary(BinaryOp op, const TensorView& a, const TensorView& b, const TensorView& out) {
  KernelResult result;
  if (IsHalf(a.dtype)) {
    // f16 and bf16 compute in f32 and round once: exact for + - * / (f32 holds more than twice
    // the f16 significand), and numpy's own half-precision semantics for min, max, comparisons.
    const bool f16 = a.dtype == DType::kF16;
    auto decode = [f16](uint16_t h) { return f16 ? HalfToFloat(h) : BF16ToFloat(h); };
    auto encode = [f16](float f) { return f16 ? FloatToHalf(f) : FloatToBF16(f); };
    const uint16_t* pa = a.As<uint16_t>();
    const uint16_t* pb = b.As<uint16_t>();
    const Shape* in[2] = {&a.shape, &b.shape};
    const bool to_bool = IsComparison(op);
    ForEachBroadcast<2>(out.shape, in, [&](int64_t i, const int64_t* off) {
      const float x = decode(pa[off[0]]), y = decode(pb[off[1]]);
      if (!to_bool) {
        out.As<uint16_t>()[i] = encode(FloatBinary(op, x, y));
        return;
      }
      out.As<uint8_t>()[i] = BoolBinary(op, x, y) ? 1 : 0;
    });
    return result;
  }
  VisitNumeric(a.dtype, [&](auto tag) { result = BinaryTyped<decltype(tag)>(op, a, b, out); });
  return result;
}

void Unary(UnaryOp op, float alpha, float beta, const TensorView& x, const TensorView& y) {
  if (op == UnaryOp::kIdentity) {
    Copy(x, y);
    return;
  }
  if (IsHalf(x.dtype)) {  // computed in f32, rounded once
    const bool f16 = x.dtype == DType::kF16;
    const uint16_t* px = x.As<uint16_t>();
    uint16_t* py = y.As<uint16_t>();
    const int64_t n = x.NumElements();
    for (int64_t i = 0; i < n; ++i) {
      const float v =
          UnaryScalar<float>(op, f16 ? HalfToFloat(px[i]) : BF16ToFloat(px[i]), alpha, beta);
      py[i] = f16 ? FloatToHalf(v) : FloatToBF16(v);
    }
    return;
  }
  VisitNumeric(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.As<T>();
    T* py = y.As<T>();
    const int64_t n = x.NumElements();
    for (int64_t i = 0; i < n; ++i) py[i] = UnaryScalar<T>(op, px[i], alpha, beta);
  });
}

void Where(const TensorView& cond, const TensorView& x, const TensorView& y,
           const TensorView& out) {
  const uint8_t* pc = cond.As<uint8_t>();
  const Shape* in[3] = {&cond.shape, &x.shape, &y.shape};
  VisitBytes(DTypeSize(out.dtype), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.As<T>();
    const T* py = y.As<T>();
    T* po = out.As<T>();
    ForEachBroadcast<3>(out.shape, in, [&](int64_t i, const int64_t* off) {
      po[i] = pc[off[0]] ? px[off[1]] : py[off[2]];
    });
  });
}

void Expand(const TensorView& x, const TensorView& y) {
  const Shape* in[1] = {&x.shape};
  VisitBytes(DTypeSize(x.dtype), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.As<T>();
    T* py = y.As<T>();
    ForEachBroadcast<1>(y.shape, in, [&](int64_t i, const int64_t* off) { py[i] = px[off[0]]; });
  });
}

void Cast(const TensorView& x, const TensorView& y) {
  const int64_t n = x.NumElements();
  const bool src_signed = IsSignedInt(x.dtype);
  for (int64_t i = 0; i < n; ++i) Store(y.dtype, y.data, i, Load(x.dtype, x.data, i), src_signed);
}

}  // namespace axle::ref
