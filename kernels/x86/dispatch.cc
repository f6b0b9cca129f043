// CPUID-based choice of the x86 kernel table, and the portable drivers around the microkernels.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "kernels/x86/x86_kernels.h"

namespace axle::x86 {
namespace {

Kernels Detect() {
  Kernels k;
  const char* force = std::getenv("AXLE_FORCE_REFERENCE");
  if (force && std::strcmp(force, "0") != 0) return k;
#if defined(AXLE_X86_AVX2)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    k.isa = "avx2+fma";
    k.f32_gemm = &axle_f32_gemm_ukernel_6x16__avx2_fma;
    k.f32_attention = &axle_f32_attention__avx2_fma;
    k.f32_vmath = &axle_f32_vmath__avx2_fma;
  }
#endif
  return k;
}

}  // namespace

const Kernels& HostKernels() {
  static const Kernels kernels = Detect();  // C++11 guarantees thread-safe initialization
  return kernels;
}

void GemmF32Panel16(const Kernels& kernels, const float* x, size_t m, size_t k, const float* packed,
                    size_t n, const float* bias, int act, float* y, const Parallel* par) {
  // KC x 16 weight micro-panels (16 KB) stay in L1 across an MC-row block of A (60 KB, L2).
  constexpr size_t kKc = 256, kMc = 60, kPanelsPerTask = 4;
  const size_t mr = static_cast<size_t>(kernels.gemm_mr);
  const size_t panels = (n + 15) / 16;
  const size_t row_blocks = (m + kMc - 1) / kMc;
  const size_t groups = (panels + kPanelsPerTask - 1) / kPanelsPerTask;
  if (m == 0 || n == 0) return;
  ParallelFor(par, static_cast<int64_t>(row_blocks * groups), [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const size_t rb = static_cast<size_t>(t) / groups, g = static_cast<size_t>(t) % groups;
      const size_t r0 = rb * kMc, r1 = std::min(m, r0 + kMc);
      const size_t p0 = g * kPanelsPerTask, p1 = std::min(panels, p0 + kPanelsPerTask);
      for (size_t k0 = 0; k0 < k || (k == 0 && k0 == 0); k0 += kKc) {
        const size_t kc = std::min(kKc, k - k0);
        int flags = (k0 > 0 ? kGemmAccumulate : 0) | (k0 + kKc >= k ? kGemmLast : 0);
        for (size_t p = p0; p < p1; ++p) {
          const size_t nr = std::min<size_t>(16, n - p * 16);
          const float* w = packed + (p * k + k0) * 16;
          for (size_t r = r0; r < r1; r += mr)
            kernels.f32_gemm(std::min(mr, r1 - r), nr, kc, x + r * k + k0, k, w, y + r * n + p * 16,
                             n, flags, bias ? bias + p * 16 : nullptr, act);
        }
        if (k == 0) break;
      }
    }
  });
}

void AttentionF32(const Kernels& kernels, const AttentionArgs& args, const Parallel* par) {
  const int64_t blocks = (args.sq + kAttentionQueryBlock - 1) / kAttentionQueryBlock;
  ParallelFor(par, args.batch * args.heads * blocks,
              [&](int64_t begin, int64_t end) { kernels.f32_attention(args, begin, end); });
}

}  // namespace axle::x86
