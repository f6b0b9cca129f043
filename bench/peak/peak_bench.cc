// This machine's limits, so that every kernel result can also be read as a fraction of them:
//   peak/fma_f32/<isa>   fp32 FMA throughput (GFLOP/s, 2 flops per lane-FMA)
//   peak/dot_s8/<isa>    exact int8 dot throughput (GOP/s, 2 ops per u8 x s8 multiply-add)
//   peak/dot_s8/amx      the same on AMX tiles (tdpbusd), where the host has them
//   peak/read_bw         memory read bandwidth over a 512 MiB buffer (GB/s)
// --threads=N runs N copies at once on Axle's thread pool (the counters are totals).
#include <cstring>
#include <string>

#include "bench/kernels/bench_common.h"
#include "bench/peak/peak_kernels.h"
#include "kernels/x86/x86_kernels.h"

namespace axle::bench {
namespace {

template <typename F>
void OnEveryThread(F&& f) {
  ParallelFor(Pool(), Threads(), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) f();
  });
}

void FmaAvx2(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    return state.SkipWithError("no AVX2+FMA");
  constexpr int64_t kIterations = 10'000'000;
  for (auto _ : state) OnEveryThread([] { benchmark::DoNotOptimize(FmaPeakAvx2(kIterations)); });
  SetFlops(state, 12.0 * 8 * 2 * kIterations * Threads());
}

void FmaAvx512(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx512f")) return state.SkipWithError("no AVX-512F");
  constexpr int64_t kIterations = 10'000'000;
  for (auto _ : state) OnEveryThread([] { benchmark::DoNotOptimize(FmaPeakAvx512(kIterations)); });
  SetFlops(state, 12.0 * 16 * 2 * kIterations * Threads());
}

void DotAvx2(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx2")) return state.SkipWithError("no AVX2");
  constexpr int64_t kIterations = 10'000'000;
  for (auto _ : state) OnEveryThread([] { benchmark::DoNotOptimize(DotPeakAvx2(kIterations)); });
  state.counters["GOP/s"] =
      benchmark::Counter(8.0 * 32 * 2 * kIterations * Threads() * state.iterations() / 1e9,
                         benchmark::Counter::kIsRate);
}

void DotAvx512Vnni(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx512vnni")) return state.SkipWithError("no AVX-512 VNNI");
  constexpr int64_t kIterations = 10'000'000;
  for (auto _ : state)
    OnEveryThread([] { benchmark::DoNotOptimize(DotPeakAvx512Vnni(kIterations)); });
  state.counters["GOP/s"] =
      benchmark::Counter(8.0 * 64 * 2 * kIterations * Threads() * state.iterations() / 1e9,
                         benchmark::Counter::kIsRate);
}

void DotAmx(benchmark::State& state) {
#if defined(AXLE_BENCH_AMX)
  if (!x86::AmxAvailable()) return state.SkipWithError("no AMX (or no tile permission)");
  constexpr int64_t kIterations = 2'000'000;
  for (auto _ : state) OnEveryThread([] { benchmark::DoNotOptimize(DotPeakAmx(kIterations)); });
  state.counters["GOP/s"] = benchmark::Counter(4.0 * 16 * 16 * 64 * 2 * kIterations * Threads() *
                                                   state.iterations() / 1e9,
                                               benchmark::Counter::kIsRate);
#else
  state.SkipWithError("built without AMX");
#endif
}

void ReadBandwidth(benchmark::State& state) {
  constexpr size_t kFloats = size_t{128} << 20;  // 512 MiB
  AlignedFloats data(kFloats);
  const size_t share = kFloats / Threads();
  for (auto _ : state)
    ParallelFor(Pool(), Threads(), [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t)
        benchmark::DoNotOptimize(ReadSumAvx2(data.get() + t * share, share));
    });
  state.counters["GB/s"] =
      benchmark::Counter(4.0 * kFloats * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}

BENCHMARK(FmaAvx2)->Name("peak/fma_f32/avx2")->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(FmaAvx512)->Name("peak/fma_f32/avx512")->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(DotAvx2)->Name("peak/dot_s8/avx2")->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(DotAvx512Vnni)
    ->Name("peak/dot_s8/avx512vnni")
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(DotAmx)->Name("peak/dot_s8/amx")->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(ReadBandwidth)->Name("peak/read_bw")->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace axle::bench
