// conv_f32/<impl>/<H>/<C>/<M>/<k>/<stride>: a 2-D convolution, batch 1, fp32, bias + ReLU, the
// weights prepared once outside the timed loop. axle: what an Axle plan runs for it (the
// packed-panel GEMM reading the channels-last windows in place, bias and ReLU in its epilogue);
// axle-im2col: the same GEMM after an explicit im2col (the plan's form before axle-fuse-im2col,
// and an int8 plan's); onednn: oneDNN's convolution primitive with every format
// `any` (it picks its blocked nChw16c layout and reorders the weights once), bias and a ReLU
// post-op, on the same numbers. The shapes are ResNet-18's 3x3 layers at 224x224 (and its stem).
#include <dnnl.hpp>
#include <tuple>

#include "bench/kernels/bench_common.h"
#include "kernels/common/pack.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/ref/ref_kernels.h"

namespace axle::bench {
namespace {

struct ConvShape {
  int64_t h, c, m, k, stride;
  int64_t pad() const { return k / 2; }
  int64_t out() const { return (h + 2 * pad() - k) / stride + 1; }
  double Flops() const { return 2.0 * out() * out() * m * c * k * k; }
};

ConvShape ShapeOf(const benchmark::State& state) {
  return {state.range(0), state.range(1), state.range(2), state.range(3), state.range(4)};
}

void ConvAxle(benchmark::State& state, bool implicit) {
  const ConvShape s = ShapeOf(state);
  const cpu::Kernels& kernels = cpu::HostKernels();
  if (!kernels.f32_gemm) return state.SkipWithError("no f32 GEMM on this host");
  const int64_t o = s.out(), kdim = s.k * s.k * s.c;
  AlignedFloats x(s.h * s.h * s.c), w(kdim * s.m), packed(Panel16Floats(kdim, s.m)), bias(s.m),
      cols(o * o * kdim), y(o * o * s.m);
  PackPanel16(w.get(), kdim, s.m, packed.get());
  const int64_t kernel[2] = {s.k, s.k}, strides[2] = {s.stride, s.stride},
                pads[4] = {s.pad(), s.pad(), s.pad(), s.pad()}, dilations[2] = {1, 1};
  const ref::Window win{2, kernel, strides, pads, dilations};
  TensorView xv, cv;
  xv.dtype = cv.dtype = DType::kF32;
  xv.shape.rank = cv.shape.rank = 4;
  xv.shape.dims[0] = cv.shape.dims[0] = 1;
  xv.shape.dims[1] = xv.shape.dims[2] = s.h, xv.shape.dims[3] = s.c;
  cv.shape.dims[1] = cv.shape.dims[2] = o, cv.shape.dims[3] = kdim;
  xv.data = x.get(), cv.data = cols.get();
  const cpu::ConvRows conv{
      x.get(), s.h, s.h, s.c, o, o, s.k, s.k, {s.stride, s.stride}, {s.pad(), s.pad()}, {1, 1}};
  const int relu = static_cast<int>(ref::Activation::kRelu);
  for (auto _ : state) {
    if (implicit) {
      cpu::GemmF32Panel16(kernels, nullptr, o * o, kdim, packed.get(), s.m, bias.get(), relu,
                          y.get(), Pool(), nullptr, &conv);
    } else {
      ref::Im2ColNhwc(xv, win, cv, Pool());
      cpu::GemmF32Panel16(kernels, cols.get(), o * o, kdim, packed.get(), s.m, bias.get(), relu,
                          y.get(), Pool());
    }
    benchmark::DoNotOptimize(y.get());
  }
  state.SetLabel(kernels.isa);
  SetFlops(state, s.Flops());
}

void ConvOneDnn(benchmark::State& state) {
  const ConvShape s = ShapeOf(state);
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  const int64_t o = s.out();
  dnnl::memory::dims src_dims{1, s.c, s.h, s.h}, w_dims{s.m, s.c, s.k, s.k}, b_dims{s.m},
      dst_dims{1, s.m, o, o}, stride{s.stride, s.stride}, pad{s.pad(), s.pad()};
  dnnl::memory::desc src_any(src_dims, dt::f32, tag::any), w_any(w_dims, dt::f32, tag::any),
      b_md(b_dims, dt::f32, tag::a), dst_any(dst_dims, dt::f32, tag::any);
  dnnl::post_ops ops;
  ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  dnnl::convolution_forward::primitive_desc pd(
      dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                      dnnl::algorithm::convolution_direct, src_any, w_any, b_md,
                                      dst_any, stride, pad, pad),
      attr, engine);
  dnnl::memory src(pd.src_desc(), engine), weights(pd.weights_desc(), engine), bias(b_md, engine),
      dst(pd.dst_desc(), engine);
  dnnl::memory user_w({w_dims, dt::f32, tag::oihw}, engine);
  dnnl::reorder(user_w, weights).execute(stream, user_w, weights);
  dnnl::convolution_forward conv(pd);
  for (auto _ : state) {
    conv.execute(stream, {{DNNL_ARG_SRC, src},
                          {DNNL_ARG_WEIGHTS, weights},
                          {DNNL_ARG_BIAS, bias},
                          {DNNL_ARG_DST, dst}});
    stream.wait();
  }
  state.SetLabel(pd.impl_info_str());
  SetFlops(state, s.Flops());
}

void Shapes(benchmark::internal::Benchmark* b) {
  for (auto [h, c, m, k, stride] :
       {std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t>{56, 64, 64, 3, 1},
        {28, 128, 128, 3, 1},
        {14, 256, 256, 3, 1},
        {7, 512, 512, 3, 1},
        {56, 64, 128, 3, 2},
        {224, 3, 64, 7, 2}})
    b->Args({h, c, m, k, stride});
  b->ArgNames({"h", "c", "m", "k", "s"})->Unit(benchmark::kMicrosecond)->UseRealTime();
}

BENCHMARK_CAPTURE(ConvAxle, implicit, true)->Name("conv_f32/axle")->Apply(Shapes);
BENCHMARK_CAPTURE(ConvAxle, explicit, false)->Name("conv_f32/axle-im2col")->Apply(Shapes);
BENCHMARK(ConvOneDnn)->Name("conv_f32/onednn")->Apply(Shapes);

}  // namespace
}  // namespace axle::bench
