// gemm_s8/<impl>/<M>/<K>/<N>: u8 activations (scale, zero point) x s8 weights (per-column
// scales) -> f32, weights prepared once outside the timed loop (Axle: s8panel16x4 and column
// sums as the compiler would store them; oneDNN: reordered to its preferred layout). GOP/s
// counts 2 operations per multiply-add.
#include "bench/kernels/bench_common.h"
#include "bench/kernels/onednn_matmul.h"
#include "kernels/common/pack_s8.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/ref/ref_kernels.h"

namespace axle::bench {
namespace {

struct S8Problem {
  size_t m, k, n;
  std::vector<uint8_t> x;
  std::vector<int8_t> w;
  std::vector<float> scales, y;
  explicit S8Problem(const benchmark::State& s)
      : m(s.range(0)), k(s.range(1)), n(s.range(2)), x(m * k), w(k * n), scales(n, 0.01f),
        y(m * n) {
    std::mt19937 rng(1);
    for (auto& v : x) v = static_cast<uint8_t>(rng());
    for (auto& v : w) v = static_cast<int8_t>(rng());
  }
};

void SetOps(benchmark::State& state, double ops) {
  state.counters["GOP/s"] =
      benchmark::Counter(ops * state.iterations() / 1e9, benchmark::Counter::kIsRate);
  state.counters["threads"] = Threads();
}

void GemmS8Axle(benchmark::State& state) {
  S8Problem p(state);
  const cpu::Kernels& kernels = cpu::HostKernels();
  if (!kernels.s8_gemm) return state.SkipWithError("no int8 GEMM (AVX-512 VNNI) on this host");
  AlignedFloats packed((S8PackedBytes(p.k, p.n) + 3) / 4);
  std::vector<int32_t> sums(p.n);
  auto* w = reinterpret_cast<int8_t*>(packed.get());
  PackS8Panel16x4(p.w.data(), p.k, p.n, w, sums.data());
  for (auto _ : state)
    cpu::GemmS8Panel16x4(kernels, p.x.data(), p.m, p.k, 0.02f, 128, w, sums.data(), p.scales.data(),
                         p.n, nullptr, 0, p.y.data(), Pool());
  SetOps(state, 2.0 * p.m * p.k * p.n);
}

void GemmS8OneDnn(benchmark::State& state) {
  using dt = dnnl::memory::data_type;
  S8Problem p(state);
  dnnl::primitive_attr attr;
  attr.set_output_scales(2, std::vector<float>(p.n, 0.02f * 0.01f));
  attr.set_zero_points(DNNL_ARG_SRC, 0, {128});
  OneDnnMatmul matmul(p.m, p.k, p.n, dt::u8, dt::s8, p.x.data(), p.w.data(), p.y.data(), attr);
  for (auto _ : state) matmul.Run();
  state.SetLabel(matmul.Implementation());
  SetOps(state, 2.0 * p.m * p.k * p.n);
}

void Shapes(benchmark::internal::Benchmark* b) {
  for (int64_t m : {1, 32, 97, 256, 1024})
    for (auto [k, n] : {std::pair<int64_t, int64_t>{256, 256},
                        {512, 2048},
                        {2048, 512},
                        {1024, 1024},
                        {4096, 4096}})
      b->Args({m, k, n});
  b->Unit(benchmark::kMicrosecond)->UseRealTime();
}

BENCHMARK(GemmS8Axle)->Name("gemm_s8/axle")->Apply(Shapes);
BENCHMARK(GemmS8OneDnn)->Name("gemm_s8/onednn")->Apply(Shapes);

}  // namespace
}  // namespace axle::bench
