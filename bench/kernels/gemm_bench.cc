// gemm_f32/<impl>/<M>/<K>/<N>: y[M x N] = x[M x K] @ W[K x N], fp32, weights prepared once
// outside the timed loop (Axle: packed panels as the compiler stores them; oneDNN: reordered
// to the layout its matmul primitive asks for with format `any`).
#include "bench/kernels/bench_common.h"
#include "bench/kernels/onednn_matmul.h"
#include "kernels/common/pack.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/ref/ref_kernels.h"

namespace axle::bench {
namespace {

void GemmAxle(benchmark::State& state) {
  const size_t m = state.range(0), k = state.range(1), n = state.range(2);
  const cpu::Kernels& kernels = cpu::HostKernels();
  if (!kernels.f32_gemm) return state.SkipWithError("no x86 GEMM on this host");
  AlignedFloats x(m * k), w(k * n), y(m * n), packed(Panel16Floats(k, n));
  PackPanel16(w.get(), k, n, packed.get());
  for (auto _ : state) {
    cpu::GemmF32Panel16(kernels, x.get(), m, k, packed.get(), n, nullptr, 0, y.get(), Pool());
    benchmark::DoNotOptimize(y.get());
  }
  SetFlops(state, 2.0 * m * k * n);
}

void GemmOneDnn(benchmark::State& state) {
  using dt = dnnl::memory::data_type;
  const int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  AlignedFloats x(m * k), w(k * n), y(m * n);
  OneDnnMatmul matmul(m, k, n, dt::f32, dt::f32, x.get(), w.get(), y.get());
  for (auto _ : state) matmul.Run();
  state.SetLabel(matmul.Implementation());
  SetFlops(state, 2.0 * m * k * n);
}

void GemmRef(benchmark::State& state) {
  const int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  AlignedFloats x(m * k), w(k * n), y(m * n);
  TensorView xv, wv, yv;
  xv.dtype = wv.dtype = yv.dtype = DType::kF32;
  xv.shape.rank = wv.shape.rank = yv.shape.rank = 2;
  xv.shape.dims[0] = m, xv.shape.dims[1] = k, wv.shape.dims[0] = k, wv.shape.dims[1] = n;
  yv.shape.dims[0] = m, yv.shape.dims[1] = n;
  xv.data = x.get(), wv.data = w.get(), yv.data = y.get();
  for (auto _ : state) ref::Linear(xv, wv, nullptr, ref::Activation::kNone, yv, Pool());
  SetFlops(state, 2.0 * m * k * n);
}

void Shapes(benchmark::internal::Benchmark* b, bool small_only) {
  for (int64_t m : {1, 32, 97, 256, 1024})
    for (auto [k, n] : {std::pair<int64_t, int64_t>{256, 256},
                        {512, 2048},
                        {2048, 512},
                        {1024, 1024},
                        {4096, 4096}}) {
      if (small_only && 2.0 * m * k * n > 3e9) continue;  // the reference takes seconds there
      b->Args({m, k, n});
    }
  b->ArgNames({"", "", ""})->Unit(benchmark::kMicrosecond)->UseRealTime();
}

BENCHMARK(GemmAxle)->Name("gemm_f32/axle")->Apply([](auto* b) { Shapes(b, false); });
BENCHMARK(GemmOneDnn)->Name("gemm_f32/onednn")->Apply([](auto* b) { Shapes(b, false); });
BENCHMARK(GemmRef)->Name("gemm_f32/ref")->Apply([](auto* b) { Shapes(b, true); });

}  // namespace
}  // namespace axle::bench
