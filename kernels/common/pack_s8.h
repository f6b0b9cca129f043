// int8 weight layout for the x86 u8 x s8 GEMM (the compiler stores it; the runtime never
// repacks). s8panel16x4: W [K, N] (int8) as ceil(N / 16) panels of S8KQuads(K) rows of 64
// bytes; row q of panel p holds, for its 16 columns c, the 4 weights w[4q + t][16p + c] at byte
// 4c + t (zero past K and N): one vpdpbusd operand. K is padded to a multiple of 64 (16 rows),
// so 16 consecutive rows of a panel are one AMX B tile (16 x 64 bytes, the VNNI layout). col_sums[n] = sum over k of w[k][n], for
// the activation zero-point correction.
#ifndef AXLE_KERNELS_COMMON_PACK_S8_H_
#define AXLE_KERNELS_COMMON_PACK_S8_H_

#include <cstddef>
#include <cstdint>

namespace axle {

inline size_t S8PanelCount(size_t n) { return (n + 15) / 16; }
inline size_t S8KQuads(size_t k) { return (k + 63) / 64 * 16; }
inline size_t S8PackedBytes(size_t k, size_t n) { return S8PanelCount(n) * S8KQuads(k) * 64; }

inline void PackS8Panel16x4(const int8_t* w, size_t k, size_t n, int8_t* packed,
                            int32_t* col_sums) {
  const size_t quads = S8KQuads(k);
  for (size_t j = 0; j < n; ++j) col_sums[j] = 0;
  for (size_t p = 0; p < S8PanelCount(n); ++p)
    for (size_t q = 0; q < quads; ++q)
      for (size_t c = 0; c < 16; ++c)
        for (size_t t = 0; t < 4; ++t) {
          const size_t row = 4 * q + t, col = 16 * p + c;
          const int8_t v = row < k && col < n ? w[row * n + col] : 0;
          packed[(p * quads + q) * 64 + 4 * c + t] = v;
          if (row < k && col < n) col_sums[col] += v;
        }
}

// s8panel16x8, the i8mm layout (a target CPU with I8MM: Cortex-A720AE, Neoverse-V3AE): the same
// panels and bytes, but 8-row groups ("octs", S8KQuads(K) / 2 per panel) of 128 bytes in which
// each 16-byte block holds a column pair: w[8o + t][16p + 2j + c] at byte 16j + 8c + t of oct o,
// the 2x8 operand one USMMLA takes. Tensor shape [ceil(N / 16), S8KQuads(K) / 2, 128].
inline size_t S8Panel16x8Offset(size_t quads, size_t row, size_t col) {
  const size_t p = col / 16, c = col % 16;
  return p * quads * 64 + (row / 8) * 128 + (c / 2) * 16 + (c % 2) * 8 + row % 8;
}

inline void PackS8Panel16x8(const int8_t* w, size_t k, size_t n, int8_t* packed,
                            int32_t* col_sums) {
  const size_t quads = S8KQuads(k);
  for (size_t j = 0; j < n; ++j) col_sums[j] = 0;
  for (size_t i = 0; i < S8PackedBytes(k, n); ++i) packed[i] = 0;
  for (size_t row = 0; row < k; ++row)
    for (size_t col = 0; col < n; ++col) {
      packed[S8Panel16x8Offset(quads, row, col)] = w[row * n + col];
      col_sums[col] += w[row * n + col];
    }
}

}  // namespace axle

#endif  // AXLE_KERNELS_COMMON_PACK_S8_H_
