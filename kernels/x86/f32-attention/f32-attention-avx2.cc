// Fused multi-head attention, fp32, AVX2 + FMA: attention-kernel.h over 8-wide vectors.
#include <immintrin.h>

#include "kernels/cpu/attention-kernel.h"
#include "kernels/x86/avx2-math.h"
#include "kernels/x86/x86_kernels.h"

namespace axle::x86 {
namespace {

struct Avx2 {
  using T = __m256;
  static constexpr int64_t kLanes = 8;
  static constexpr int kQueryBlock = 2, kScoreVectors = 4;  // 8 accumulators + 4 loads of 16
  static T Zero() { return _mm256_setzero_ps(); }
  static T Set1(float x) { return _mm256_set1_ps(x); }
  static T Load(const float* p) { return _mm256_load_ps(p); }
  static T LoadU(const float* p) { return _mm256_loadu_ps(p); }
  static void Store(float* p, T v) { _mm256_store_ps(p, v); }
  static void StoreU(float* p, T v) { _mm256_storeu_ps(p, v); }
  static T Fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T Add(T a, T b) { return _mm256_add_ps(a, b); }
  static T Sub(T a, T b) { return _mm256_sub_ps(a, b); }
  static T Max(T a, T b) { return _mm256_max_ps(a, b); }
  static T Exp(T x) { return x86::Exp(x); }
  static T ZeroWhereNegInf(T x, T p) {
    return _mm256_andnot_ps(_mm256_cmp_ps(x, Set1(-INFINITY), _CMP_EQ_OQ), p);
  }
  static float ReduceMax(T v) { return HorizontalMax(v); }
  static float ReduceAdd(T v) { return HorizontalSum(v); }
};

}  // namespace

void axle_f32_attention__avx2_fma(const AttentionArgs& a, int64_t row_begin, int64_t row_end) {
  cpu::AttentionRows<Avx2>(a, row_begin, row_end);
}

}  // namespace axle::x86
