// The CPU kernel layer against the reference twins, once per ISA variant of the build (x86 AVX2 /
// AVX-512 / AMX here, AArch64 NEON / dotprod / i8mm under qemu): random and odd shapes, unaligned
// activations, zero / huge / denormal values, every epilogue, 1 vs 3 threads; the vectorized math
// against libm in double. A variant the host cannot run is reported and skipped, never run (no
// SIGILL); a test with no runnable variant skips (not passes).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <tuple>
#include <vector>

#include "kernels/common/pack.h"
#include "kernels/common/pack_s8.h"
#include "kernels/common/pack_wq.h"
#include "kernels/cpu/cpu_kernels.h"
#include "kernels/ref/ref_kernels.h"
#include "runtime/src/thread_pool.h"

namespace axle {
namespace {

// Every ISA variant the host (and the build) supports is tested; K() is the one under test.
const cpu::Kernels* g_kernels = nullptr;
const cpu::Kernels& K() { return *g_kernels; }

// Runs fn once per available variant that has `entry` (K() set, the variant in failure
// messages), each distinct kernel once; a variant the host cannot run is named with what it
// lacks. False when none ran (the caller skips).
template <typename Entry, typename F>
bool ForEachVariant(Entry cpu::Kernels::*entry, F&& fn) {
  bool ran = false;
  std::vector<Entry> seen;
  cpu::Kernels all[cpu::kMaxVariants];
  const int n = cpu::Variants(all);
  for (int i = 0; i < n; ++i) {
    const cpu::Kernels& k = all[i];
    if (!(k.*entry) || std::find(seen.begin(), seen.end(), k.*entry) != seen.end()) continue;
    if (!k.available) {
      std::printf("note: variant %s not run: the host CPU lacks %s\n", k.isa, k.missing);
      continue;
    }
    seen.push_back(k.*entry);
    g_kernels = &k;
    SCOPED_TRACE(std::string(k.isa) + " " + std::to_string(k.gemm_mr) + "x" +
                 std::to_string(k.gemm_nr));
    fn();
    ran = true;
  }
  return ran;
}

TensorView View(float* data, std::vector<int64_t> shape) {
  TensorView v;
  v.dtype = DType::kF32;
  v.shape.rank = static_cast<int>(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) v.shape.dims[i] = shape[i];
  v.data = data;
  return v;
}

struct Aligned {
  std::unique_ptr<float, decltype(&std::free)> p{nullptr, &std::free};
  explicit Aligned(size_t n)
      : p(static_cast<float*>(std::aligned_alloc(64, (n * 4 + 63) / 64 * 64 + 64)), &std::free) {}
  float* get() { return p.get(); }
};

void Fill(std::mt19937* rng, float* p, size_t n, float lo = -1, float hi = 1) {
  std::uniform_real_distribution<float> d(lo, hi);
  for (size_t i = 0; i < n; ++i) p[i] = d(*rng);
}

// Checks x86 GEMM against ref::Linear (double accumulation) with a tolerance scaled by the
// magnitude of the products summed.
void CheckGemm(size_t m, size_t k, size_t n, ref::Activation act, bool with_bias,
               const Parallel* par, std::mt19937* rng, float scale = 1.0f) {
  // Activations and output one float past an aligned address: unaligned on purpose.
  std::vector<float> xs(m * k + 1), ys(m * n + 1), want(m * n), w(k * n), bias(n + 1);
  Fill(rng, xs.data() + 1, m * k, -scale, scale);
  Fill(rng, w.data(), k * n);
  Fill(rng, bias.data() + 1, n);
  Aligned packed(Panel16Floats(k, n));
  PackPanel16(w.data(), k, n, packed.get());
  float* x = xs.data() + 1;
  float* y = ys.data() + 1;
  TensorView xv = View(x, {1, static_cast<int64_t>(m), static_cast<int64_t>(k)});
  TensorView wv = View(w.data(), {static_cast<int64_t>(k), static_cast<int64_t>(n)});
  TensorView bv = View(bias.data() + 1, {static_cast<int64_t>(n)});
  TensorView yv = View(want.data(), {1, static_cast<int64_t>(m), static_cast<int64_t>(n)});
  ref::Linear(xv, wv, with_bias ? &bv : nullptr, act, yv, nullptr);
  cpu::GemmF32Panel16(K(), x, m, k, packed.get(), n, with_bias ? bias.data() + 1 : nullptr,
                      static_cast<int>(act), y, par);
  for (size_t i = 0; i < m; ++i)
    for (size_t j = 0; j < n; ++j) {
      double magnitude = with_bias ? std::fabs(bias[1 + j]) : 0.0;
      for (size_t p = 0; p < k; ++p) magnitude += std::fabs(double(x[i * k + p]) * w[p * n + j]);
      const float got = y[i * n + j], ref = want[i * n + j];
      if (std::isinf(ref) || std::isnan(ref)) {
        ASSERT_EQ(std::isnan(got), std::isnan(ref)) << i << "," << j;
        continue;
      }
      ASSERT_NEAR(got, ref, 2e-6 * (magnitude + 1) + 1e-6 * std::fabs(ref))
          << "m=" << m << " k=" << k << " n=" << n << " act=" << int(act) << " at " << i << ","
          << j;
    }
}

TEST(CpuGemm, MatchesReferenceOnOddShapesAndEveryEpilogue) {
  const bool ran = ForEachVariant(&cpu::Kernels::f32_gemm, [&] {
    std::mt19937 rng(42);
    for (size_t m : {1, 3, 7, 13, 97, 257})
      for (size_t k : {1, 7, 13, 97, 300})
        for (size_t n : {1, 7, 16, 17, 33, 257})
          CheckGemm(m, k, n, ref::Activation::kNone, (m + n) % 2 == 0, nullptr, &rng);
    for (ref::Activation act : {ref::Activation::kRelu, ref::Activation::kGelu,
                                ref::Activation::kGeluTanh, ref::Activation::kRelu6})
      for (size_t m : {1, 13, 97}) CheckGemm(m, 257, 40, act, true, nullptr, &rng);
  });
  if (!ran) GTEST_SKIP() << "host lacks every ISA variant with f32_gemm";
}

TEST(CpuGemm, LargeShapesAcrossThreadsAndKBlocks) {
  const bool ran = ForEachVariant(&cpu::Kernels::f32_gemm, [&] {
    std::unique_ptr<ThreadPool> pool;
    ASSERT_EQ(ThreadPool::Create(3, &pool), AXLE_OK);
    std::mt19937 rng(7);
    CheckGemm(1000, 600, 129, ref::Activation::kGelu, true, pool->parallel(), &rng);
    CheckGemm(97, 1024, 512, ref::Activation::kNone, false, pool->parallel(), &rng);
  });
  if (!ran) GTEST_SKIP() << "host lacks every ISA variant with f32_gemm";
}

TEST(CpuGemm, ThreadCountDoesNotChangeResults) {
  const bool ran = ForEachVariant(&cpu::Kernels::f32_gemm, [&] {
    std::unique_ptr<ThreadPool> pool;
    ASSERT_EQ(ThreadPool::Create(2, &pool), AXLE_OK);
    std::mt19937 rng(3);
    const size_t m = 257, k = 300, n = 100;
    std::vector<float> x(m * k), w(k * n), y1(m * n), y2(m * n);
    Fill(&rng, x.data(), x.size());
    Fill(&rng, w.data(), w.size());
    Aligned packed(Panel16Floats(k, n));
    PackPanel16(w.data(), k, n, packed.get());
    cpu::GemmF32Panel16(K(), x.data(), m, k, packed.get(), n, nullptr, 0, y1.data(), nullptr);
    cpu::GemmF32Panel16(K(), x.data(), m, k, packed.get(), n, nullptr, 0, y2.data(),
                        pool->parallel());
    EXPECT_EQ(y1, y2);
  });
  if (!ran) GTEST_SKIP() << "host lacks every ISA variant with f32_gemm";
}

TEST(CpuGemm, ResidualEpilogueMatchesReference) {
  const bool ran = ForEachVariant(&cpu::Kernels::f32_gemm, [&] {
    std::mt19937 rng(21);
    for (auto [m, k, n] :
         {std::tuple<size_t, size_t, size_t>{1, 7, 5}, {13, 300, 49}, {97, 64, 257}}) {
      std::vector<float> x(m * k), w(k * n), b(n), r(m * n), want(m * n), got(m * n);
      Fill(&rng, x.data(), x.size());
      Fill(&rng, w.data(), w.size());
      Fill(&rng, b.data(), b.size());
      Fill(&rng, r.data(), r.size());
      Aligned packed(Panel16Floats(k, n));
      PackPanel16(w.data(), k, n, packed.get());
      TensorView xv = View(x.data(), {static_cast<int64_t>(m), static_cast<int64_t>(k)});
      TensorView wv = View(w.data(), {static_cast<int64_t>(k), static_cast<int64_t>(n)});
      TensorView bv = View(b.data(), {static_cast<int64_t>(n)});
      TensorView rv = View(r.data(), {static_cast<int64_t>(m), static_cast<int64_t>(n)});
      TensorView yv = View(want.data(), {static_cast<int64_t>(m), static_cast<int64_t>(n)});
      ref::Linear(xv, wv, &bv, ref::Activation::kGelu, yv, nullptr, &rv);
      cpu::GemmF32Panel16(K(), x.data(), m, k, packed.get(), n, b.data(),
                          static_cast<int>(ref::Activation::kGelu), got.data(), nullptr, r.data());
      for (size_t i = 0; i < got.size(); ++i)
        ASSERT_NEAR(got[i], want[i], 2e-5 * (1 + std::fabs(want[i]))) << m << "x" << k << "x" << n;
    }
  });
  if (!ran) GTEST_SKIP() << "host lacks every ISA variant with f32_gemm";
}

TEST(CpuGemm, ZeroHugeAndDenormalValues) {
  const bool ran = ForEachVariant(&cpu::Kernels::f32_gemm, [&] {
    std::mt19937 rng(5);
    CheckGemm(13, 17, 19, ref::Activation::kRelu, true, nullptr, &rng, 0.0f);    // all-zero input
    CheckGemm(13, 17, 19, ref::Activation::kNone, true, nullptr, &rng, 1e-39f);  // denormals
    CheckGemm(7, 5, 9, ref::Activation::kNone, false, nullptr, &rng, 1e38f);     // overflow to inf
    // K = 0: the output is the bias (and activation) alone.
    std::vector<float> bias = {1.5f, -2.0f}, y(2 * 2, 7.0f);
    Aligned packed(1);
    cpu::GemmF32Panel16(K(), nullptr, 2, 0, packed.get(), 2, bias.data(), 1, y.data(), nullptr);
    EXPECT_EQ(y, (std::vector<float>{1.5f, 0.0f, 1.5f, 0.0f}));
  });
  if (!ran) GTEST_SKIP() << "host lacks every ISA variant with f32_gemm";
}

TEST(CpuAttention, MatchesReferenceWithAndWithoutMasks) {
  const bool ran = ForEachVariant(&cpu::Kernels::f32_attention, [&] {
    std::mt19937 rng(9);
    for (int64_t b : {1, 2})
      for (auto [heads, kv_heads] : {std::pair<int64_t, int64_t>{1, 1}, {3, 3}, {4, 2}, {6, 1}})
        for (int64_t sq : {1, 7, 13})
          for (int64_t sk : {1, 13, 64, 65, 257})
            for (auto [dk, dv] : {std::pair<int64_t, int64_t>{8, 8}, {7, 13}, {64, 64}})
              for (int mode = 0; mode < 4; ++mode) {
                std::vector<float> q(b * sq * heads * dk), k(b * sk * kv_heads * dk),
                    v(b * sk * kv_heads * dv), want(b * sq * heads * dv), got(want.size());
                Fill(&rng, q.data(), q.size(), -2, 2);
                Fill(&rng, k.data(), k.size(), -2, 2);
                Fill(&rng, v.data(), v.size());
                // Key-padding mask [B, 1, 1, Sk]: the last third of the keys masked (never all).
                std::vector<float> fmask(b * sk);
                std::vector<uint8_t> bmask(b * sk);
                for (int64_t i = 0; i < b * sk; ++i) {
                  const bool masked = sk > 1 && (i % sk) >= sk - sk / 3;
                  fmask[i] = masked ? -1e9f : 0.0f;
                  bmask[i] = mode == 2 ? !masked : masked;
                }
                TensorView mv = View(fmask.data(), {b, 1, 1, sk});
                if (mode >= 2) {
                  mv.dtype = DType::kBool;
                  mv.data = bmask.data();
                }
                ref::AttentionConfig c;
                c.num_heads = heads;
                c.kv_heads = kv_heads;
                c.scale = 1.0f / std::sqrt(float(dk));
                c.mask = static_cast<ref::MaskMode>(mode);
                c.mask_fill = -INFINITY;
                const TensorView* mask = mode ? &mv : nullptr;
                ref::Attention(View(q.data(), {b, sq, heads * dk}),
                               View(k.data(), {b, sk, kv_heads * dk}),
                               View(v.data(), {b, sk, kv_heads * dv}), mask, c,
                               View(want.data(), {b, sq, heads * dv}), nullptr);
                cpu::AttentionArgs a{};
                a.q = q.data();
                a.k = k.data();
                a.v = v.data();
                a.mask = mode ? mv.data : nullptr;
                a.mask_mode = mode;
                a.mask_fill = c.mask_fill;
                Shape full;
                full.rank = 4;
                full.dims[0] = b;
                full.dims[1] = heads;
                full.dims[2] = sq;
                full.dims[3] = sk;
                if (mode) ref::BroadcastStridesOf(mv.shape, full, a.mask_strides);
                a.batch = b;
                a.heads = heads;
                a.kv_heads = kv_heads;
                a.sq = sq;
                a.sk = sk;
                a.dk = dk;
                a.dv = dv;
                a.scale = c.scale;
                a.y = got.data();
                cpu::AttentionF32(K(), a, nullptr);
                for (size_t i = 0; i < got.size(); ++i)
                  ASSERT_NEAR(got[i], want[i], 2e-5 * (1 + std::fabs(want[i])))
                      << "b=" << b << " h=" << heads << "/" << kv_heads << " sq=" << sq
                      << " sk=" << sk << " dk=" << dk << " dv=" << dv << " mode=" << mode << " at "
                      << i;
              }
  });
  if (!ran) GTEST_SKIP() << "host lacks every ISA variant with f32_attention";
}

// A query row whose every key is masked with -inf: softmax's NaN, or 0 with zero_empty_rows (the
// exporters' where(isnan(p), 0, p) guard), in the reference and every variant alike.
TEST(CpuAttention, FullyMaskedRowsGiveNanOrZero) {
  const int64_t heads = 2, sq = 5, sk = 9, d = 16;
  std::vector<float> q(sq * heads * d, 0.5f), k(sk * heads * d, 0.25f), v(sk * heads * d, 1.0f);
  std::vector<float> mask(sq * sk, 0.0f);
  for (int64_t j = 0; j < sk; ++j) mask[2 * sk + j] = -INFINITY;  // query row 2: every key
  for (bool zero : {false, true}) {
    ref::AttentionConfig c;
    c.num_heads = heads;
    c.mask = ref::MaskMode::kAdditive;
    c.zero_empty_rows = zero;
    std::vector<float> want(sq * heads * d);
    const TensorView mask_view = View(mask.data(), {1, 1, sq, sk});
    ref::Attention(View(q.data(), {1, sq, heads * d}), View(k.data(), {1, sk, heads * d}),
                   View(v.data(), {1, sk, heads * d}), &mask_view, c,
                   View(want.data(), {1, sq, heads * d}), nullptr);
    for (int64_t i = 0; i < sq; ++i)
      for (int64_t x = 0; x < heads * d; ++x) {
        const float w = want[i * heads * d + x];
        if (i == 2)
          EXPECT_TRUE(zero ? w == 0.0f : std::isnan(w)) << "reference, zero=" << zero;
        else
          EXPECT_FLOAT_EQ(w, 1.0f);  // softmax weights sum to 1 over values of 1
      }
    ForEachVariant(&cpu::Kernels::f32_attention, [&] {
      std::vector<float> got(want.size());
      cpu::AttentionArgs a{};
      a.q = q.data(), a.k = k.data(), a.v = v.data(), a.y = got.data();
      a.mask = mask.data();
      a.mask_mode = 1;
      a.mask_strides[2] = sk, a.mask_strides[3] = 1;
      a.batch = 1, a.heads = heads, a.kv_heads = heads, a.sq = sq, a.sk = sk, a.dk = a.dv = d;
      a.scale = 1.0f;
      a.zero_empty_rows = zero;
      cpu::AttentionF32(K(), a, nullptr);
      for (size_t i = 0; i < got.size(); ++i) {
        if (std::isnan(want[i]))
          ASSERT_TRUE(std::isnan(got[i])) << "at " << i;
        else
          ASSERT_EQ(got[i], want[i]) << "zero=" << zero << " at " << i;
      }
    });
  }
}

// The GEMM reading convolution windows in place (implicit im2col) against the reference twin
// and against an explicit im2col followed by the same GEMM: odd channel counts (runs that cross
// K blocks), strides, pads, dilation, 1x1 and 7x7 windows, bias, ReLU, residual, threads.
TEST(CpuGemm, ConvolutionWindowsMatchExplicitIm2Col) {
  struct Case {
    int64_t h, w, c, m, k, stride, pad, dilation;
  } cases[] = {{5, 5, 3, 7, 3, 1, 1, 1},   {9, 7, 13, 17, 3, 2, 1, 1},
               {8, 8, 64, 48, 3, 1, 1, 1}, {11, 11, 3, 16, 7, 2, 3, 1},
               {6, 9, 33, 40, 3, 1, 2, 2}, {7, 7, 300, 20, 1, 2, 0, 1}};
  const bool ran = ForEachVariant(&cpu::Kernels::f32_gemm, [&] {
    std::unique_ptr<ThreadPool> pool;
    ASSERT_EQ(ThreadPool::Create(2, &pool), AXLE_OK);
    std::mt19937 rng(23);
    for (const Case& t : cases)
      for (bool threaded : {false, true}) {
        const int64_t oh = (t.h + 2 * t.pad - t.dilation * (t.k - 1) - 1) / t.stride + 1;
        const int64_t ow = (t.w + 2 * t.pad - t.dilation * (t.k - 1) - 1) / t.stride + 1;
        const int64_t kdim = t.k * t.k * t.c, rows = 2 * oh * ow;
        std::vector<float> x(2 * t.h * t.w * t.c), w(kdim * t.m), bias(t.m), res(rows * t.m),
            cols(rows * kdim), want(rows * t.m), ref_out(rows * t.m), got(rows * t.m);
        Fill(&rng, x.data(), x.size());
        Fill(&rng, w.data(), w.size());
        Fill(&rng, bias.data(), bias.size());
        Fill(&rng, res.data(), res.size());
        Aligned packed(Panel16Floats(kdim, t.m));
        PackPanel16(w.data(), kdim, t.m, packed.get());
        const int64_t kernel[2] = {t.k, t.k}, strides[2] = {t.stride, t.stride},
                      pads[4] = {t.pad, t.pad, t.pad, t.pad},
                      dilations[2] = {t.dilation, t.dilation};
        const ref::Window win{2, kernel, strides, pads, dilations};
        ref::Im2ColNhwc(View(x.data(), {2, t.h, t.w, t.c}), win,
                        View(cols.data(), {2, oh, ow, kdim}));
        const Parallel* par = threaded ? pool->parallel() : nullptr;
        const int act = static_cast<int>(ref::Activation::kRelu);
        cpu::GemmF32Panel16(K(), cols.data(), rows, kdim, packed.get(), t.m, bias.data(), act,
                            want.data(), par, res.data());
        cpu::ConvRows conv{x.data(),
                           t.h,
                           t.w,
                           t.c,
                           oh,
                           ow,
                           t.k,
                           t.k,
                           {t.stride, t.stride},
                           {t.pad, t.pad},
                           {t.dilation, t.dilation}};
        cpu::GemmF32Panel16(K(), nullptr, rows, kdim, packed.get(), t.m, bias.data(), act,
                            got.data(), par, res.data(), &conv);
        TensorView vb = View(bias.data(), {t.m}), vr = View(res.data(), {2, oh, ow, t.m});
        ref::LinearConvPanel16(View(x.data(), {2, t.h, t.w, t.c}), win, packed.get(), kdim, t.m,
                               &vb, ref::Activation::kRelu, View(ref_out.data(), {2, oh, ow, t.m}),
                               nullptr, &vr);
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_EQ(got[i], want[i]) << "explicit im2col, case c=" << t.c << " k=" << t.k
                                     << " s=" << t.stride << " at " << i;
          ASSERT_NEAR(got[i], ref_out[i], 1e-4 * (1 + std::fabs(ref_out[i])))
              << "reference twin, case c=" << t.c << " k=" << t.k << " at " << i;
        }
      }
  });
  if (!ran) GTEST_SKIP() << "host lacks every ISA variant with f32_gemm";
}

// Channels-last depthwise convolution against the reference over odd channel counts (vector
// tails), 3x3 / 5x5 / 1x7 windows, strides, pads, dilation, bias or none, and each activation.
TEST(CpuDepthwise, MatchesReferenceOnOddShapes) {
  struct Case {
    int64_t h, w, c, kh, kw, stride, pad, dilation;
  } cases[] = {{7, 7, 1, 3, 3, 1, 1, 1},   {13, 9, 7, 3, 3, 2, 1, 1},   {8, 8, 16, 3, 3, 1, 1, 1},
               {9, 13, 33, 5, 5, 2, 2, 1}, {12, 12, 24, 3, 3, 1, 2, 2}, {5, 11, 20, 1, 7, 1, 3, 1},
               {3, 3, 257, 3, 3, 1, 0, 1}};
  const bool ran = ForEachVariant(&cpu::Kernels::f32_depthwise, [&] {
    std::mt19937 rng(5);
    for (const Case& t : cases)
      for (ref::Activation act :
           {ref::Activation::kNone, ref::Activation::kRelu, ref::Activation::kRelu6})
        for (bool with_bias : {false, true}) {
          const int64_t oh = (t.h + 2 * t.pad - t.dilation * (t.kh - 1) - 1) / t.stride + 1;
          const int64_t ow = (t.w + 2 * t.pad - t.dilation * (t.kw - 1) - 1) / t.stride + 1;
          std::vector<float> x(2 * t.h * t.w * t.c), w(t.kh * t.kw * t.c), bias(t.c),
              want(2 * oh * ow * t.c), got(want.size());
          Fill(&rng, x.data(), x.size(), -3, 3);
          Fill(&rng, w.data(), w.size(), -2, 2);
          Fill(&rng, bias.data(), bias.size(), -1, 1);
          const int64_t kernel[2] = {t.kh, t.kw}, strides[2] = {t.stride, t.stride},
                        pads[4] = {t.pad, t.pad, t.pad, t.pad},
                        dilations[2] = {t.dilation, t.dilation};
          ref::Window win{2, kernel, strides, pads, dilations};
          TensorView vb = View(bias.data(), {t.c});
          ref::DepthwiseConvNhwc(View(x.data(), {2, t.h, t.w, t.c}),
                                 View(w.data(), {t.kh, t.kw, t.c}), with_bias ? &vb : nullptr, win,
                                 act, View(want.data(), {2, oh, ow, t.c}));
          cpu::DepthwiseArgs d{};
          d.x = x.data(), d.w = w.data(), d.bias = with_bias ? bias.data() : nullptr;
          d.y = got.data();
          d.batch = 2, d.h = t.h, d.w_in = t.w, d.c = t.c, d.oh = oh, d.ow = ow;
          d.kh = t.kh, d.kw = t.kw;
          for (int i = 0; i < 2; ++i)
            d.stride[i] = t.stride, d.pad[i] = t.pad, d.dilation[i] = t.dilation;
          d.act = static_cast<int>(act);
          cpu::DepthwiseConvF32(K(), d, nullptr);
          for (size_t i = 0; i < got.size(); ++i)
            ASSERT_NEAR(got[i], want[i], 1e-5 * (1 + std::fabs(want[i])))
                << t.h << "x" << t.w << "x" << t.c << " k" << t.kh << "x" << t.kw << " s"
                << t.stride << " p" << t.pad << " d" << t.dilation << " act "
                << static_cast<int>(act) << " at " << i;
        }
  });
  if (!ran) GTEST_SKIP() << "host lacks every ISA variant with f32_depthwise";
}

// The vectorized fused-elementwise programs against the reference (double) interpreter: SwiGLU,
// RoPE's rotate-and-add, GELU, and a chain of every fast-pathed op, with broadcast inputs, over
// odd row lengths (chunk edges at 256).
TEST(CpuFusedElementwise, MatchesReferenceProgramsWithBroadcasts) {
  using ref::BinaryOp;
  using ref::UnaryOp;
  const uint8_t swiglu[] = {0, 0,
                            0, 0,
                            3, uint8_t(UnaryOp::kSigmoid),
                            2, uint8_t(BinaryOp::kMul),
                            0, 1,
                            2, uint8_t(BinaryOp::kMul)};
  const uint8_t rope[] = {0, 0,
                          0, 2,
                          2, uint8_t(BinaryOp::kMul),
                          0, 1,
                          0, 3,
                          2, uint8_t(BinaryOp::kMul),
                          2, uint8_t(BinaryOp::kAdd)};
  const uint8_t gelu[] = {0, 0, 4, 0, 0, 1, 4, 1, 2, uint8_t(BinaryOp::kSub)};
  const uint8_t chain[] = {0, 0,
                           1, 0,
                           2, uint8_t(BinaryOp::kDiv),
                           3, uint8_t(UnaryOp::kTanh),
                           3, uint8_t(UnaryOp::kErf),
                           0, 1,
                           2, uint8_t(BinaryOp::kMax),
                           3, uint8_t(UnaryOp::kExp),
                           3, uint8_t(UnaryOp::kNeg),
                           3, uint8_t(UnaryOp::kRelu),
                           0, 2,
                           3, uint8_t(UnaryOp::kAbs),
                           3, uint8_t(UnaryOp::kSqrt),
                           2, uint8_t(BinaryOp::kSub),
                           0, 3,
                           2, uint8_t(BinaryOp::kMin),
                           0, 1,
                           3, uint8_t(UnaryOp::kFloor),
                           2, uint8_t(BinaryOp::kAdd)};
  struct Program {
    const uint8_t* code;
    size_t size;
  } programs[] = {
      {swiglu, sizeof(swiglu)}, {rope, sizeof(rope)}, {gelu, sizeof(gelu)}, {chain, sizeof(chain)}};
  const float constants[] = {3.0f};
  const bool ran = ForEachVariant(&cpu::Kernels::f32_vmath, [&] {
    std::mt19937 rng(11);
    for (int64_t rows : {1, 7})
      for (int64_t cols : {1, 13, 255, 257, 600}) {
        // Inputs: [rows, cols], [1, cols], [rows, 1], [cols].
        std::vector<float> a(rows * cols), b(cols), c(rows), d(cols), want(rows * cols),
            got(rows * cols);
        Fill(&rng, a.data(), a.size(), -4, 4);
        Fill(&rng, b.data(), b.size(), -4, 4);
        Fill(&rng, c.data(), c.size(), -4, 4);
        Fill(&rng, d.data(), d.size(), -4, 4);
        TensorView va = View(a.data(), {rows, cols}), vb = View(b.data(), {1, cols}),
                   vc = View(c.data(), {rows, 1}), vd = View(d.data(), {cols});
        const TensorView* in[] = {&va, &vb, &vc, &vd};
        for (const Program& p : programs) {
          ref::FusedElementwise(p.code, p.size, constants, in, 4, View(want.data(), {rows, cols}),
                                nullptr);
          cpu::FusedElementwiseF32(K(), p.code, p.size, constants, in, 4,
                                   View(got.data(), {rows, cols}), nullptr);
          for (size_t i = 0; i < got.size(); ++i)
            ASSERT_NEAR(got[i], want[i], 4e-6 * (1 + std::fabs(want[i])))
                << "program of " << p.size / 2 << " instructions, " << rows << "x" << cols << " at "
                << i;
        }
      }
  });
  if (!ran) GTEST_SKIP() << "host lacks every ISA variant with f32_vmath";
}

// The errors stated in kernels/x86/avx2-math.h, measured on a dense grid.
TEST(CpuMath, MaxErrorWithinStatedBounds) {
  const bool ran = ForEachVariant(&cpu::Kernels::f32_vmath, [&] {
    std::vector<float> x;
    for (double t = -20; t <= 20; t += 1e-3) x.push_back(static_cast<float>(t));
    for (float t : {1e-6f, -1e-6f, 1e-30f, 0.0f, -0.0f}) x.push_back(t);
    std::vector<float> y(x.size());
    double worst_exp = 0, worst_erf = 0, worst_tanh = 0, worst_gelu = 0, worst_gelu_tanh = 0;
    K().f32_vmath(cpu::VMathFn::kExp, x.data(), y.data(), x.size());
    for (size_t i = 0; i < x.size(); ++i)
      worst_exp =
          std::max(worst_exp, std::fabs(y[i] - std::exp(double(x[i]))) / std::exp(double(x[i])));
    K().f32_vmath(cpu::VMathFn::kErf, x.data(), y.data(), x.size());
    for (size_t i = 0; i < x.size(); ++i)
      worst_erf = std::max(worst_erf, std::fabs(y[i] - std::erf(double(x[i]))));
    K().f32_vmath(cpu::VMathFn::kTanh, x.data(), y.data(), x.size());
    for (size_t i = 0; i < x.size(); ++i)
      worst_tanh = std::max(worst_tanh, std::fabs(y[i] - std::tanh(double(x[i]))));
    K().f32_vmath(cpu::VMathFn::kGeluErf, x.data(), y.data(), x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      const double v = x[i], want = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
      worst_gelu = std::max(worst_gelu, std::fabs(y[i] - want) / (1 + std::fabs(want)));
    }
    K().f32_vmath(cpu::VMathFn::kGeluTanh, x.data(), y.data(), x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      const double v = x[i];
      const double want =
          0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
      worst_gelu_tanh = std::max(worst_gelu_tanh, std::fabs(y[i] - want) / (1 + std::fabs(want)));
    }
    std::printf(
        "max errors: exp rel %.3g, erf abs %.3g, tanh abs %.3g, gelu %.3g, gelu_tanh %.3g\n",
        worst_exp, worst_erf, worst_tanh, worst_gelu, worst_gelu_tanh);
    EXPECT_LT(worst_exp, 2e-7);
    EXPECT_LT(worst_erf, 5e-7);
    EXPECT_LT(worst_tanh, 2e-7);
    EXPECT_LT(worst_gelu, 3e-7);
    EXPECT_LT(worst_gelu_tanh, 7e-7);
  });
  if (!ran) GTEST_SKIP() << "host lacks every ISA variant with f32_vmath";
}

}  // namespace
}  // namespace axle

