// attention_f32/<impl>/<heads>/<Tq>/<Tk>/<dh>: multi-head attention, fp32, no mask.
//   axle:    the fused kernel (online softmax, no Tq x Tk score matrix)
//   unfused: Axle's own GEMM + softmax per head (pack K^T, Q K^T, softmax, pack V, P V)
//   ref:     the reference fused kernel
#include <cmath>

#include "bench/kernels/bench_common.h"
#include "kernels/common/pack.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/ref/ref_kernels.h"

namespace axle::bench {
namespace {

struct Problem {
  int64_t heads, tq, tk, dh;
  AlignedFloats q, k, v, y;
  explicit Problem(const benchmark::State& s)
      : heads(s.range(0)), tq(s.range(1)), tk(s.range(2)), dh(s.range(3)), q(tq * heads * dh),
        k(tk * heads * dh), v(tk * heads * dh), y(tq * heads * dh) {}
  double Flops() const { return 4.0 * heads * tq * tk * dh; }
};

void AttentionAxle(benchmark::State& state) {
  Problem p(state);
  const cpu::Kernels& kernels = cpu::HostKernels();
  if (!kernels.f32_attention) return state.SkipWithError("no x86 attention on this host");
  cpu::AttentionArgs a{};
  a.q = p.q.get(), a.k = p.k.get(), a.v = p.v.get(), a.y = p.y.get();
  a.batch = 1, a.heads = p.heads, a.sq = p.tq, a.sk = p.tk, a.dk = a.dv = p.dh;
  a.scale = 1.0f / std::sqrt(static_cast<float>(p.dh));
  for (auto _ : state) cpu::AttentionF32(kernels, a, Pool());
  SetFlops(state, p.Flops());
}

void AttentionUnfused(benchmark::State& state) {
  Problem p(state);
  const cpu::Kernels& kernels = cpu::HostKernels();
  if (!kernels.f32_gemm) return state.SkipWithError("no x86 GEMM on this host");
  const int64_t d = p.dh, ld = p.heads * d;
  AlignedFloats qh(p.tq * d), kt(d * p.tk), vh(p.tk * d), kt_packed(Panel16Floats(d, p.tk)),
      v_packed(Panel16Floats(p.tk, d)), s(p.tq * p.tk), probs(p.tq * p.tk), o(p.tq * d);
  TensorView sv, pv;
  sv.dtype = pv.dtype = DType::kF32;
  sv.shape.rank = pv.shape.rank = 2;
  sv.shape.dims[0] = pv.shape.dims[0] = p.tq;
  sv.shape.dims[1] = pv.shape.dims[1] = p.tk;
  sv.data = s.get(), pv.data = probs.get();
  for (auto _ : state) {
    for (int64_t h = 0; h < p.heads; ++h) {
      for (int64_t i = 0; i < p.tq; ++i)
        for (int64_t c = 0; c < d; ++c) qh.get()[i * d + c] = p.q.get()[i * ld + h * d + c];
      for (int64_t j = 0; j < p.tk; ++j)
        for (int64_t c = 0; c < d; ++c) {
          kt.get()[c * p.tk + j] = p.k.get()[j * ld + h * d + c];
          vh.get()[j * d + c] = p.v.get()[j * ld + h * d + c];
        }
      PackPanel16(kt.get(), d, p.tk, kt_packed.get());
      cpu::GemmF32Panel16(kernels, qh.get(), p.tq, d, kt_packed.get(), p.tk, nullptr, 0, s.get(),
                          Pool());
      ref::Softmax(sv, 1, pv);
      PackPanel16(vh.get(), p.tk, d, v_packed.get());
      cpu::GemmF32Panel16(kernels, probs.get(), p.tq, p.tk, v_packed.get(), d, nullptr, 0, o.get(),
                          Pool());
    }
    benchmark::DoNotOptimize(o.get());
  }
  SetFlops(state, p.Flops());
}

void AttentionRef(benchmark::State& state) {
  Problem p(state);
  auto view = [](float* data, int64_t s, int64_t c) {
    TensorView v;
    v.dtype = DType::kF32;
    v.shape.rank = 3;
    v.shape.dims[0] = 1, v.shape.dims[1] = s, v.shape.dims[2] = c;
    v.data = data;
    return v;
  };
  ref::AttentionConfig c;
  c.num_heads = p.heads;
  c.scale = 1.0f / std::sqrt(static_cast<float>(p.dh));
  for (auto _ : state)
    ref::Attention(view(p.q.get(), p.tq, p.heads * p.dh), view(p.k.get(), p.tk, p.heads * p.dh),
                   view(p.v.get(), p.tk, p.heads * p.dh), nullptr, c,
                   view(p.y.get(), p.tq, p.heads * p.dh), Pool());
  SetFlops(state, p.Flops());
}

void Shapes(benchmark::internal::Benchmark* b) {
  b->Args({8, 257, 257, 64})
      ->Args({8, 97, 97, 32})
      ->Args({8, 97, 2500, 32})
      ->Args({8, 20, 257, 64});
  b->Unit(benchmark::kMicrosecond)->UseRealTime();
}

BENCHMARK(AttentionAxle)->Name("attention_f32/axle")->Apply(Shapes);
BENCHMARK(AttentionUnfused)->Name("attention_f32/unfused")->Apply(Shapes);
BENCHMARK(AttentionRef)->Name("attention_f32/ref")->Apply(Shapes);

}  // namespace
}  // namespace axle::bench
