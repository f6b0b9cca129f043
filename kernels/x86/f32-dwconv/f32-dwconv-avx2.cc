// Depthwise convolution, fp32, channels-last, AVX2 + FMA: dwconv-kernel.h over 8 channels.
#include <immintrin.h>

#include "kernels/cpu/dwconv-kernel.h"
#include "kernels/x86/x86_kernels.h"

namespace axle::x86 {
namespace {

struct Avx2 {
  using T = __m256;
  static constexpr int64_t kLanes = 8;
  static T Zero() { return _mm256_setzero_ps(); }
  static T Set1(float x) { return _mm256_set1_ps(x); }
  static T LoadU(const float* p) { return _mm256_loadu_ps(p); }
  static void StoreU(float* p, T v) { _mm256_storeu_ps(p, v); }
  static T Fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T Max(T a, T b) { return _mm256_max_ps(a, b); }
  static T Min(T a, T b) { return _mm256_min_ps(a, b); }
};

}  // namespace

void axle_f32_dwconv__avx2_fma(const cpu::DepthwiseArgs& a, int64_t row_begin, int64_t row_end) {
  cpu::DepthwiseRows<Avx2>(a, row_begin, row_end);
}

}  // namespace axle::x86