namespace axle {
namespace {

// The int8 GEMM against ref::GemmU8S8 (64-bit exact accumulation): the integer part is exact,
// so the only difference is the f32 epilogue's rounding.
void CheckS8(size_t m, size_t k, size_t n, int32_t zp, bool extremes, std::mt19937* rng,
             const Parallel* par = nullptr, bool c8 = false) {
  std::vector<uint8_t> x(m * k + 1);
  std::vector<int8_t> w(k * n);
  std::vector<float> scales(n), bias(n), want(m * n), got(m * n + 1);
  std::uniform_int_distribution<int> u8(0, 255), s8(-128, 127);
  for (auto& v : x) v = static_cast<uint8_t>(extremes ? 255 : u8(*rng));
  for (auto& v : w) v = static_cast<int8_t>(extremes ? (s8(*rng) < 0 ? -128 : 127) : s8(*rng));
  std::uniform_real_distribution<float> f(0.001f, 0.02f);
  for (auto& v : scales) v = f(*rng);
  for (auto& v : bias) v = f(*rng) * 10;
  std::vector<int32_t> sums(n);
  Aligned packed((S8PackedBytes(k, n) + 3) / 4);
  if (c8)
    PackS8Panel16x8(w.data(), k, n, reinterpret_cast<int8_t*>(packed.get()), sums.data());
  else
    PackS8Panel16x4(w.data(), k, n, reinterpret_cast<int8_t*>(packed.get()), sums.data());
  ref::GemmU8S8(x.data() + 1, m, k, 0.05f, zp, w.data(), scales.data(), n, bias.data(),
                ref::Activation::kRelu, want.data());
  cpu::GemmS8Panel16x4(K(), x.data() + 1, m, k, 0.05f, zp,
                       reinterpret_cast<const int8_t*>(packed.get()), sums.data(), scales.data(), n,
                       bias.data(), static_cast<int>(ref::Activation::kRelu), got.data() + 1, par,
                       c8);
  for (size_t i = 0; i < m * n; ++i)
    ASSERT_NEAR(got[i + 1], want[i], 1e-5 * (1 + std::fabs(want[i])))
        << "m=" << m << " k=" << k << " n=" << n << " at " << i;
}

TEST(CpuGemmS8, ExactAgainstReferenceIncludingSaturationBounds) {
  const bool ran = ForEachVariant(&cpu::Kernels::s8_gemm, [&] {
    std::mt19937 rng(11);
    for (size_t m : {1, 3, 7, 13, 97})
      for (size_t k : {1, 3, 7, 64, 257})
        for (size_t n : {1, 7, 16, 17, 49, 257}) CheckS8(m, k, n, 128, false, &rng);
    // 255 x +-127/-128 over K = 4096: pairs whose int16 sum would saturate in vpmaddubsw.
    CheckS8(13, 4096, 33, 0, true, &rng);
    CheckS8(9, 1000, 50, 255, true, &rng);
  });
  if (!ran) GTEST_SKIP() << "host lacks every ISA variant with s8_gemm";
}

// The i8mm weight layout (s8panel16x8): the same shapes and bounds as the s8panel16x4 kernels.
TEST(CpuGemmS8, I8mmLayoutExactAgainstReference) {
  const bool ran = ForEachVariant(&cpu::Kernels::s8_gemm_c8, [&] {
    std::mt19937 rng(13);
    for (size_t m : {1, 3, 7, 13, 97})
      for (size_t k : {1, 3, 7, 64, 257})
        for (size_t n : {1, 7, 16, 17, 49, 257}) CheckS8(m, k, n, 128, false, &rng, nullptr, true);
    CheckS8(13, 4096, 33, 0, true, &rng, nullptr, true);
    CheckS8(9, 1000, 50, 255, true, &rng, nullptr, true);
    std::unique_ptr<ThreadPool> pool;
    ASSERT_EQ(ThreadPool::Create(3, &pool), AXLE_OK);
    CheckS8(97, 1024, 70, 7, false, &rng, pool->parallel(), true);
  });
  if (!ran) GTEST_SKIP() << "host lacks every ISA variant with an s8panel16x8 (i8mm) GEMM";
}

// The AMX path: 32-row blocks (in place when K is a multiple of 64, else a padded copy), row
// and column tails, column groups split across threads.
TEST(CpuGemmS8, WholeGemmExactAgainstReference) {
  const bool ran = ForEachVariant(&cpu::Kernels::s8_gemm_whole, [&] {
    std::mt19937 rng(12);
    for (size_t m : {1, 3, 16, 17, 32, 97})
      for (size_t k : {1, 7, 64, 257, 1024})
        for (size_t n : {1, 7, 16, 17, 33, 257}) CheckS8(m, k, n, 128, false, &rng);
    CheckS8(13, 4096, 33, 0, true, &rng);
    CheckS8(64, 1000, 50, 255, true, &rng);
    CheckS8(256, 2048, 1100, 3, false, &rng);  // several column groups
    std::unique_ptr<ThreadPool> pool;
    ASSERT_EQ(ThreadPool::Create(3, &pool), AXLE_OK);
    CheckS8(97, 1024, 513, 7, false, &rng, pool->parallel());
    CheckS8(300, 4096, 100, 128, false, &rng, pool->parallel());
  });
  if (!ran) GTEST_SKIP() << "host lacks AMX (or the kernel lacks the tile permission)";
}

}  // namespace
}  // namespace axle

