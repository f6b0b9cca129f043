// Scalar semantics of the elementwise operations, shared by the elementwise kernels and the
// fused elementwise program so that both compute exactly the same values.
#ifndef AXLE_KERNELS_REF_SCALAR_OPS_H_
#define AXLE_KERNELS_REF_SCALAR_OPS_H_

#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/ref/ref_kernels.h"

namespace axle::ref {

// Integer arithmetic wraps (two's complement), as every deployed runtime does, instead of
// being undefined behaviour on overflow.
template <typename T>
T WrapAdd(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}
template <typename T>
T WrapSub(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
}
template <typename T>
T WrapMul(T a, T b) {
  using U = std::make_unsigned_t<T>;
  // Promote narrow types to unsigned int so the product itself cannot overflow signed int.
  using P = std::conditional_t<(sizeof(U) < sizeof(unsigned)), unsigned, U>;
  return static_cast<T>(static_cast<P>(static_cast<U>(a)) * static_cast<P>(static_cast<U>(b)));
}
template <typename T>
T IntPow(T base, T exp) {
  if constexpr (std::is_signed_v<T>) {
    if (exp < 0) {
      if (base == 1) return 1;
      if (base == -1) return (exp % 2 == 0) ? 1 : -1;
      return 0;  // |base| >= 2: the true value truncates to 0
    }
  }
  T result = 1;
  while (exp > 0) {
    if (exp & 1) result = WrapMul(result, base);
    base = WrapMul(base, base);
    exp = static_cast<T>(exp >> 1);
  }
  return result;
}

template <typename T>
T FloatBinary(BinaryOp op, T x, T y) {
  switch (op) {
  case BinaryOp::kAdd: return x + y;
  case BinaryOp::kSub: return x - y;
  case BinaryOp::kMul: return x * y;
  case BinaryOp::kDiv: return x / y;
  case BinaryOp::kPow: return std::pow(x, y);
  case BinaryOp::kMin: return (std::isnan(x) || std::isnan(y)) ? NAN : std::fmin(x, y);
  case BinaryOp::kMax: return (std::isnan(x) || std::isnan(y)) ? NAN : std::fmax(x, y);
  case BinaryOp::kFmod: return std::fmod(x, y);
  case BinaryOp::kMod: {
    const T r = std::fmod(x, y);
    return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
  }
  default: return T{};
  }
}

// Comparisons and logical ops (those on bool only).
template <typename T>
bool BoolBinary(BinaryOp op, T x, T y) {
  switch (op) {
  case BinaryOp::kEqual: return x == y;
  case BinaryOp::kLess: return x < y;
  case BinaryOp::kGreater: return x > y;
  case BinaryOp::kLessOrEqual: return x <= y;
  case BinaryOp::kGreaterOrEqual: return x >= y;
  case BinaryOp::kAnd: return (x != 0) && (y != 0);
  case BinaryOp::kOr: return (x != 0) || (y != 0);
  case BinaryOp::kXor: return (x != 0) != (y != 0);
  default: return false;
  }
}

// Saturating float -> integer conversion; NaN gives 0.
template <typename To>
To FloatToInt(double v) {
  if (std::isnan(v)) return To{0};
  const double lo = static_cast<double>(std::numeric_limits<To>::lowest());
  const double hi = static_cast<double>(std::numeric_limits<To>::max());
  if (v <= lo) return std::numeric_limits<To>::lowest();
  if (v >= hi) return std::numeric_limits<To>::max();
  return static_cast<To>(v);
}

template <typename T>
T UnaryScalar(UnaryOp op, T x, float alpha, float beta) {
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
    case UnaryOp::kRelu: return x > 0 ? x : T{0};
    case UnaryOp::kSigmoid: return T{1} / (T{1} + std::exp(-x));
    case UnaryOp::kTanh: return std::tanh(x);
    case UnaryOp::kErf: return std::erf(x);
    case UnaryOp::kExp: return std::exp(x);
    case UnaryOp::kLog: return std::log(x);
    case UnaryOp::kSqrt: return std::sqrt(x);
    case UnaryOp::kNeg: return -x;
    case UnaryOp::kAbs: return std::fabs(x);
    case UnaryOp::kReciprocal: return T{1} / x;
    case UnaryOp::kFloor: return std::floor(x);
    case UnaryOp::kCeil: return std::ceil(x);
    case UnaryOp::kClip: return x < T(alpha) ? T(alpha) : (x > T(beta) ? T(beta) : x);
    case UnaryOp::kLeakyRelu: return x >= 0 ? x : x * T(alpha);
    case UnaryOp::kIdentity: return x;
    case UnaryOp::kSin: return std::sin(x);
    case UnaryOp::kCos: return std::cos(x);
    case UnaryOp::kSign: return x > 0 ? T{1} : (x < 0 ? T{-1} : T{0});
    case UnaryOp::kNot: return x == 0 ? T{1} : T{0};
    case UnaryOp::kTan: return std::tan(x);
    case UnaryOp::kAsin: return std::asin(x);
    case UnaryOp::kAcos: return std::acos(x);
    case UnaryOp::kAtan: return std::atan(x);
    case UnaryOp::kSinh: return std::sinh(x);
    case UnaryOp::kCosh: return std::cosh(x);
    case UnaryOp::kAsinh: return std::asinh(x);
    case UnaryOp::kAcosh: return std::acosh(x);
    case UnaryOp::kAtanh: return std::atanh(x);
    case UnaryOp::kRound: return std::nearbyint(x);  // the default rounding mode: to even
    }
    return x;
  } else {
    switch (op) {
    case UnaryOp::kRelu: return x > 0 ? x : T{0};
    case UnaryOp::kNeg: return WrapSub(T{0}, x);
    case UnaryOp::kAbs: return x < 0 ? WrapSub(T{0}, x) : x;
    case UnaryOp::kIdentity: return x;
    case UnaryOp::kSign: return x > 0 ? T{1} : (x < 0 ? static_cast<T>(-1) : T{0});
    case UnaryOp::kNot: return x == 0 ? T{1} : T{0};
    case UnaryOp::kClip: {
      // Bounds arrive as float; compare in double, which holds every int32 exactly.
      const double v = static_cast<double>(x);
      if (v < alpha) return FloatToInt<T>(alpha);
      if (v > beta) return FloatToInt<T>(beta);
      return x;
    }
    default: return x;
    }
  }
}

}  // namespace axle::ref

#endif  // AXLE_KERNELS_REF_SCALAR_OPS_H_
