// AMX int8 peak probe (compiled with -mamx-tile -mamx-int8; called only when
// axle::x86::AmxAvailable()): four independent 16 x 16 int32 accumulator tiles, each
// iteration four tdpbusd of 16 x 64 u8 by 64 x 16 s8 (operands from L1).
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "bench/peak/peak_kernels.h"

namespace axle::bench {

int32_t DotPeakAmx(int64_t iterations) {
  struct alignas(64) {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
  } cfg;
  std::memset(&cfg, 0, sizeof cfg);
  cfg.palette = 1;
  for (int t = 0; t < 8; ++t) {
    cfg.colsb[t] = 64;
    cfg.rows[t] = 16;
  }
  alignas(64) static thread_local uint8_t a[2][1024];
  alignas(64) static thread_local int8_t b[2][1024];
  alignas(64) int32_t c[256];
  std::memset(a, 3, sizeof a);
  std::memset(b, -2, sizeof b);
  _tile_loadconfig(&cfg);
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  _tile_loadd(4, a[0], 64);
  _tile_loadd(5, a[1], 64);
  _tile_loadd(6, b[0], 64);
  _tile_loadd(7, b[1], 64);
  for (int64_t it = 0; it < iterations; ++it) {
    _tile_dpbusd(0, 4, 6);
    _tile_dpbusd(1, 4, 7);
    _tile_dpbusd(2, 5, 6);
    _tile_dpbusd(3, 5, 7);
  }
  _tile_stored(0, c, 64);
  _tile_release();
  return c[0];
}

}  // namespace axle::bench