namespace axle {
namespace {

// Weight-only int8 / int4 GEMV: the x86 kernels against the reference on the same packed
// weights, and the packed weights against the float GEMV within the quantization error bound
// (sum_k |x_k| * scale / 2, an oracle independent of the packing code's own arithmetic).
TEST(CpuGemvWeightOnly, Int8AndInt4MatchReferenceAndQuantizationBound) {
  const bool ran = ForEachVariant(&cpu::Kernels::f32_gemv_w8, [&] {
    std::mt19937 rng(31);
    for (size_t k : {1, 7, 31, 32, 33, 257, 1000})
      for (size_t n : {1, 15, 16, 17, 100}) {
        std::vector<float> x(k), w(k * n), bias(n), exact(n), got(n), want(n);
        Fill(&rng, x.data(), k);
        Fill(&rng, w.data(), w.size());
        Fill(&rng, bias.data(), n);
        for (size_t j = 0; j < n; ++j) {
          double acc = bias[j];
          for (size_t r = 0; r < k; ++r) acc += double(x[r]) * w[r * n + j];
          exact[j] = static_cast<float>(acc);
        }
        std::vector<int8_t> w8(W8PackedBytes(k, n));
        std::vector<float> s8(n);
        PackW8Panel16(w.data(), k, n, w8.data(), s8.data());
        ref::GemvW8(x.data(), k, w8.data(), s8.data(), n, bias.data(), want.data());
        cpu::GemvW8(K(), x.data(), k, w8.data(), s8.data(), n, bias.data(), got.data(), nullptr);
        for (size_t j = 0; j < n; ++j) {
          ASSERT_NEAR(got[j], want[j], 1e-5 * (1 + std::fabs(want[j])))
              << "w8 k=" << k << " j=" << j;
          double bound = 0;
          for (size_t r = 0; r < k; ++r) bound += std::fabs(x[r]) * s8[j] / 2;
          ASSERT_LE(std::fabs(want[j] - exact[j]), bound * 1.0001 + 1e-6) << "w8 k=" << k;
        }
        for (size_t group : {32, 64, 128}) {
          std::vector<uint8_t> w4(W4PackedBytes(k, n));
          std::vector<float> s4(W4ScaleCount(k, n, group));
          PackW4Panel16(w.data(), k, n, group, w4.data(), s4.data());
          ref::GemvW4(x.data(), k, w4.data(), s4.data(), n, group, bias.data(), want.data());
          cpu::GemvW4(K(), x.data(), k, w4.data(), s4.data(), n, group, bias.data(), got.data(),
                      nullptr);
          for (size_t j = 0; j < n; ++j) {
            ASSERT_NEAR(got[j], want[j], 1e-5 * (1 + std::fabs(want[j])))
                << "w4 k=" << k << " group=" << group << " j=" << j;
            // Each group's scale is its own max |w| / 7 (recomputed here, not read back).
            double bound = 0;
            for (size_t r = 0; r < k; ++r) {
              float mx = 0;
              for (size_t t = r / group * group; t < std::min(k, (r / group + 1) * group); ++t)
                mx = std::max(mx, std::fabs(w[t * n + j]));
              bound += std::fabs(x[r]) * mx / 7 / 2;
            }
            ASSERT_LE(std::fabs(want[j] - exact[j]), bound * 1.0001 + 1e-6)
                << "w4 k=" << k << " group=" << group;
          }
        }
      }
  });
  if (!ran) GTEST_SKIP() << "host lacks every ISA variant with f32_gemv_w8";
}

}  // namespace
}  // namespace axle

