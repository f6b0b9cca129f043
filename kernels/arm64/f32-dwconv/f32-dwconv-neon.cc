// Depthwise convolution, fp32, channels-last, AArch64 NEON: dwconv-kernel.h over 4 channels.
#include <arm_neon.h>

#include "kernels/arm64/arm64_kernels.h"
#include "kernels/cpu/dwconv-kernel.h"

namespace axle::arm64 {
namespace {

struct Neon {
  using T = float32x4_t;
  static constexpr int64_t kLanes = 4;
  static T Zero() { return vdupq_n_f32(0.0f); }
  static T Set1(float x) { return vdupq_n_f32(x); }
  static T LoadU(const float* p) { return vld1q_f32(p); }
  static void StoreU(float* p, T v) { vst1q_f32(p, v); }
  static T Fma(T a, T b, T c) { return vfmaq_f32(c, a, b); }
  static T Max(T a, T b) { return vmaxq_f32(a, b); }
  static T Min(T a, T b) { return vminq_f32(a, b); }
};

}  // namespace

void axle_f32_dwconv__neon(const DepthwiseArgs& a, int64_t row_begin, int64_t row_end) {
  cpu::DepthwiseRows<Neon>(a, row_begin, row_end);
}

}  // namespace axle::arm64
