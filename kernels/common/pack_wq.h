// Weight-only quantized layouts for the memory-bound M = 1 (decode) GEMV, where the bytes of
// the weights, not the arithmetic, set the time. Activations stay f32.
//   w8panel16: int8 W [K, N] as ceil(N / 16) panels of K rows of 16 bytes (zero past N):
//              w[k][n] at (n / 16) * K * 16 + k * 16 + n % 16; one f32 scale per column.
//   w4panel16: int4 (two's complement nibbles, -8..7) as ceil(N / 16) panels of K / 2 rows of
//              16 bytes: byte (k / 2) * 16 + n % 16 of panel n / 16 holds w[k][n] in its low
//              nibble for even k, high nibble for odd k (K padded to even); one f32 scale per
//              group of G rows and column, G = 32, 64 or 128: scales[(k / G) * N + n].
// The Pack* helpers quantize symmetrically (scale = max |w| / 127 or / 7 per column or group).
#ifndef AXLE_KERNELS_COMMON_PACK_WQ_H_
#define AXLE_KERNELS_COMMON_PACK_WQ_H_

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace axle {

constexpr size_t kW4DefaultGroup = 32;
// The group sizes the kernels take: rows per int4 scale (multiples of the 2-row nibble pair).
inline bool IsW4Group(int64_t g) { return g == 32 || g == 64 || g == 128; }

inline size_t W8PackedBytes(size_t k, size_t n) { return (n + 15) / 16 * k * 16; }
inline size_t W4PackedBytes(size_t k, size_t n) { return (n + 15) / 16 * ((k + 1) / 2) * 16; }
inline size_t W4Groups(size_t k, size_t group) { return (k + group - 1) / group; }
inline size_t W4ScaleCount(size_t k, size_t n, size_t group) { return W4Groups(k, group) * n; }

inline void PackW8Panel16(const float* w, size_t k, size_t n, int8_t* packed, float* scales) {
  for (size_t j = 0; j < n; ++j) {
    float mx = 0;
    for (size_t r = 0; r < k; ++r) mx = std::max(mx, std::fabs(w[r * n + j]));
    scales[j] = mx > 0 ? mx / 127.0f : 1.0f;
  }
  for (size_t p = 0; p < (n + 15) / 16; ++p)
    for (size_t r = 0; r < k; ++r)
      for (size_t c = 0; c < 16; ++c) {
        const size_t j = p * 16 + c;
        const long q = j < n ? std::lround(w[r * n + j] / scales[j]) : 0;
        packed[(p * k + r) * 16 + c] = static_cast<int8_t>(std::clamp(q, -127L, 127L));
      }
}

inline void PackW4Panel16(const float* w, size_t k, size_t n, size_t group, uint8_t* packed,
                          float* scales) {
  const size_t groups = W4Groups(k, group), half = (k + 1) / 2;
  for (size_t g = 0; g < groups; ++g)
    for (size_t j = 0; j < n; ++j) {
      float mx = 0;
      for (size_t r = g * group; r < std::min(k, (g + 1) * group); ++r)
        mx = std::max(mx, std::fabs(w[r * n + j]));
      scales[g * n + j] = mx > 0 ? mx / 7.0f : 1.0f;
    }
  for (size_t p = 0; p < (n + 15) / 16; ++p)
    for (size_t h = 0; h < half; ++h)
      for (size_t c = 0; c < 16; ++c) {
        const size_t j = p * 16 + c;
        uint8_t byte = 0;
        for (size_t t = 0; t < 2; ++t) {
          const size_t r = 2 * h + t;
          long q = 0;
          if (j < n && r < k) q = std::lround(w[r * n + j] / scales[(r / group) * n + j]);
          byte |= static_cast<uint8_t>((std::clamp(q, -8L, 7L) & 0xF) << (4 * t));
        }
        packed[(p * half + h) * 16 + c] = byte;
      }
}

}  // namespace axle

#endif  // AXLE_KERNELS_COMMON_PACK_WQ_H_