namespace axle {
namespace {

// ref::LinearInt8 on the packed layouts against ref::GemmU8S8 on [K, N] (+ residual): the
// reference's own packed indexing, the runtime's fallback for s8panel16x4 and s8panel16x8 plans.
TEST(RefLinearInt8, PackedLayoutMatchesDense) {
  std::mt19937 rng(21);
  std::uniform_int_distribution<int> u8(0, 255), s8(-127, 127);
  for (auto [m, k, n] :
       {std::tuple<size_t, size_t, size_t>{1, 1, 1}, {3, 7, 17}, {13, 65, 33}, {5, 257, 16}}) {
    std::vector<uint8_t> x(m * k);
    std::vector<int8_t> w(k * n);
    std::vector<float> scales(n), bias(n), residual(m * n), want(m * n), got(m * n);
    for (auto& v : x) v = static_cast<uint8_t>(u8(rng));
    for (auto& v : w) v = static_cast<int8_t>(s8(rng));
    for (size_t j = 0; j < n; ++j) {
      scales[j] = 0.01f * (1 + j % 5);
      bias[j] = 0.1f * static_cast<float>(j);
    }
    for (size_t i = 0; i < m * n; ++i) residual[i] = static_cast<float>(i % 7) - 3;
    std::vector<int8_t> packed(S8PackedBytes(k, n));
    std::vector<int32_t> sums(n);
    ref::GemmU8S8(x.data(), m, k, 0.05f, 100, w.data(), scales.data(), n, bias.data(),
                  ref::Activation::kGelu, want.data());
    for (auto layout : {ref::S8Layout::kPanel16x4, ref::S8Layout::kPanel16x8}) {
      std::vector<int32_t> dense_sums(n, 0);
      for (size_t r = 0; r < k; ++r)
        for (size_t j = 0; j < n; ++j) dense_sums[j] += w[r * n + j];
      if (layout == ref::S8Layout::kPanel16x4)
        PackS8Panel16x4(w.data(), k, n, packed.data(), sums.data());
      else
        PackS8Panel16x8(w.data(), k, n, packed.data(), sums.data());
      ASSERT_EQ(sums, dense_sums);
      ref::LinearInt8(x.data(), m, k, 0.05f, 100, packed.data(), layout, scales.data(), n,
                      bias.data(), ref::Activation::kGelu, residual.data(), got.data());
      for (size_t i = 0; i < m * n; ++i)
        ASSERT_FLOAT_EQ(got[i], want[i] + residual[i]) << i << " layout " << int(layout);
    }
  }
}

// The vectorized f32 -> u8 quantization is bit-identical to the reference: ties round to even,
// saturation at 0 and 255, NaN to the zero point, odd lengths.
TEST(CpuQuantize, BitIdenticalToReference) {
  const bool ran = ForEachVariant(&cpu::Kernels::quantize_u8, [&] {
    std::mt19937 rng(22);
    std::normal_distribution<float> nd(0.0f, 3.0f);
    for (size_t n : {1, 7, 16, 33, 257, 1000}) {
      const float scale = 0.0375f;
      std::vector<float> x(n);
      for (size_t i = 0; i < n; ++i) {
        switch (i % 6) {
        case 0: x[i] = (static_cast<float>(i % 40) - 20.0f + 0.5f) * scale; break;  // ties
        case 1: x[i] = i % 12 == 1 ? std::nanf("") : 1e30f; break;
        case 2: x[i] = -1e30f; break;
        default: x[i] = nd(rng);
        }
      }
      std::vector<uint8_t> want(n), got(n + 1);
      TensorView xv, yv;
      xv.dtype = DType::kF32;
      xv.shape.rank = 1;
      xv.shape.dims[0] = static_cast<int64_t>(n);
      xv.data = x.data();
      yv = xv;
      yv.dtype = DType::kU8;
      yv.data = want.data();
      ref::QuantizeLinear(xv, scale, 117, yv);
      K().quantize_u8(x.data(), n, scale, 117, got.data() + 1);  // unaligned output
      for (size_t i = 0; i < n; ++i)
        ASSERT_EQ(got[i + 1], want[i]) << "n=" << n << " i=" << i << " x=" << x[i];
    }
  });
  if (!ran) GTEST_SKIP() << "host lacks every ISA variant with quantize_u8";
}

}  // namespace
}  // namespace axle

