// Vectorized unary math over arrays (exp, erf, tanh, GELU), AVX2 + FMA, 8 floats per step with
// a masked tail. Used by the Gelu step and by tests measuring the approximations' errors.
#include <immintrin.h>

#include "kernels/x86/avx2-math.h"
#include "kernels/x86/x86_kernels.h"

namespace axle::x86 {

void axle_f32_vmath__avx2_fma(VMathFn fn, const float* x, float* y, size_t n) {
  auto apply = [fn](__m256 v) {
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
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, apply(_mm256_loadu_ps(x + i)));
  if (i < n) {
    const __m256i m = FirstLanes(static_cast<int>(n - i));
    _mm256_maskstore_ps(y + i, m, apply(_mm256_maskload_ps(x + i, m)));
  }
}

}  // namespace axle::x86
