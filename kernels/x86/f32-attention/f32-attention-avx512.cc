// Fused multi-head attention, fp32, AVX-512F: attention-kernel.h over 16-wide vectors.
#include <immintrin.h>

#include "kernels/cpu/attention-kernel.h"
#include "kernels/x86/avx512-math.h"
#include "kernels/x86/x86_kernels.h"

namespace axle::x86 {
namespace {

struct Avx512 {
  using T = __m512;
  static constexpr int64_t kLanes = 16;
  static constexpr int kQueryBlock = 4, kScoreVectors = 4;  // 16 accumulators + 4 loads
  static T Zero() { return _mm512_setzero_ps(); }
  static T Set1(float x) { return _mm512_set1_ps(x); }
  static T Load(const float* p) { return _mm512_load_ps(p); }
  static T LoadU(const float* p) { return _mm512_loadu_ps(p); }
  static void Store(float* p, T v) { _mm512_store_ps(p, v); }
  static void StoreU(float* p, T v) { _mm512_storeu_ps(p, v); }
  static T Fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T Add(T a, T b) { return _mm512_add_ps(a, b); }
  static T Sub(T a, T b) { return _mm512_sub_ps(a, b); }
  static T Max(T a, T b) { return _mm512_max_ps(a, b); }
  static T Exp(T x) { return Exp512(x); }
  static T ZeroWhereNegInf(T x, T p) {
    return _mm512_maskz_mov_ps(~_mm512_cmp_ps_mask(x, Set1(-INFINITY), _CMP_EQ_OQ), p);
  }
  static float ReduceMax(T v) { return _mm512_reduce_max_ps(v); }
  static float ReduceAdd(T v) { return _mm512_reduce_add_ps(v); }
};

}  // namespace

void axle_f32_attention__avx512f(const AttentionArgs& a, int64_t row_begin, int64_t row_end) {
  cpu::AttentionRows<Avx512>(a, row_begin, row_end);
}

}  // namespace axle::x86