namespace axle {
namespace {

// The vectorized LayerNorm against the reference (double sums), within 5e-5 relative plus
// 5e-5 absolute (the f32 mean of values near 1000 alone rounds by up to 3e-5): odd widths, a
// mean 1000x the spread (variance by deviations, not E[x^2] - E[x]^2), no bias, a constant row.
TEST(CpuLayerNorm, MatchesReference) {
  const bool ran = ForEachVariant(&cpu::Kernels::f32_layernorm, [&] {
    std::mt19937 rng(23);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    for (size_t inner : {1, 7, 16, 33, 128, 257, 768}) {
      for (bool with_bias : {true, false}) {
        const size_t rows = 5;
        std::vector<float> x(rows * inner), s(inner), b(inner), want(rows * inner),
            got(rows * inner);
        for (size_t i = 0; i < x.size(); ++i) x[i] = 1000.0f + nd(rng);  // offset mean
        for (size_t i = 0; i < inner; ++i) x[2 * inner + i] = 3.0f;      // a constant row
        for (auto& v : s) v = 1.0f + 0.1f * nd(rng);
        for (auto& v : b) v = 0.1f * nd(rng);
        TensorView xv = View(x.data(), {static_cast<int64_t>(rows), static_cast<int64_t>(inner)});
        TensorView sv = View(s.data(), {static_cast<int64_t>(inner)});
        TensorView bv = View(b.data(), {static_cast<int64_t>(inner)});
        TensorView yv =
            View(want.data(), {static_cast<int64_t>(rows), static_cast<int64_t>(inner)});
        ref::LayerNorm(xv, sv, with_bias ? &bv : nullptr, 1, 1e-5f, yv, nullptr, nullptr);
        K().f32_layernorm(x.data(), rows, inner, s.data(), with_bias ? b.data() : nullptr, 1e-5f,
                          got.data());
        for (size_t i = 0; i < x.size(); ++i)
          ASSERT_NEAR(got[i], want[i], 5e-5f * (1 + std::fabs(want[i])))
              << "inner=" << inner << " i=" << i;
      }
    }
  });
  if (!ran) GTEST_SKIP() << "host lacks every ISA variant with f32_layernorm";
}

}  // namespace
}  // namespace axle

