// The fused attention kernel, written once over a vector-traits type V (kernels/x86/f32-attention/
// and kernels/arm64/f32-attention/ instantiate it in translation units compiled with their ISA's
// flags). Flash-attention-style tiling with an online softmax: for a block of queries of one
// (batch, head), keys are visited in tiles of 64, transposed once into a [dk][64] stack buffer
// shared by the block; scores and the weighted sum of values are register-blocked over up to 4
// queries (each loaded key or value vector feeds one FMA per query); the running max, sum and
// output accumulators are rescaled when the max grows. Extra memory is the stack tile and
// accumulators: O(key tile x dk + dv), never Tq x Tk.
//
// V provides: type T, kLanes, Zero, Set1, Load (aligned), LoadU, Store (aligned), StoreU, Fma, Add,
// Sub, Max, Exp, ZeroWhereNegInf(x, p), ReduceMax, ReduceAdd; and the register blocking:
// kQueryBlock queries (1-4) x kScoreVectors vectors of accumulators (with as many loaded
// vectors and a broadcast, within the ISA's register file).
#ifndef AXLE_KERNELS_CPU_ATTENTION_KERNEL_H_
#define AXLE_KERNELS_CPU_ATTENTION_KERNEL_H_

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "kernels/cpu/attention-tiles.h"

