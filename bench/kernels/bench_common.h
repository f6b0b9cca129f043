// Shared plumbing of the kernel benchmarks: the --threads flag, Axle's thread pool and
// oneDNN's OpenMP thread count set from it, aligned buffers, GFLOP/s counters.
#ifndef AXLE_BENCH_KERNELS_BENCH_COMMON_H_
#define AXLE_BENCH_KERNELS_BENCH_COMMON_H_

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <vector>

#include "runtime/src/thread_pool.h"

namespace axle::bench {

// Set by main() from --threads=N (default 1), before any benchmark runs.
int& Threads();
const Parallel* Pool();

struct AlignedFloats {
  std::unique_ptr<float, decltype(&std::free)> p{nullptr, &std::free};
  explicit AlignedFloats(size_t n)
      : p(static_cast<float*>(std::aligned_alloc(64, (n * 4 + 63) / 64 * 64 + 64)), &std::free) {
    std::mt19937 rng(static_cast<unsigned>(n));
    std::uniform_real_distribution<float> d(-1, 1);
    for (size_t i = 0; i < n; ++i) p.get()[i] = d(rng);
  }
  float* get() const { return p.get(); }
};

inline void SetFlops(benchmark::State& state, double flops_per_iteration) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops_per_iteration * state.iterations() / 1e9,
                                                 benchmark::Counter::kIsRate);
  state.counters["threads"] = Threads();
}

}  // namespace axle::bench

#endif  // AXLE_BENCH_KERNELS_BENCH_COMMON_H_
