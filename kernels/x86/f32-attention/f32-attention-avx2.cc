// Fused multi-head attention, fp32, AVX2 + FMA: flash-attention-style tiling with an online
// softmax. For a block of up to 4 queries of one (batch, head), keys are visited in tiles of 64:
// the tile of K is transposed once into a [dk][64] stack buffer and shared by the block; scores
// are 8 keys per FMA; the running max, sum and output accumulators are rescaled when the max
// grows. Extra memory is the stack tile and accumulators: O(Tk-tile x dk + dv), never Tq x Tk.
#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "kernels/x86/avx2-math.h"
#include "kernels/x86/f32-attention/attention-tiles.h"
#include "kernels/x86/x86_kernels.h"

namespace axle::x86 {
namespace {

constexpr int64_t kMaxDk = kAttentionMaxDk, kMaxDv = kAttentionMaxDv;

// acc[0, 8 NV) += sum_j p[j] v_j for the nk keys of a tile, the NV accumulators in registers
// (one broadcast and NV loads feed NV FMAs per key).
template <int NV>
void PV(const float* p, int64_t nk, const float* v, int64_t ld_v, float* acc) {
  __m256 r[NV];
#pragma GCC unroll 16
  for (int c = 0; c < NV; ++c) r[c] = _mm256_load_ps(acc + 8 * c);
  for (int64_t j = 0; j < nk; ++j) {
    const __m256 pj = _mm256_broadcast_ss(p + j);
    const float* vj = v + j * ld_v;
#pragma GCC unroll 16
    for (int c = 0; c < NV; ++c) r[c] = _mm256_fmadd_ps(pj, _mm256_loadu_ps(vj + 8 * c), r[c]);
  }
#pragma GCC unroll 16
  for (int c = 0; c < NV; ++c) _mm256_store_ps(acc + 8 * c, r[c]);
}

// Register-blocked P x V for head sizes that are multiples of 8 up to 128; false otherwise.
bool AccumulatePV(const float* p, int64_t nk, const float* v, int64_t ld_v, int64_t dv,
                  float* acc) {
  switch (dv) {
  case 8: PV<1>(p, nk, v, ld_v, acc); return true;
  case 16: PV<2>(p, nk, v, ld_v, acc); return true;
  case 32: PV<4>(p, nk, v, ld_v, acc); return true;
  case 64: PV<8>(p, nk, v, ld_v, acc); return true;
  case 96: PV<12>(p, nk, v, ld_v, acc); return true;
  case 128: PV<8>(p, nk, v, ld_v, acc), PV<8>(p, nk, v + 64, ld_v, acc + 64); return true;
  default: return false;
  }
}

}  // namespace

void axle_f32_attention__avx2_fma(const AttentionArgs& a, int64_t row_begin, int64_t row_end) {
  alignas(32) float kt[kMaxDk * kKeyTile];
  alignas(32) float s[kAttentionQueryBlock][kKeyTile];
  alignas(32) float acc[kAttentionQueryBlock][kMaxDv];
  alignas(32) float qs[kAttentionQueryBlock][kMaxDk];
  float m[kAttentionQueryBlock], l[kAttentionQueryBlock];
  const int64_t blocks = (a.sq + kAttentionQueryBlock - 1) / kAttentionQueryBlock;
  const int64_t ld_v = a.heads * a.dv;
  const __m256 neg_inf = _mm256_set1_ps(-INFINITY);
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t qb = row % blocks, h = (row / blocks) % a.heads, b = row / (blocks * a.heads);
    const int64_t i0 = qb * kAttentionQueryBlock;
    const int nq = static_cast<int>(std::min(kAttentionQueryBlock, a.sq - i0));
    StartQueryBlock(a, b, h, i0, nq, qs, m, l, acc);
    for (int64_t j0 = 0; j0 < a.sk; j0 += kKeyTile) {
      const int64_t nk = std::min(kKeyTile, a.sk - j0);
      TransposeKeyTile(a, b, h, j0, nk, kt);
      for (int qi = 0; qi < nq; ++qi) {
        __m256 sc[kKeyTile / 8];
        for (int c = 0; c < kKeyTile / 8; ++c) sc[c] = _mm256_setzero_ps();
        for (int64_t d = 0; d < a.dk; ++d) {
          const __m256 qd = _mm256_broadcast_ss(&qs[qi][d]);
          const float* row_d = kt + d * kKeyTile;
          for (int c = 0; c < kKeyTile / 8; ++c)
            sc[c] = _mm256_fmadd_ps(qd, _mm256_load_ps(row_d + 8 * c), sc[c]);
        }
        for (int c = 0; c < kKeyTile / 8; ++c) _mm256_store_ps(s[qi] + 8 * c, sc[c]);
        MaskScores(a, b, h, i0 + qi, j0, nk, s[qi]);
        __m256 mx = neg_inf;
        for (int c = 0; c < kKeyTile / 8; ++c)
          mx = _mm256_max_ps(mx, _mm256_load_ps(s[qi] + 8 * c));
        const float tile_max = HorizontalMax(mx);
        if (tile_max == -INFINITY) continue;  // every key so far masked out
        const float m_new = std::max(m[qi], tile_max);
        if (m_new > m[qi]) {
          const float r = m[qi] == -INFINITY ? 0.0f : std::exp(m[qi] - m_new);
          l[qi] *= r;
          const __m256 rv = _mm256_set1_ps(r);
          for (int64_t d = 0; d < a.dv; d += 8) {
            const int n = static_cast<int>(std::min<int64_t>(8, a.dv - d));
            if (n == 8)
              _mm256_store_ps(acc[qi] + d, _mm256_mul_ps(rv, _mm256_load_ps(acc[qi] + d)));
            else
              for (int t = 0; t < n; ++t) acc[qi][d + t] *= r;
          }
          m[qi] = m_new;
        }
        const __m256 mv = _mm256_set1_ps(m_new);
        __m256 sum = _mm256_setzero_ps();
        for (int c = 0; c < kKeyTile / 8; ++c) {
          const __m256 x = _mm256_load_ps(s[qi] + 8 * c);
          __m256 p = Exp(_mm256_sub_ps(x, mv));
          p = _mm256_andnot_ps(_mm256_cmp_ps(x, neg_inf, _CMP_EQ_OQ), p);  // exp(-inf) = 0
          _mm256_store_ps(s[qi] + 8 * c, p);
          sum = _mm256_add_ps(sum, p);
        }
        l[qi] += HorizontalSum(sum);
        const float* v0 = a.v + (b * a.sk + j0) * ld_v + h * a.dv;
        if (AccumulatePV(s[qi], nk, v0, ld_v, a.dv, acc[qi])) continue;
        for (int64_t j = 0; j < nk; ++j) {
          const float pj = s[qi][j];
          if (pj == 0.0f) continue;
          const __m256 pv = _mm256_set1_ps(pj);
          const float* vj = a.v + (b * a.sk + j0 + j) * ld_v + h * a.dv;
          int64_t d = 0;
          for (; d + 8 <= a.dv; d += 8)
            _mm256_store_ps(acc[qi] + d, _mm256_fmadd_ps(pv, _mm256_loadu_ps(vj + d),
                                                         _mm256_load_ps(acc[qi] + d)));
          for (; d < a.dv; ++d) acc[qi][d] += pj * vj[d];
        }
      }
    }
    FinishQueryBlock(a, b, h, i0, nq, acc, l);
  }
}

}  // namespace axle::x86
