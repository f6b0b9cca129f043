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

// The output row of query i of (b, h): the kernel accumulates there (rescaled as the running
// max grows) and divides by the softmax sum at the end.
inline float* OutputRow(const AttentionArgs& a, int64_t b, int64_t h, int64_t i) {
  return a.y + (b * a.sq + i) * a.heads * a.dv + h * a.dv;
}

// Queries i0 .. i0 + nq of (b, h), pre-multiplied by the scale, into qs.
inline void LoadQueries(const AttentionArgs& a, int64_t b, int64_t h, int64_t i0, int nq,
                        float (*qs)[kAttentionMaxDk]) {
  const int64_t ld = a.heads * a.dk;
  for (int qi = 0; qi < nq; ++qi) {
    const float* q = a.q + (b * a.sq + i0 + qi) * ld + h * a.dk;
    for (int64_t d = 0; d < a.dk; ++d) qs[qi][d] = q[d] * a.scale;
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

// y /= l for queries i0 .. i0 + n; where every key was masked with -inf, NaN (as softmax gives)
// or 0 (zero_empty_rows).
inline void FinishQueries(const AttentionArgs& a, int64_t b, int64_t h, int64_t i0, int64_t n,
                          const float* l) {
  for (int64_t qi = 0; qi < n; ++qi) {
    float* y = OutputRow(a, b, h, i0 + qi);
    const float inv = l[qi] > 0 ? 1.0f / l[qi] : (a.zero_empty_rows ? 0.0f : NAN);
    for (int64_t d = 0; d < a.dv; ++d) y[d] *= inv;
  }
}

}  // namespace axle::cpu

#endif  // AXLE_KERNELS_CPU_ATTENTION_TILES_H_
