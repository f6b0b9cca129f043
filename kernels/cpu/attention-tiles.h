// The ISA-independent parts of the attention kernels (attention-kernel.h instantiated per ISA):
// loading a block of queries, transposing a tile of keys, applying the mask to a row of scores,
// writing the normalized outputs. Plain C++ (no intrinsics).
#ifndef AXLE_KERNELS_CPU_ATTENTION_TILES_H_
#define AXLE_KERNELS_CPU_ATTENTION_TILES_H_

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/cpu/cpu_kernels.h"

namespace axle::cpu {

constexpr int64_t kKeyTile = 64;  // keys per tile: 8 AVX2, 4 AVX-512 or 16 NEON vectors of scores

// Queries i0 .. i0 + nq of (b, h), pre-multiplied by the scale, into qs; running max,
// sum and output accumulators reset.
inline void StartQueryBlock(const AttentionArgs& a, int64_t b, int64_t h, int64_t i0, int nq,
                            float (*qs)[kAttentionMaxDk], float* m, float* l,
                            float (*acc)[kAttentionMaxDv]) {
  const int64_t ld = a.heads * a.dk;
  for (int qi = 0; qi < nq; ++qi) {
    const float* q = a.q + (b * a.sq + i0 + qi) * ld + h * a.dk;
    for (int64_t d = 0; d < a.dk; ++d) qs[qi][d] = q[d] * a.scale;
    m[qi] = -INFINITY;
    l[qi] = 0;
    std::fill(acc[qi], acc[qi] + a.dv, 0.0f);
  }
}

// The K/V head query head h reads (grouped-query attention shares one among heads / kv_heads).
inline int64_t KvHead(const AttentionArgs& a, int64_t h) { return h / (a.heads / a.kv_heads); }

// Keys j0 .. j0 + nk of (b, h) as kt[d][j] (zero past nk): score vectors load 64 keys of one d.
inline void TransposeKeyTile(const AttentionArgs& a, int64_t b, int64_t h, int64_t j0, int64_t nk,
                             float* kt) {
  const int64_t ld = a.kv_heads * a.dk;
  for (int64_t j = 0; j < nk; ++j) {
    const float* kj = a.k + (b * a.sk + j0 + j) * ld + KvHead(a, h) * a.dk;
    for (int64_t d = 0; d < a.dk; ++d) kt[d * kKeyTile + j] = kj[d];
  }
  for (int64_t j = nk; j < kKeyTile; ++j)
    for (int64_t d = 0; d < a.dk; ++d) kt[d * kKeyTile + j] = 0;
}

// The mask of query i over keys j0 .. j0 + nk applied to the scaled scores s, and -inf past nk.
inline void MaskScores(const AttentionArgs& a, int64_t b, int64_t h, int64_t i, int64_t j0,
                       int64_t nk, float* s) {
  if (!a.mask && nk == kKeyTile) return;  // a full tile without a mask: nothing to do
  const int64_t mo = b * a.mask_strides[0] + h * a.mask_strides[1] + i * a.mask_strides[2];
  for (int64_t j = 0; j < kKeyTile; ++j) {
    if (j >= nk) {
      s[j] = -INFINITY;
      continue;
    }
    if (!a.mask) continue;
    const int64_t at = mo + (j0 + j) * a.mask_strides[3];
    if (a.mask_mode == 1) {
      s[j] += static_cast<const float*>(a.mask)[at];
    } else {
      const bool set = static_cast<const uint8_t*>(a.mask)[at] != 0;
      if (set != (a.mask_mode == 2)) s[j] = a.mask_fill;
    }
  }
}

// y = acc / l for the block; where every key was masked with -inf, NaN (as softmax gives) or 0
// (zero_empty_rows).
inline void FinishQueryBlock(const AttentionArgs& a, int64_t b, int64_t h, int64_t i0, int nq,
                             const float (*acc)[kAttentionMaxDv], const float* l) {
  const int64_t ld = a.heads * a.dv;
  for (int qi = 0; qi < nq; ++qi) {
    float* y = a.y + (b * a.sq + i0 + qi) * ld + h * a.dv;
    const float inv = l[qi] > 0 ? 1.0f / l[qi] : (a.zero_empty_rows ? 0.0f : NAN);
    for (int64_t d = 0; d < a.dv; ++d) y[d] = acc[qi][d] * inv;
  }
}

}  // namespace axle::cpu

#endif  // AXLE_KERNELS_CPU_ATTENTION_TILES_H_
