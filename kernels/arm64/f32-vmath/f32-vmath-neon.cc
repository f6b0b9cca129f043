// exp / erf / tanh / GELU over arrays, AArch64 NEON (kernels/arm64/neon-math.h), 8 floats per
// step; the tail through a 4-float buffer.
#include <arm_neon.h>

#include <cstring>

#include "kernels/arm64/arm64_kernels.h"
#include "kernels/arm64/neon-math.h"

namespace axle::arm64 {

void axle_f32_vmath__neon(VMathFn fn, const float* x, float* y, size_t n) {
  auto apply = [fn](float32x4_t v) {
    switch (fn) {
    case VMathFn::kExp: return Exp(v);
    case VMathFn::kErf: return Erf(v);
    case VMathFn::kTanh: return Tanh(v);
    case VMathFn::kGeluErf: return GeluErf(v);
    case VMathFn::kGeluTanh: return GeluTanh(v);
    }
    return v;
  };
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float32x4_t a = apply(vld1q_f32(x + i)), b = apply(vld1q_f32(x + i + 4));
    vst1q_f32(y + i, a);
    vst1q_f32(y + i + 4, b);
  }
  for (; i < n; i += 4) {
    const size_t m = n - i < 4 ? n - i : 4;
    float buf[4] = {};
    std::memcpy(buf, x + i, m * sizeof(float));
    vst1q_f32(buf, apply(vld1q_f32(buf)));
    std::memcpy(y + i, buf, m * sizeof(float));
  }
}

}  // namespace axle::arm64
