// Weight-only quantized GEMV (M = 1), AArch64 NEON: y[n] = sum_k x[k] * scale * w[k][n] +
// bias[n] with int8 (w8panel16) or int4 (w4panel16, per-group scales) weights widened in
// registers (sxtl to int16, int32, scvtf) and fed to FMLA with x[k]; two panels walked together
// (two memory streams, eight independent FMA chains). The algorithm of the AVX-512 kernel
// (kernels/x86/f32-gemv/f32-gemv-wq-avx512.cc).
#include <arm_neon.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/arm64/arm64_kernels.h"
#include "kernels/common/pack_wq.h"

namespace axle::arm64 {
namespace {

constexpr int kPanels = 2;

// 16 int8 as 4 x 4 floats.
inline void Widen(int8x16_t b, float32x4_t out[4]) {
  const int16x8_t lo = vmovl_s8(vget_low_s8(b)), hi = vmovl_s8(vget_high_s8(b));
  out[0] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(lo)));
  out[1] = vcvtq_f32_s32(vmovl_s16(vget_high_s16(lo)));
  out[2] = vcvtq_f32_s32(vmovl_s16(vget_low_s16(hi)));
  out[3] = vcvtq_f32_s32(vmovl_s16(vget_high_s16(hi)));
}

// Stores 16 accumulated columns of panel p (times the scales, plus bias) to y, n-bounded.
inline void StorePanel(const float32x4_t acc[4], const float* scales, const float* bias, size_t n,
                       size_t p, float* y, bool scaled) {
  const size_t c0 = p * 16, cols = std::min<size_t>(16, n - c0);
  float s[16] = {}, b[16] = {}, out[16];
  std::memcpy(s, scales + c0, cols * sizeof(float));
  if (bias) std::memcpy(b, bias + c0, cols * sizeof(float));
  for (int j = 0; j < 4; ++j) {
    const float32x4_t v = scaled ? acc[j] : vmulq_f32(acc[j], vld1q_f32(s + 4 * j));
    vst1q_f32(out + 4 * j, vaddq_f32(v, vld1q_f32(b + 4 * j)));
  }
  std::memcpy(y + c0, out, cols * sizeof(float));
}

template <int NP>
void W8Panels(const float* x, size_t k, const int8_t* packed, const float* scales, size_t n,
              const float* bias, float* y, size_t p0) {
  float32x4_t acc[NP][4];
  const int8_t* w[NP];
  for (int i = 0; i < NP; ++i) {
    for (int j = 0; j < 4; ++j) acc[i][j] = vdupq_n_f32(0.0f);
    w[i] = packed + (p0 + i) * k * 16;
  }
  for (size_t r = 0; r < k; ++r) {
    const float xr = x[r];
    for (int i = 0; i < NP; ++i) {
      float32x4_t wf[4];
      Widen(vld1q_s8(w[i] + r * 16), wf);
      for (int j = 0; j < 4; ++j) acc[i][j] = vfmaq_n_f32(acc[i][j], wf[j], xr);
    }
  }
  for (int i = 0; i < NP; ++i) StorePanel(acc[i], scales, bias, n, p0 + i, y, false);
}

template <int NP>
void W4Panels(const float* x, size_t k, const uint8_t* packed, const float* scales, size_t n,
              size_t group, const float* bias, float* y, size_t p0) {
  const size_t half = (k + 1) / 2;
  float32x4_t out[NP][4];
  const uint8_t* w[NP];
  for (int i = 0; i < NP; ++i) {
    for (int j = 0; j < 4; ++j) out[i][j] = vdupq_n_f32(0.0f);
    w[i] = packed + (p0 + i) * half * 16;
  }
  const uint8x16_t low = vdupq_n_u8(0xF), eight = vdupq_n_u8(8);
  for (size_t g0 = 0; g0 < k; g0 += group) {
    const size_t g1 = std::min(k, g0 + group);
    float32x4_t acc[NP][4];
    for (int i = 0; i < NP; ++i)
      for (int j = 0; j < 4; ++j) acc[i][j] = vdupq_n_f32(0.0f);
    for (size_t r = g0; r < g1; r += 2) {
      const float x0 = x[r], x1 = r + 1 < k ? x[r + 1] : 0.0f;  // the pad nibble is 0
      for (int i = 0; i < NP; ++i) {
        const uint8x16_t b = vld1q_u8(w[i] + (r / 2) * 16);
        // (nibble ^ 8) - 8 sign-extends a two's complement nibble.
        const int8x16_t even = vsubq_s8(vreinterpretq_s8_u8(veorq_u8(vandq_u8(b, low), eight)),
                                        vreinterpretq_s8_u8(eight));
        const int8x16_t odd = vsubq_s8(vreinterpretq_s8_u8(veorq_u8(vshrq_n_u8(b, 4), eight)),
                                       vreinterpretq_s8_u8(eight));
        float32x4_t fe[4], fo[4];
        Widen(even, fe);
        Widen(odd, fo);
        for (int j = 0; j < 4; ++j)
          acc[i][j] = vfmaq_n_f32(vfmaq_n_f32(acc[i][j], fe[j], x0), fo[j], x1);
      }
    }
    for (int i = 0; i < NP; ++i) {
      const size_t c0 = (p0 + i) * 16, cols = std::min<size_t>(16, n - c0);
      float s[16] = {};
      std::memcpy(s, scales + (g0 / group) * n + c0, cols * sizeof(float));
      for (int j = 0; j < 4; ++j) out[i][j] = vfmaq_f32(out[i][j], acc[i][j], vld1q_f32(s + 4 * j));
    }
  }
  for (int i = 0; i < NP; ++i) StorePanel(out[i], scales, bias, n, p0 + i, y, true);
}

}  // namespace

void axle_f32_gemv_w8__neon(const float* x, size_t k, const int8_t* packed, const float* scales,
                            size_t n, const float* bias, float* y, size_t p_begin, size_t p_end) {
  size_t p = p_begin;
  for (; p + kPanels <= p_end; p += kPanels) W8Panels<kPanels>(x, k, packed, scales, n, bias, y, p);
  for (; p < p_end; ++p) W8Panels<1>(x, k, packed, scales, n, bias, y, p);
}

void axle_f32_gemv_w4__neon(const float* x, size_t k, const uint8_t* packed, const float* scales,
                            size_t n, size_t group, const float* bias, float* y, size_t p_begin,
                            size_t p_end) {
  size_t p = p_begin;
  for (; p + kPanels <= p_end; p += kPanels)
    W4Panels<kPanels>(x, k, packed, scales, n, group, bias, y, p);
  for (; p < p_end; ++p) W4Panels<1>(x, k, packed, scales, n, group, bias, y, p);
}

}  // namespace axle::arm64
