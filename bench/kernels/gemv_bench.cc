// gemv_w8 / gemv_w4 / gemv_f32 <impl>/<K>/<N>: one row (decode, M = 1) times the weights, which
// are the whole cost: the GB/s counter is weight bytes read per second. `cold` cycles through
// enough copies of the weights (> 600 MB) that every run reads them from DRAM, the number to
// compare with peak/read_bw; `warm` re-reads one copy (cache-resident when it fits).
#include <vector>

#include "bench/kernels/bench_common.h"
#include "kernels/common/pack.h"
#include "kernels/common/pack_wq.h"
#include "kernels/cpu/cpu_kernels.h"

namespace axle::bench {
namespace {

constexpr size_t kColdBytes = size_t{640} << 20;

template <typename Run>
void Gemv(benchmark::State& state, size_t bytes_per_copy, Run&& run) {
  const bool cold = state.range(2) != 0;
  const size_t copies = cold ? kColdBytes / bytes_per_copy + 1 : 1;
  size_t i = 0;
  for (auto _ : state) run(i++ % copies);
  state.counters["GB/s"] = benchmark::Counter(double(bytes_per_copy) * state.iterations() / 1e9,
                                              benchmark::Counter::kIsRate);
  state.counters["threads"] = Threads();
}

void GemvW8(benchmark::State& state) {
  const cpu::Kernels& kernels = cpu::HostKernels();
  if (!kernels.f32_gemv_w8) return state.SkipWithError("no weight-only GEMV on this host");
  const size_t k = state.range(0), n = state.range(1), bytes = W8PackedBytes(k, n);
  const size_t copies = state.range(2) ? kColdBytes / bytes + 1 : 1;
  AlignedFloats w(k * n), x(k), y(n);
  std::vector<int8_t> packed(bytes * copies);
  std::vector<float> scales(n);
  PackW8Panel16(w.get(), k, n, packed.data(), scales.data());
  for (size_t c = 1; c < copies; ++c)
    std::copy(packed.begin(), packed.begin() + bytes, packed.begin() + c * bytes);
  Gemv(state, bytes, [&](size_t c) {
    cpu::GemvW8(kernels, x.get(), k, packed.data() + c * bytes, scales.data(), n, nullptr, y.get(),
                Pool());
  });
}

void GemvW4(benchmark::State& state) {
  const cpu::Kernels& kernels = cpu::HostKernels();
  if (!kernels.f32_gemv_w4) return state.SkipWithError("no weight-only GEMV on this host");
  const size_t k = state.range(0), n = state.range(1), bytes = W4PackedBytes(k, n);
  const size_t copies = state.range(2) ? kColdBytes / bytes + 1 : 1;
  AlignedFloats w(k * n), x(k), y(n);
  std::vector<uint8_t> packed(bytes * copies);
  std::vector<float> scales(W4ScaleCount(k, n, kW4DefaultGroup));
  PackW4Panel16(w.get(), k, n, kW4DefaultGroup, packed.data(), scales.data());
  for (size_t c = 1; c < copies; ++c)
    std::copy(packed.begin(), packed.begin() + bytes, packed.begin() + c * bytes);
  Gemv(state, bytes + scales.size() * 4, [&](size_t c) {
    cpu::GemvW4(kernels, x.get(), k, packed.data() + c * bytes, scales.data(), n, kW4DefaultGroup,
                nullptr, y.get(), Pool());
  });
}

void GemvF32(benchmark::State& state) {
  const cpu::Kernels& kernels = cpu::HostKernels();
  if (!kernels.f32_gemm) return state.SkipWithError("no x86 GEMM on this host");
  const size_t k = state.range(0), n = state.range(1), floats = Panel16Floats(k, n);
  const size_t copies = state.range(2) ? kColdBytes / (floats * 4) + 1 : 1;
  AlignedFloats packed(floats * copies), x(k), y(n);
  Gemv(state, floats * 4, [&](size_t c) {
    cpu::GemmF32Panel16(kernels, x.get(), 1, k, packed.get() + c * floats, n, nullptr, 0, y.get(),
                        Pool());
  });
}

void Shapes(benchmark::internal::Benchmark* b) {
  for (int64_t cold : {0, 1}) b->Args({4096, 4096, cold})->Args({1024, 1024, cold});
  b->ArgNames({"", "", "cold"})->Unit(benchmark::kMicrosecond)->UseRealTime();
}

BENCHMARK(GemvW8)->Name("gemv_w8/axle")->Apply(Shapes);
BENCHMARK(GemvW4)->Name("gemv_w4/axle")->Apply(Shapes);
BENCHMARK(GemvF32)->Name("gemv_f32/axle")->Apply(Shapes);

}  // namespace
}  // namespace axle::bench