namespace axle::cpu {

// Scores of Q queries (rows q0.. of qs) against the tile's keys, register-blocked: per d, CB
// key vectors are loaded once and each feeds Q FMAs (one broadcast per query), so the FMA ports
// and not the loads bound it. s[q][0, 64) = qs[q] . kt[:, j].
template <typename V, int Q>
void ScoreQueries(const float (*qs)[kAttentionMaxDk], int64_t dk, const float* kt,
                  float (*s)[kKeyTile]) {
  using T = typename V::T;
  constexpr int kVectors = static_cast<int>(kKeyTile / V::kLanes);
  constexpr int CB = V::kScoreVectors < kVectors ? V::kScoreVectors : kVectors;
  for (int c0 = 0; c0 < kVectors; c0 += CB) {
    T acc[Q][CB];
#pragma GCC unroll 4
    for (int q = 0; q < Q; ++q)
#pragma GCC unroll 8
      for (int c = 0; c < CB; ++c) acc[q][c] = V::Zero();
    for (int64_t d = 0; d < dk; ++d) {
      T kv[CB];
      const float* row = kt + d * kKeyTile + V::kLanes * c0;
#pragma GCC unroll 8
      for (int c = 0; c < CB; ++c) kv[c] = V::Load(row + V::kLanes * c);
#pragma GCC unroll 4
      for (int q = 0; q < Q; ++q) {
        const T qd = V::Set1(qs[q][d]);
#pragma GCC unroll 8
        for (int c = 0; c < CB; ++c) acc[q][c] = V::Fma(qd, kv[c], acc[q][c]);
      }
    }
#pragma GCC unroll 4
    for (int q = 0; q < Q; ++q)
#pragma GCC unroll 8
      for (int c = 0; c < CB; ++c) V::Store(s[q] + V::kLanes * (c0 + c), acc[q][c]);
  }
}

// acc_q[0, dv) += sum_j p[q][j] v_j for Q queries (acc rows ld_acc apart: the output rows),
// register-blocked over NV value vectors: each value vector loaded once per key feeds Q FMAs. A
// scalar tail past the last whole vector.
template <typename V, int Q>
void AccumulateQueries(const float (*p)[kKeyTile], int64_t nk, const float* v, int64_t ld_v,
                       int64_t dv, float* acc, int64_t ld_acc) {
  using T = typename V::T;
  constexpr int NV = V::kScoreVectors;
  int64_t d0 = 0;
  for (; d0 + V::kLanes <= dv; d0 += NV * V::kLanes) {
    const int nv = static_cast<int>(std::min<int64_t>(NV, (dv - d0) / V::kLanes));
    T r[Q][NV];
#pragma GCC unroll 4
    for (int q = 0; q < Q; ++q)
#pragma GCC unroll 8
      for (int c = 0; c < NV; ++c)
        r[q][c] = c < nv ? V::LoadU(acc + q * ld_acc + d0 + V::kLanes * c) : V::Zero();
    for (int64_t j = 0; j < nk; ++j) {
      T vv[NV];
      const float* vj = v + j * ld_v + d0;
#pragma GCC unroll 8
      for (int c = 0; c < NV; ++c) vv[c] = c < nv ? V::LoadU(vj + V::kLanes * c) : V::Zero();
#pragma GCC unroll 4
      for (int q = 0; q < Q; ++q) {
        const T pj = V::Set1(p[q][j]);
#pragma GCC unroll 8
        for (int c = 0; c < NV; ++c) r[q][c] = V::Fma(pj, vv[c], r[q][c]);
      }
    }
#pragma GCC unroll 4
    for (int q = 0; q < Q; ++q)
#pragma GCC unroll 8
      for (int c = 0; c < NV; ++c)
        if (c < nv) V::StoreU(acc + q * ld_acc + d0 + V::kLanes * c, r[q][c]);
    if (nv < NV) {
      d0 += nv * V::kLanes;
      break;
    }
  }
  for (int64_t d = d0; d < dv; ++d)
    for (int q = 0; q < Q; ++q)
      for (int64_t j = 0; j < nk; ++j) acc[q * ld_acc + d] += p[q][j] * v[j * ld_v + d];
}

// Calls fn(q0, integral_constant<Q>) for the queries [0, nq) in groups of V::kQueryBlock.
template <typename V, typename Fn>
void ForQueryGroups(int nq, Fn&& fn) {
  constexpr int QB = V::kQueryBlock;
  for (int q0 = 0; q0 < nq; q0 += QB) {
    switch (std::min(QB, nq - q0)) {
    case 4: fn(q0, std::integral_constant<int, (QB >= 4 ? 4 : 1)>()); break;
    case 3: fn(q0, std::integral_constant<int, (QB >= 3 ? 3 : 1)>()); break;
    case 2: fn(q0, std::integral_constant<int, 2>()); break;
    default: fn(q0, std::integral_constant<int, 1>()); break;
    }
  }
}

// Tasks are (batch, head, range of a.range queries): each key tile is transposed once per task
// and serves every query block of its range; the output rows hold the accumulators.
template <typename V>
void AttentionRows(const AttentionArgs& a, int64_t row_begin, int64_t row_end) {
  using T = typename V::T;
  static_assert(V::kQueryBlock >= 1 && V::kQueryBlock <= 4, "query blocks of 1 to 4");
  constexpr int kVectors = static_cast<int>(kKeyTile / V::kLanes);
  alignas(64) float kt[kAttentionMaxDk * kKeyTile];
  alignas(64) float s[kAttentionQueryBlock][kKeyTile];
  alignas(64) float qs[kAttentionQueryBlock][kAttentionMaxDk];
  float m[kAttentionMaxRange], l[kAttentionMaxRange];
  const int64_t ranges = (a.sq + a.range - 1) / a.range;
  const int64_t ld_v = a.kv_heads * a.dv, ld_y = a.heads * a.dv;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t rg = row % ranges, h = (row / ranges) % a.heads, b = row / (ranges * a.heads);
    const int64_t r0 = rg * a.range, nr = std::min(a.range, a.sq - r0);
    for (int64_t i = 0; i < nr; ++i) {
      m[i] = -INFINITY;
      l[i] = 0;
      std::fill_n(OutputRow(a, b, h, r0 + i), a.dv, 0.0f);
    }
    for (int64_t j0 = 0; j0 < a.sk; j0 += kKeyTile) {
      const int64_t nk = std::min(kKeyTile, a.sk - j0);
      TransposeKeyTile(a, b, h, j0, nk, kt);
      const float* v = a.v + (b * a.sk + j0) * ld_v + KvHead(a, h) * a.dv;
      for (int64_t i0 = r0; i0 < r0 + nr; i0 += kAttentionQueryBlock) {
        const int nq = static_cast<int>(std::min(kAttentionQueryBlock, r0 + nr - i0));
        float* mb = m + (i0 - r0);
        float* lb = l + (i0 - r0);
        LoadQueries(a, b, h, i0, nq, qs);
        ForQueryGroups<V>(nq, [&](int q0, auto q) {
          ScoreQueries<V, decltype(q)::value>(qs + q0, a.dk, kt, s + q0);
        });
        for (int qi = 0; qi < nq; ++qi) {
          MaskScores(a, b, h, i0 + qi, j0, nk, s[qi]);
          T mx = V::Set1(-INFINITY);
          for (int c = 0; c < kVectors; ++c) mx = V::Max(mx, V::Load(s[qi] + V::kLanes * c));
          const float tile_max = V::ReduceMax(mx);
          if (tile_max == -INFINITY) {  // every key so far masked out: this tile adds nothing
            std::fill(s[qi], s[qi] + kKeyTile, 0.0f);
            continue;
          }
          const float m_new = std::max(mb[qi], tile_max);
          if (m_new > mb[qi]) {
            const float r = mb[qi] == -INFINITY ? 0.0f : std::exp(mb[qi] - m_new);
            lb[qi] *= r;
            float* acc = OutputRow(a, b, h, i0 + qi);
            for (int64_t d = 0; d < a.dv; ++d) acc[d] *= r;
            mb[qi] = m_new;
          }
          const T mv = V::Set1(m_new);
          T sum = V::Zero();
          for (int c = 0; c < kVectors; ++c) {
            const T x = V::Load(s[qi] + V::kLanes * c);
            const T p = V::ZeroWhereNegInf(x, V::Exp(V::Sub(x, mv)));  // exp(-inf) = 0
            V::Store(s[qi] + V::kLanes * c, p);
            sum = V::Add(sum, p);
          }
          lb[qi] += V::ReduceAdd(sum);
        }
        ForQueryGroups<V>(nq, [&](int q0, auto q) {
          AccumulateQueries<V, decltype(q)::value>(s + q0, nk, v, ld_v, a.dv,
                                                   OutputRow(a, b, h, i0 + q0), ld_y);
        });
      }
    }
    FinishQueries(a, b, h, r0, nr, l);
  }
}

}  // namespace axle::cpu

#endif  // AXLE_KERNELS_CPU_ATTENTION_KERNEL_H_
