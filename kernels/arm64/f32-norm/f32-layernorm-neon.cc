// LayerNorm over rows of `inner` floats, AArch64 NEON: the algorithm of the AVX-512 kernel
// (kernels/x86/f32-norm/f32-layernorm-avx512.cc): mean (of the row shifted by its first element)
// and variance from the deviations in two passes over 4 vector accumulators, then
// y = (x - mean) * rstd * scale + bias. Same bound against the reference (cpu_kernels_test).
#include <arm_neon.h>

#include <cmath>
#include <cstddef>

#include "kernels/arm64/arm64_kernels.h"

namespace axle::arm64 {
namespace {

// Sum of (x - shift), or of (x - shift)^2 with `square`.
float Sum(const float* x, size_t n, float shift, bool square) {
  float32x4_t acc[4] = {vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0)};
  const float32x4_t s = vdupq_n_f32(shift);
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 4; ++j) {
      const float32x4_t d = vsubq_f32(vld1q_f32(x + i + 4 * j), s);
      acc[j] = square ? vfmaq_f32(acc[j], d, d) : vaddq_f32(acc[j], d);
    }
  for (; i + 4 <= n; i += 4) {
    const float32x4_t d = vsubq_f32(vld1q_f32(x + i), s);
    acc[0] = square ? vfmaq_f32(acc[0], d, d) : vaddq_f32(acc[0], d);
  }
  float tail = 0;
  for (; i < n; ++i) {
    const float d = x[i] - shift;
    tail += square ? d * d : d;
  }
  return vaddvq_f32(vaddq_f32(vaddq_f32(acc[0], acc[1]), vaddq_f32(acc[2], acc[3]))) + tail;
}

}  // namespace

void axle_f32_layernorm__neon(const float* x, size_t rows, size_t inner, const float* scale,
                              const float* bias, float epsilon, float* y) {
  for (size_t r = 0; r < rows; ++r) {
    const float* xs = x + r * inner;
    float* ys = y + r * inner;
    const float pivot = inner ? xs[0] : 0.0f;
    const float mu =
        inner ? pivot + Sum(xs, inner, pivot, false) / static_cast<float>(inner) : 0.0f;
    const float var = inner ? Sum(xs, inner, mu, true) / static_cast<float>(inner) : 0.0f;
    const float rstd = 1.0f / std::sqrt(var + epsilon);
    const float32x4_t m = vdupq_n_f32(mu), rs = vdupq_n_f32(rstd);
    size_t i = 0;
    for (; i + 4 <= inner; i += 4) {
      const float32x4_t v = vmulq_f32(vsubq_f32(vld1q_f32(xs + i), m), rs);
      const float32x4_t b = bias ? vld1q_f32(bias + i) : vdupq_n_f32(0.0f);
      vst1q_f32(ys + i, vfmaq_f32(b, v, vld1q_f32(scale + i)));
    }
    for (; i < inner; ++i) {
      const float v = (xs[i] - mu) * rstd;
      ys[i] = std::fma(v, scale[i], bias ? bias[i] : 0.0f);
    }
  }
}

}  // namespace axle::arm64
