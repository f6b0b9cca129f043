// The fused attention kernel, written once over a vector-traits type V (kernels/x86/f32-attention/
// and kernels/arm64/f32-attention/ instantiate it in translation units compiled with their ISA's
// flags). Flash-attention-style tiling with an online softmax: for a block of queries of one
// (batch, head), keys are visited in tiles of 64, transposed once into a [dk][64] stack buffer
// shared by the block; scores are V::kLanes keys per FMA; the running max, sum and output
// accumulators are rescaled when the max grows. Extra memory is the stack tile and
// accumulators: O(key tile x dk + dv), never Tq x Tk.
//
// V provides: type T, kLanes, Zero, Set1, Load (aligned), LoadU, Store (aligned), Fma, Add,
// Sub, Max, Exp, ZeroWhereNegInf(x, p), ReduceMax, ReduceAdd.
#ifndef AXLE_KERNELS_CPU_ATTENTION_KERNEL_H_
#define AXLE_KERNELS_CPU_ATTENTION_KERNEL_H_

#include <algorithm>
#include <cmath>

#include "kernels/cpu/attention-tiles.h"

namespace axle::cpu {

// acc[0, NV lanes) += sum_j p[j] v_j for the nk keys of a tile, the NV accumulators in registers
// (one broadcast and NV loads feed NV FMAs per key).
template <typename V, int NV>
void AttentionPV(const float* p, int64_t nk, const float* v, int64_t ld_v, float* acc) {
  typename V::T r[NV];
#pragma GCC unroll 8
  for (int c = 0; c < NV; ++c) r[c] = V::Load(acc + V::kLanes * c);
  for (int64_t j = 0; j < nk; ++j) {
    const typename V::T pj = V::Set1(p[j]);
    const float* vj = v + j * ld_v;
#pragma GCC unroll 8
    for (int c = 0; c < NV; ++c) r[c] = V::Fma(pj, V::LoadU(vj + V::kLanes * c), r[c]);
  }
#pragma GCC unroll 8
  for (int c = 0; c < NV; ++c) V::Store(acc + V::kLanes * c, r[c]);
}

// acc[0, dv) += sum_j p[j] v_j, in register blocks of up to 8 vectors, a scalar tail.
template <typename V>
void AttentionAccumulate(const float* p, int64_t nk, const float* v, int64_t ld_v, int64_t dv,
                         float* acc) {
  int64_t d = 0;
  for (; d + V::kLanes <= dv;) {
    const int64_t vectors = std::min<int64_t>(8, (dv - d) / V::kLanes);
    switch (vectors) {
    case 8: AttentionPV<V, 8>(p, nk, v + d, ld_v, acc + d); break;
    case 7: AttentionPV<V, 7>(p, nk, v + d, ld_v, acc + d); break;
    case 6: AttentionPV<V, 6>(p, nk, v + d, ld_v, acc + d); break;
    case 5: AttentionPV<V, 5>(p, nk, v + d, ld_v, acc + d); break;
    case 4: AttentionPV<V, 4>(p, nk, v + d, ld_v, acc + d); break;
    case 3: AttentionPV<V, 3>(p, nk, v + d, ld_v, acc + d); break;
    case 2: AttentionPV<V, 2>(p, nk, v + d, ld_v, acc + d); break;
    default: AttentionPV<V, 1>(p, nk, v + d, ld_v, acc + d); break;
    }
    d += vectors * V::kLanes;
  }
  for (; d < dv; ++d)
    for (int64_t j = 0; j < nk; ++j) acc[d] += p[j] * v[j * ld_v + d];
}

template <typename V>
void AttentionRows(const AttentionArgs& a, int64_t row_begin, int64_t row_end) {
  using T = typename V::T;
  constexpr int kVectors = static_cast<int>(kKeyTile / V::kLanes);
  alignas(64) float kt[kAttentionMaxDk * kKeyTile];
  alignas(64) float s[kAttentionQueryBlock][kKeyTile];
  alignas(64) float acc[kAttentionQueryBlock][kAttentionMaxDv];
  alignas(64) float qs[kAttentionQueryBlock][kAttentionMaxDk];
  float m[kAttentionQueryBlock], l[kAttentionQueryBlock];
  const int64_t blocks = (a.sq + kAttentionQueryBlock - 1) / kAttentionQueryBlock;
  const int64_t ld_v = a.kv_heads * a.dv;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t qb = row % blocks, h = (row / blocks) % a.heads, b = row / (blocks * a.heads);
    const int64_t i0 = qb * kAttentionQueryBlock;
    const int nq = static_cast<int>(std::min(kAttentionQueryBlock, a.sq - i0));
    StartQueryBlock(a, b, h, i0, nq, qs, m, l, acc);
    for (int64_t j0 = 0; j0 < a.sk; j0 += kKeyTile) {
      const int64_t nk = std::min(kKeyTile, a.sk - j0);
      TransposeKeyTile(a, b, h, j0, nk, kt);
      for (int qi = 0; qi < nq; ++qi) {
        T sc[kVectors];
        for (int c = 0; c < kVectors; ++c) sc[c] = V::Zero();
        for (int64_t d = 0; d < a.dk; ++d) {
          const T qd = V::Set1(qs[qi][d]);
          const float* row_d = kt + d * kKeyTile;
          for (int c = 0; c < kVectors; ++c)
            sc[c] = V::Fma(qd, V::Load(row_d + V::kLanes * c), sc[c]);
        }
        for (int c = 0; c < kVectors; ++c) V::Store(s[qi] + V::kLanes * c, sc[c]);
        MaskScores(a, b, h, i0 + qi, j0, nk, s[qi]);
        T mx = V::Set1(-INFINITY);
        for (int c = 0; c < kVectors; ++c) mx = V::Max(mx, V::Load(s[qi] + V::kLanes * c));
        const float tile_max = V::ReduceMax(mx);
        if (tile_max == -INFINITY) continue;  // every key so far masked out
        const float m_new = std::max(m[qi], tile_max);
        if (m_new > m[qi]) {
          const float r = m[qi] == -INFINITY ? 0.0f : std::exp(m[qi] - m_new);
          l[qi] *= r;
          for (int64_t d = 0; d < a.dv; ++d) acc[qi][d] *= r;
          m[qi] = m_new;
        }
        const T mv = V::Set1(m_new);
        T sum = V::Zero();
        for (int c = 0; c < kVectors; ++c) {
          const T x = V::Load(s[qi] + V::kLanes * c);
          const T p = V::ZeroWhereNegInf(x, V::Exp(V::Sub(x, mv)));  // exp(-inf) = 0
          V::Store(s[qi] + V::kLanes * c, p);
          sum = V::Add(sum, p);
        }
        l[qi] += V::ReduceAdd(sum);
        AttentionAccumulate<V>(s[qi], nk, a.v + (b * a.sk + j0) * ld_v + KvHead(a, h) * a.dv, ld_v,
                               a.dv, acc[qi]);
      }
    }
    FinishQueryBlock(a, b, h, i0, nq, acc, l);
  }
}

}  // namespace axle::cpu

#endif  // AXLE_KERNELS_CPU_ATTENTION_KERNEL_H_
