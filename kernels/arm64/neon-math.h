// Vectorized exp, erf, tanh and GELU on 4 floats (AArch64 NEON): the same algorithms and
// constants as kernels/x86/avx2-math.h, so the same error bounds hold and are asserted by
// tests/kernels/cpu_kernels_test.cc (CpuMath.MaxErrorWithinStatedBounds) under qemu:
//   exp relative 2e-7, erf absolute 5e-7, tanh absolute 2e-7, GELU 3e-7 (erf) / 7e-7 (tanh).
#ifndef AXLE_KERNELS_ARM64_NEON_MATH_H_
#define AXLE_KERNELS_ARM64_NEON_MATH_H_

#include <arm_neon.h>

namespace axle::arm64 {

// e^x: x = n ln2 + r, |r| <= ln2/2, e^r by a degree-6 polynomial, 2^n through the exponent.
static inline float32x4_t Exp(float32x4_t x) {
  x = vminq_f32(vmaxq_f32(x, vdupq_n_f32(-87.3f)), vdupq_n_f32(88.3f));
  const float32x4_t n = vrndnq_f32(vmulq_n_f32(x, 1.44269504088896341f));
  float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(0.693359375f));
  r = vfmsq_f32(r, n, vdupq_n_f32(-2.12194440e-4f));
  float32x4_t p = vdupq_n_f32(1.9875691500e-4f);
  p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, r);
  p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, r);
  p = vfmaq_f32(vaddq_f32(r, vdupq_n_f32(1.0f)), p, vmulq_f32(r, r));
  const int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
  return vmulq_f32(p, vreinterpretq_f32_s32(e));
}

static inline float32x4_t CopySign(float32x4_t magnitude, float32x4_t sign_of) {
  return vbslq_f32(vdupq_n_u32(0x80000000u), sign_of, magnitude);
}

// erf(x) = sign(x) (1 - t (a1 + t (a2 + ...)) e^{-x^2}), t = 1 / (1 + p |x|).
static inline float32x4_t Erf(float32x4_t x) {
  const float32x4_t ax = vabsq_f32(x);
  const float32x4_t t =
      vdivq_f32(vdupq_n_f32(1.0f), vfmaq_f32(vdupq_n_f32(1.0f), vdupq_n_f32(0.3275911f), ax));
  float32x4_t y = vdupq_n_f32(1.061405429f);
  y = vfmaq_f32(vdupq_n_f32(-1.453152027f), y, t);
  y = vfmaq_f32(vdupq_n_f32(1.421413741f), y, t);
  y = vfmaq_f32(vdupq_n_f32(-0.284496736f), y, t);
  y = vfmaq_f32(vdupq_n_f32(0.254829592f), y, t);
  y = vmulq_f32(y, t);
  const float32x4_t e = Exp(vnegq_f32(vmulq_f32(ax, ax)));
  return CopySign(vfmsq_f32(vdupq_n_f32(1.0f), y, e), x);
}

static inline float32x4_t Tanh(float32x4_t x) {
  const float32x4_t ax = vminq_f32(vabsq_f32(x), vdupq_n_f32(9.0f));
  const float32x4_t e = Exp(vaddq_f32(ax, ax));
  const float32x4_t r =
      vsubq_f32(vdupq_n_f32(1.0f), vdivq_f32(vdupq_n_f32(2.0f), vaddq_f32(e, vdupq_n_f32(1.0f))));
  return CopySign(r, x);
}

static inline float32x4_t GeluErf(float32x4_t x) {
  const float32x4_t e = Erf(vmulq_n_f32(x, 0.70710678118654752f));
  return vmulq_f32(vmulq_n_f32(x, 0.5f), vaddq_f32(e, vdupq_n_f32(1.0f)));
}

static inline float32x4_t GeluTanh(float32x4_t x) {
  const float32x4_t x3 = vmulq_f32(vmulq_f32(x, x), x);
  const float32x4_t inner = vmulq_n_f32(vfmaq_n_f32(x, x3, 0.044715f), 0.79788456080286535f);
  return vmulq_f32(vmulq_n_f32(x, 0.5f), vaddq_f32(Tanh(inner), vdupq_n_f32(1.0f)));
}

// act: 0 none, 1 relu, 2 gelu (erf), 3 gelu (tanh), 4 relu6: ref::Activation's numbering.
static inline float32x4_t Activate(int act, float32x4_t v) {
  switch (act) {
  case 1: return vmaxq_f32(v, vdupq_n_f32(0.0f));
  case 2: return GeluErf(v);
  case 3: return GeluTanh(v);
  case 4: return vminq_f32(vmaxq_f32(v, vdupq_n_f32(0.0f)), vdupq_n_f32(6.0f));
  default: return v;
  }
}

}  // namespace axle::arm64

#endif  // AXLE_KERNELS_ARM64_NEON_MATH_H_
