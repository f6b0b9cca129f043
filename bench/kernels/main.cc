// Kernel benchmarks: Axle vs oneDNN vs the reference kernels, side by side in one run.
//   build/bench/kernels_bench --threads=2 [Google Benchmark flags]
#include <cstring>
#include <string>

#include "bench/kernels/bench_common.h"
#include "kernels/cpu/cpu_kernels.h"

extern "C" void omp_set_num_threads(int);  // oneDNN's threads (Debian builds it on OpenMP)

namespace axle::bench {

int& Threads() {
  static int threads = 1;
  return threads;
}

const Parallel* Pool() {
  static std::unique_ptr<ThreadPool> pool = [] {
    std::unique_ptr<ThreadPool> p;
    if (ThreadPool::Create(Threads(), &p) != AXLE_OK) std::abort();
    return p;
  }();
  return pool->parallel();
}

}  // namespace axle::bench

int main(int argc, char** argv) {
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--threads=", 10) == 0) {
      axle::bench::Threads() = std::atoi(argv[i] + 10);
      continue;
    }
    args.push_back(argv[i]);
  }
  if (axle::bench::Threads() < 1) axle::bench::Threads() = 1;
  omp_set_num_threads(axle::bench::Threads());
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  benchmark::AddCustomContext("threads", std::to_string(axle::bench::Threads()));
  benchmark::AddCustomContext("axle_isa", axle::cpu::HostKernels().isa);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
