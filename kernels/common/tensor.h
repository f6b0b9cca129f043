// Types shared by every kernel backend: element types, shapes and tensor views.
// Nothing here knows about the model file; the runtime maps its schema onto these.
#ifndef AXLE_KERNELS_COMMON_TENSOR_H_
#define AXLE_KERNELS_COMMON_TENSOR_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace axle {

// Numbering shared with runtime/schema/axle_model.fbs (DType); never renumber.
enum class DType : uint8_t {
  kF32 = 0,
  kF16 = 1,
  kBF16 = 2,
  kF64 = 3,
  kI8 = 4,
  kU8 = 5,
  kI16 = 6,
  kU16 = 7,
  kI32 = 8,
  kU32 = 9,
  kI64 = 10,
  kU64 = 11,
  kBool = 12,
};
constexpr int kNumDTypes = 13;

inline size_t DTypeSize(DType t) {
  switch (t) {
  case DType::kF32:
  case DType::kI32:
  case DType::kU32: return 4;
  case DType::kF16:
  case DType::kBF16:
  case DType::kI16:
  case DType::kU16: return 2;
  case DType::kF64:
  case DType::kI64:
  case DType::kU64: return 8;
  case DType::kI8:
  case DType::kU8:
  case DType::kBool: return 1;
  }
  return 0;
}

const char* DTypeName(DType t);

inline bool IsFloat(DType t) {
  return t == DType::kF32 || t == DType::kF64 || t == DType::kF16 || t == DType::kBF16;
}

constexpr int kMaxRank = 8;

struct Shape {
  int32_t rank = 0;
  int64_t dims[kMaxRank] = {};

  int64_t NumElements() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= dims[i];
    return n;
  }
  bool operator==(const Shape& o) const {
    if (rank != o.rank) return false;
    for (int i = 0; i < rank; ++i)
      if (dims[i] != o.dims[i]) return false;
    return true;
  }
  bool operator!=(const Shape& o) const { return !(*this == o); }
};

// A non-owning view of a dense, row-major tensor.
struct TensorView {
  void* data = nullptr;
  DType dtype = DType::kF32;
  Shape shape;

  template <typename T>
  T* As() const {
    return static_cast<T*>(data);
  }
  int64_t NumElements() const { return shape.NumElements(); }
  size_t NumBytes() const { return static_cast<size_t>(NumElements()) * DTypeSize(dtype); }
};

// IEEE half and bfloat16 conversions (round to nearest even).
float HalfToFloat(uint16_t h);
uint16_t FloatToHalf(float f);
inline float BF16ToFloat(uint16_t b) {
  uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
uint16_t FloatToBF16(float f);

}  // namespace axle

#endif  // AXLE_KERNELS_COMMON_TENSOR_H_
