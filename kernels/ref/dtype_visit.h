// Calls a generic lambda with a value of the C++ type that matches a DType, so one templated
// body serves every element type a reference kernel supports.
#ifndef AXLE_KERNELS_REF_DTYPE_VISIT_H_
#define AXLE_KERNELS_REF_DTYPE_VISIT_H_

#include <cstdint>

#include "kernels/common/tensor.h"

namespace axle::ref {

// Numeric types with arithmetic: f32 f64 and every integer width, bool as uint8_t.
template <typename F>
void VisitNumeric(DType t, F&& f) {
  switch (t) {
  case DType::kF32: f(float{}); break;
  case DType::kF64: f(double{}); break;
  case DType::kI8: f(int8_t{}); break;
  case DType::kU8: f(uint8_t{}); break;
  case DType::kI16: f(int16_t{}); break;
  case DType::kU16: f(uint16_t{}); break;
  case DType::kI32: f(int32_t{}); break;
  case DType::kU32: f(uint32_t{}); break;
  case DType::kI64: f(int64_t{}); break;
  case DType::kU64: f(uint64_t{}); break;
  case DType::kBool: f(uint8_t{}); break;
  case DType::kF16:
  case DType::kBF16: break;  // rejected by the validator
  }
}

// Pure data movement only needs the element width.
template <typename F>
void VisitBytes(size_t element_size, F&& f) {
  switch (element_size) {
  case 1: f(uint8_t{}); break;
  case 2: f(uint16_t{}); break;
  case 4: f(uint32_t{}); break;
  case 8: f(uint64_t{}); break;
  default: break;
  }
}

}  // namespace axle::ref

#endif  // AXLE_KERNELS_REF_DTYPE_VISIT_H_
