// int8 GEMM on AMX (Sapphire Rapids and later): u8 activations x s8 weights -> s32 with
// tdpbusd (exact: 32-bit accumulation of u8 x s8 products, no int16 intermediate), then the
// f32 epilogue of S8Epilogue, vectorized with AVX-512.
//
// Tiles: C is a 32 x 32 block held in four 16 x 16 int32 tiles (tmm0-3) over the whole K, A two
// 16-row x 64-byte tiles (tmm4-5), B two 16-quad x 16-column tiles (tmm6-7). The weights need
// no repacking: 16 consecutive 64-byte rows of an s8panel16x4 panel are exactly the VNNI-layout
// B tile (kernels/common/pack_s8.h pads K to 64 for this). A is read through a zero-padded
// copy of the 32-row block whose row stride is not a power of two (rows read in place 1024 or
// 4096 bytes apart thrash L1 sets: 15-25% slower measured).
//
// Loop order: column groups of up to kGroupBytes of weights (kept in L2) outside, 32-row
// blocks inside, so each weight byte comes from DRAM once per column group and each A block
// from L2 once per 32 columns.
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/common/pack_s8.h"
#include "kernels/x86/avx512-math.h"
#include "kernels/x86/x86_kernels.h"

namespace axle::x86 {
namespace {

struct alignas(64) TileConfig {
  uint8_t palette_id;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

// Every tile 16 rows x 64 bytes.
void LoadConfig() {
  TileConfig cfg;
  std::memset(&cfg, 0, sizeof cfg);
  cfg.palette_id = 1;
  for (int t = 0; t < 8; ++t) {
    cfg.colsb[t] = 64;
    cfg.rows[t] = 16;
  }
  _tile_loadconfig(&cfg);
}

constexpr size_t kBlockRows = 32, kBlockCols = 32;
constexpr size_t kMaxK = 8192;  // the padded A copy: 32 x kMaxK bytes of stack

// y rows [r, r + rows) x columns [c, c + cols) from the int32 block acc [32][32].
void Epilogue(const S8GemmArgs& g, const int32_t* acc, size_t r, size_t rows, size_t c,
              size_t cols) {
  for (int v = 0; v < 2; ++v) {
    const __mmask16 mask = PanelMask(cols, v);
    if (!mask) break;
    const size_t col = c + 16 * static_cast<size_t>(v);
    const __m512i corr = _mm512_mullo_epi32(_mm512_maskz_loadu_epi32(mask, g.col_sums + col),
                                            _mm512_set1_epi32(g.a_zero_point));
    const __m512 scale =
        _mm512_mul_ps(_mm512_set1_ps(g.a_scale), _mm512_maskz_loadu_ps(mask, g.w_scales + col));
    const __m512 b = g.bias ? _mm512_maskz_loadu_ps(mask, g.bias + col) : _mm512_setzero_ps();
    for (size_t i = 0; i < rows; ++i) {
      const __m512i s = _mm512_load_si512(acc + i * kBlockCols + 16 * v);
      const __m512 f = _mm512_cvtepi32_ps(_mm512_sub_epi32(s, corr));
      _mm512_mask_storeu_ps(g.y + (r + i) * g.n + col, mask,
                            Activate512(g.act, _mm512_fmadd_ps(f, scale, b)));
    }
  }
}

}  // namespace

bool AmxAvailable() {
  static const bool ok = [] {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f")) return false;
    unsigned eax, ebx, ecx, edx;
    __asm__("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(7), "c"(0));
    const bool tile = (edx >> 24) & 1, int8 = (edx >> 25) & 1;
    if (!tile || !int8) return false;
    // Linux grants the 8 KB tile state per process on request (ARCH_REQ_XCOMP_PERM = 0x1023,
    // XFEATURE_XTILEDATA = 18); without it the first tile instruction faults.
    return syscall(SYS_arch_prctl, 0x1023, 18) == 0;
  }();
  return ok;
}

void axle_s8_gemm__amx(const S8GemmArgs& g, int64_t task_begin, int64_t task_end) {
  const size_t quads = S8KQuads(g.k), kpad = quads * 4;
  const size_t panel_bytes = quads * 64;
  const size_t row_blocks = (g.m + kBlockRows - 1) / kBlockRows;
  // The copy's row stride is off a power of two: 16 rows 2^n bytes apart would share L1 sets.
  const size_t stride = kpad + 64;
  if (kpad > kMaxK) return;  // the driver checks; never reached
  alignas(64) uint8_t a_copy[kBlockRows * (kMaxK + 64)];
  alignas(64) int32_t acc[kBlockRows * kBlockCols];
  LoadConfig();
  for (int64_t t = task_begin; t < task_end; ++t) {
    const size_t grp = static_cast<size_t>(t) / row_blocks,
                 rb = static_cast<size_t>(t) % row_blocks;
    const size_t r = rb * kBlockRows, rows = std::min(kBlockRows, g.m - r);
    const size_t c0 = grp * g.group_cols, c1 = std::min(g.n, c0 + g.group_cols);
    // A copied with zeros past K and past the last row (to a whole 16-row tile).
    for (size_t i = 0; i < (rows + 15) / 16 * 16; ++i) {
      uint8_t* dst = a_copy + i * stride;
      if (i < rows) {
        std::memcpy(dst, g.x + (r + i) * g.k, g.k);
        std::memset(dst + g.k, 0, kpad - g.k);
      } else {
        std::memset(dst, 0, kpad);
      }
    }
    const uint8_t* a = a_copy;
    const size_t lda = stride;
    const bool two_row_tiles = rows > 16;
    for (size_t c = c0; c < c1; c += kBlockCols) {
      const size_t cols = std::min(kBlockCols, c1 - c);
      const int8_t* w0 = g.packed + (c / 16) * panel_bytes;
      // A second panel past N would be read from beyond the weights: reuse the first (its
      // results land in columns the epilogue does not store).
      const int8_t* w1 = cols > 16 ? w0 + panel_bytes : w0;
      _tile_zero(0);
      _tile_zero(1);
      if (two_row_tiles) {
        _tile_zero(2);
        _tile_zero(3);
        for (size_t q = 0; q < quads; q += 16) {
          _tile_loadd(4, a + 4 * q, lda);
          _tile_loadd(5, a + 16 * lda + 4 * q, lda);
          _tile_loadd(6, w0 + q * 64, 64);
          _tile_loadd(7, w1 + q * 64, 64);
          _tile_dpbusd(0, 4, 6);
          _tile_dpbusd(1, 4, 7);
          _tile_dpbusd(2, 5, 6);
          _tile_dpbusd(3, 5, 7);
        }
        _tile_stored(2, acc + 16 * kBlockCols, kBlockCols * 4);
        _tile_stored(3, acc + 16 * kBlockCols + 16, kBlockCols * 4);
      } else {
        for (size_t q = 0; q < quads; q += 16) {
          _tile_loadd(4, a + 4 * q, lda);
          _tile_loadd(6, w0 + q * 64, 64);
          _tile_loadd(7, w1 + q * 64, 64);
          _tile_dpbusd(0, 4, 6);
          _tile_dpbusd(1, 4, 7);
        }
      }
      _tile_stored(0, acc, kBlockCols * 4);
      _tile_stored(1, acc + 16, kBlockCols * 4);
      Epilogue(g, acc, r, rows, c, cols);
    }
  }
  _tile_release();
}

}  // namespace axle::x86
