// Intra-op parallelism as kernels see it: a function that splits [0, n) into ranges and runs
// them on the context's threads. Kernels never create threads; a null Parallel runs inline.
#ifndef AXLE_KERNELS_COMMON_PARALLEL_H_
#define AXLE_KERNELS_COMMON_PARALLEL_H_

#include <cstdint>

namespace axle {

struct Parallel {
  // Calls fn(ctx, begin, end) over disjoint ranges covering [0, n); returns when all are done.
  void (*for_ranges)(const Parallel* self, int64_t n, void* ctx,
                     void (*fn)(void* ctx, int64_t begin, int64_t end)) = nullptr;
  void* impl = nullptr;
  int threads = 1;
};

// f(begin, end) over [0, n), split across the threads of `par` when it has more than one.
template <typename F>
void ParallelFor(const Parallel* par, int64_t n, F&& f) {
  if (n <= 0) return;
  if (!par || par->threads <= 1 || !par->for_ranges || n == 1) {
    f(int64_t{0}, n);
    return;
  }
  par->for_ranges(par, n, &f, [](void* ctx, int64_t begin, int64_t end) {
    (*static_cast<F*>(ctx))(begin, end);
  });
}

}  // namespace axle

#endif  // AXLE_KERNELS_COMMON_PARALLEL_H_
