// Fused multi-head attention, fp32, AArch64 NEON: kernels/cpu/attention-kernel.h over 4-wide
// vectors (16 score vectors per 64-key tile).
#include <arm_neon.h>

#include <cmath>

#include "kernels/arm64/arm64_kernels.h"
#include "kernels/arm64/neon-math.h"
#include "kernels/cpu/attention-kernel.h"

namespace axle::arm64 {
namespace {

struct Neon {
  using T = float32x4_t;
  static constexpr int64_t kLanes = 4;
  static constexpr int kQueryBlock = 4, kScoreVectors = 4;  // 16 accumulators + 4 loads of 32
  static T Zero() { return vdupq_n_f32(0.0f); }
  static T Set1(float x) { return vdupq_n_f32(x); }
  static T Load(const float* p) { return vld1q_f32(p); }
  static T LoadU(const float* p) { return vld1q_f32(p); }
  static void Store(float* p, T v) { vst1q_f32(p, v); }
  static void StoreU(float* p, T v) { vst1q_f32(p, v); }
  static T Fma(T a, T b, T c) { return vfmaq_f32(c, a, b); }
  static T Add(T a, T b) { return vaddq_f32(a, b); }
  static T Sub(T a, T b) { return vsubq_f32(a, b); }
  static T Max(T a, T b) { return vmaxq_f32(a, b); }
  static T Exp(T x) { return arm64::Exp(x); }
  static T ZeroWhereNegInf(T x, T p) {
    const uint32x4_t neg_inf = vceqq_f32(x, vdupq_n_f32(-INFINITY));
    return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(p), neg_inf));
  }
  static float ReduceMax(T v) { return vmaxvq_f32(v); }
  static float ReduceAdd(T v) { return vaddvq_f32(v); }
};

}  // namespace

void axle_f32_attention__neon(const AttentionArgs& a, int64_t row_begin, int64_t row_end) {
  cpu::AttentionRows<Neon>(a, row_begin, row_end);
}

}  // namespace axle::arm64
