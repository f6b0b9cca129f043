// Depthwise convolution, fp32, channels-last, AVX-512F: dwconv-kernel.h over 16 channels.
#include <immintrin.h>

#include "kernels/cpu/dwconv-kernel.h"
#include "kernels/x86/x86_kernels.h"

namespace axle::x86 {
namespace {

struct Avx512 {
  using T = __m512;
  static constexpr int64_t kLanes = 16;
  static T Zero() { return _mm512_setzero_ps(); }
  static T Set1(float x) { return _mm512_set1_ps(x); }
  static T LoadU(const float* p) { return _mm512_loadu_ps(p); }
  static void StoreU(float* p, T v) { _mm512_storeu_ps(p, v); }
  static T Fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T Max(T a, T b) { return _mm512_max_ps(a, b); }
  static T Min(T a, T b) { return _mm512_min_ps(a, b); }
};

}  // namespace

void axle_f32_dwconv__avx512f(const cpu::DepthwiseArgs& a, int64_t row_begin, int64_t row_end) {
  cpu::DepthwiseRows<Avx512>(a, row_begin, row_end);
}

}  // namespace axle::x86