namespace axle {
namespace {

// The vectorized softmax (f32_vmath's exp) against ref::Softmax (double exp), within 1e-6
// absolute plus 1e-5 relative: odd row lengths, masked (-inf) entries, a constant row, values
// whose exp overflows f32 before the max is subtracted, rows of only -inf or with a NaN (both
// NaN everywhere, as in the reference), and a split across 3 threads.
TEST(CpuSoftmax, MatchesReference) {
  const bool ran = ForEachVariant(&cpu::Kernels::f32_vmath, [&] {
    std::unique_ptr<ThreadPool> pool;
    ASSERT_EQ(ThreadPool::Create(3, &pool), AXLE_OK);
    std::mt19937 rng(31);
    std::uniform_real_distribution<float> ud(-30.0f, 30.0f);
    for (size_t n : {1, 7, 13, 64, 257, 1000})
      for (size_t rows : {size_t{6}, size_t{300}}) {
        std::vector<float> x(rows * n), want(rows * n), got(rows * n);
        for (auto& v : x) v = ud(rng);
        for (size_t j = 0; j < n; j += 3) x[0 * n + j] = -INFINITY;          // masked keys
        for (size_t j = 0; j < n; ++j) x[1 * n + j] = 2.5f;                  // constant row
        for (size_t j = 0; j < n; ++j) x[2 * n + j] = 80.0f + ud(rng) / 30;  // exp(x) > FLT_MAX
        for (size_t j = 0; j < n; ++j) x[3 * n + j] = -INFINITY;             // nothing kept: NaN
        x[4 * n + n / 2] = NAN;
        const TensorView xv = View(x.data(), {static_cast<int64_t>(rows), static_cast<int64_t>(n)});
        const TensorView yv =
            View(want.data(), {static_cast<int64_t>(rows), static_cast<int64_t>(n)});
        ref::Softmax(xv, 1, yv);
        cpu::SoftmaxF32Rows(K(), x.data(), rows, n, got.data(), pool->parallel());
        for (size_t i = 0; i < x.size(); ++i) {
          if (std::isnan(want[i])) {
            ASSERT_TRUE(std::isnan(got[i])) << "n=" << n << " i=" << i;
          } else {
            ASSERT_NEAR(got[i], want[i], 1e-6f + 1e-5f * want[i]) << "n=" << n << " i=" << i;
          }
        }
      }
  });
  if (!ran) GTEST_SKIP() << "host lacks every ISA variant with f32_vmath";
}

}  // namespace
}  // namespace axle
