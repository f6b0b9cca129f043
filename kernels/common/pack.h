// Weight layouts the compiler stores in the .axm so that the runtime never repacks.
//   panel16: W [K, N] as ceil(N / 16) panels, each K rows of 16 consecutive columns
//            (zero-padded past N): element (k, n) at ((n / 16) * K + k) * 16 + n % 16.
//            The x86 fp32 GEMM microkernels read one panel row per k (see kernels/x86/).
#ifndef AXLE_KERNELS_COMMON_PACK_H_
#define AXLE_KERNELS_COMMON_PACK_H_

#include <cstddef>

namespace axle {

constexpr size_t kPanelWidth = 16;

inline size_t Panel16Count(size_t n) { return (n + kPanelWidth - 1) / kPanelWidth; }
inline size_t Panel16Floats(size_t k, size_t n) { return Panel16Count(n) * k * kPanelWidth; }

// packed must hold Panel16Floats(k, n) floats.
inline void PackPanel16(const float* w, size_t k, size_t n, float* packed) {
  for (size_t p = 0; p < Panel16Count(n); ++p)
    for (size_t r = 0; r < k; ++r)
      for (size_t c = 0; c < kPanelWidth; ++c) {
        const size_t col = p * kPanelWidth + c;
        packed[(p * k + r) * kPanelWidth + c] = col < n ? w[r * n + col] : 0.0f;
      }
}

}  // namespace axle

#endif  // AXLE_KERNELS_COMMON_PACK_H_
