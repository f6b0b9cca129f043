// Reference kernels of the fused ops against the unfused reference kernels they replace
// (MatMul, Add, Softmax, Transpose, Erf, Tanh...) and closed forms, on random odd shapes; and
// multi-threaded runs against single-threaded ones.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/ref/ref_kernels.h"
#include "runtime/src/thread_pool.h"

namespace axle::ref {
namespace {

struct T32 {
  std::vector<float> v;
  TensorView view;
  explicit T32(std::vector<int64_t> shape, std::mt19937* rng = nullptr, float lo = -1,
               float hi = 1) {
    view.dtype = DType::kF32;
    view.shape.rank = static_cast<int>(shape.size());
    int64_t n = 1;
    for (size_t i = 0; i < shape.size(); ++i) n *= view.shape.dims[i] = shape[i];
    v.assign(n, 0.0f);
    if (rng) {
      std::uniform_real_distribution<float> d(lo, hi);
      for (float& x : v) x = d(*rng);
    }
    view.data = v.data();
  }
};

void ExpectClose(const std::vector<float>& got, const std::vector<float>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tol * (1 + std::fabs(want[i]))) << "element " << i;
}

double GeluErf(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }
double GeluTanh(double x) {
  return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
}

TEST(RefLinear, MatchesMatMulPlusBiasAndActivationOnOddShapes) {
  std::mt19937 rng(7);
  for (int64_t m : {1, 7, 13, 257})
    for (int64_t k : {1, 13, 130})
      for (int64_t n : {1, 7, 129}) {
        T32 x({1, m, k}, &rng), w({k, n}, &rng), b({n}, &rng), y({1, m, n}), mm({1, m, n});
        MatMul(x.view, w.view, mm.view);
        for (Activation act : {Activation::kNone, Activation::kRelu, Activation::kGelu,
                               Activation::kGeluTanh, Activation::kRelu6}) {
          Linear(x.view, w.view, &b.view, act, y.view, nullptr);
          std::vector<float> want(mm.v.size());
          for (size_t i = 0; i < want.size(); ++i) {
            const double v = double(mm.v[i]) + b.v[i % n];
            want[i] = act == Activation::kNone    ? v
                      : act == Activation::kRelu  ? std::max(v, 0.0)
                      : act == Activation::kRelu6 ? std::min(std::max(v, 0.0), 6.0)
                      : act == Activation::kGelu  ? GeluErf(v)
                                                  : GeluTanh(v);
          }
          ExpectClose(y.v, want, 1e-5);
        }
      }
}

TEST(RefLinear, ResidualIsAddedAfterTheActivation) {
  std::mt19937 rng(17);
  T32 x({1, 7, 13}, &rng), w({13, 9}, &rng), b({9}, &rng), r({1, 7, 9}, &rng), y({1, 7, 9}),
      plain({1, 7, 9});
  Linear(x.view, w.view, &b.view, Activation::kRelu, plain.view, nullptr);
  Linear(x.view, w.view, &b.view, Activation::kRelu, y.view, nullptr, &r.view);
  for (size_t i = 0; i < y.v.size(); ++i) EXPECT_FLOAT_EQ(y.v[i], plain.v[i] + r.v[i]);
}

// softmax(scale q k^T + mask) v per head, through Transpose/MatMul/Softmax reference kernels.
std::vector<float> UnfusedAttention(const T32& q, const T32& k, const T32& v, const T32* mask,
                                    int64_t heads, float scale) {
  const int64_t b = q.view.shape.dims[0], sq = q.view.shape.dims[1], sk = k.view.shape.dims[1];
  const int64_t dk = q.view.shape.dims[2] / heads, dv = v.view.shape.dims[2] / heads;
  std::vector<float> out(b * sq * heads * dv);
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t h = 0; h < heads; ++h) {
      T32 qh({sq, dk}), kt({dk, sk}), vh({sk, dv}), s({sq, sk}), p({sq, sk}), o({sq, dv});
      for (int64_t i = 0; i < sq; ++i)
        for (int64_t d = 0; d < dk; ++d)
          qh.v[i * dk + d] = q.v[(bi * sq + i) * heads * dk + h * dk + d];
      for (int64_t j = 0; j < sk; ++j) {
        for (int64_t d = 0; d < dk; ++d)
          kt.v[d * sk + j] = k.v[(bi * sk + j) * heads * dk + h * dk + d];
        for (int64_t d = 0; d < dv; ++d)
          vh.v[j * dv + d] = v.v[(bi * sk + j) * heads * dv + h * dv + d];
      }
      MatMul(qh.view, kt.view, s.view);
      for (int64_t i = 0; i < sq; ++i)
        for (int64_t j = 0; j < sk; ++j)
          s.v[i * sk + j] = s.v[i * sk + j] * scale + (mask ? mask->v[bi * sk + j] : 0.0f);
      Softmax(s.view, 1, p.view);
      MatMul(p.view, vh.view, o.view);
      for (int64_t i = 0; i < sq; ++i)
        for (int64_t d = 0; d < dv; ++d)
          out[(bi * sq + i) * heads * dv + h * dv + d] = o.v[i * dv + d];
    }
  return out;
}

TEST(RefAttention, MatchesUnfusedSoftmaxAttentionWithAndWithoutMask) {
  std::mt19937 rng(11);
  for (int64_t b : {1, 2})
    for (int64_t sq : {1, 7, 13})
      for (int64_t sk : {1, 13, 97})
        for (int64_t heads : {1, 4}) {
          const int64_t dk = 8, dv = 5;
          T32 q({b, sq, heads * dk}, &rng, -2, 2), k({b, sk, heads * dk}, &rng, -2, 2),
              v({b, sk, heads * dv}, &rng), y({b, sq, heads * dv});
          T32 mask({b, 1, 1, sk});
          for (int64_t i = 0; i < b * sk; ++i) mask.v[i] = (i % 3 == 2) ? -1e9f : 0.0f;
          AttentionConfig c;
          c.num_heads = heads;
          c.scale = 0.35f;
          Attention(q.view, k.view, v.view, nullptr, c, y.view, nullptr);
          ExpectClose(y.v, UnfusedAttention(q, k, v, nullptr, heads, c.scale), 1e-5);
          c.mask = MaskMode::kAdditive;
          Attention(q.view, k.view, v.view, &mask.view, c, y.view, nullptr);
          ExpectClose(y.v, UnfusedAttention(q, k, v, &mask, heads, c.scale), 1e-5);
          // The same mask as booleans: keep where false (masked_fill semantics).
          std::vector<uint8_t> drop(b * sk);
          for (int64_t i = 0; i < b * sk; ++i) drop[i] = mask.v[i] != 0;
          TensorView bm = mask.view;
          bm.dtype = DType::kBool;
          bm.data = drop.data();
          c.mask = MaskMode::kKeepFalse;
          c.mask_fill = -1e9f;
          Attention(q.view, k.view, v.view, &bm, c, y.view, nullptr);
          ExpectClose(y.v, UnfusedAttention(q, k, v, &mask, heads, c.scale), 1e-5);
        }
}

TEST(RefAttention, EveryKeyMaskedGivesNanLikeSoftmax) {
  T32 q({1, 1, 2}), k({1, 3, 2}), v({1, 3, 2}), y({1, 1, 2}), mask({1, 1, 1, 3});
  for (float& m : mask.v) m = -INFINITY;
  AttentionConfig c;
  c.mask = MaskMode::kAdditive;
  Attention(q.view, k.view, v.view, &mask.view, c, y.view, nullptr);
  EXPECT_TRUE(std::isnan(y.v[0]));
}

TEST(RefGeluRmsNorm, ClosedForms) {
  T32 x({257}), y({257});
  for (int i = 0; i < 257; ++i) x.v[i] = -8.0f + i * 0.0625f;
  Gelu(x.view, false, y.view);
  for (int i = 0; i < 257; ++i) EXPECT_NEAR(y.v[i], GeluErf(x.v[i]), 1e-6);
  Gelu(x.view, true, y.view);
  for (int i = 0; i < 257; ++i) EXPECT_NEAR(y.v[i], GeluTanh(x.v[i]), 1e-6);
  T32 r({2, 3}), s({3}), o({2, 3});
  r.v = {3, 4, 0, 1, 1, 1};
  r.view.data = r.v.data();
  s.v = {1, 2, 3};
  s.view.data = s.v.data();
  RmsNorm(r.view, s.view, 1, 0.0f, o.view);
  const double rms0 = std::sqrt(25.0 / 3);
  EXPECT_NEAR(o.v[0], 3 / rms0, 1e-6);
  EXPECT_NEAR(o.v[1], 2 * 4 / rms0, 1e-6);
  EXPECT_NEAR(o.v[5], 3.0, 1e-6);
}

TEST(RefFusedElementwise, ProgramMatchesTheOpsItReplaces) {
  std::mt19937 rng(3);
  // y = relu((a - b) * c + 0.5), with b broadcast along rows and c a scalar.
  for (int64_t rows : {1, 7, 13})
    for (int64_t cols : {1, 63, 64, 65, 257}) {
      T32 a({rows, cols}, &rng), b({cols}, &rng), c({1}, &rng), y({rows, cols});
      const uint8_t code[] = {0, 0,
                              0, 1,
                              2, uint8_t(BinaryOp::kSub),
                              0, 2,
                              2, uint8_t(BinaryOp::kMul),
                              1, 0,
                              2, uint8_t(BinaryOp::kAdd),
                              3, uint8_t(UnaryOp::kRelu)};
      const float constants[] = {0.5f};
      const TensorView* in[] = {&a.view, &b.view, &c.view};
      int64_t at = -1;
      ASSERT_EQ(CheckElementwiseProgram(code, sizeof(code), 3, 1, &at), nullptr);
      FusedElementwise(code, sizeof(code), constants, in, 3, y.view, nullptr);
      T32 t1({rows, cols}), t2({rows, cols}), t3({rows, cols}), want({rows, cols});
      T32 half({1});
      half.v[0] = 0.5f;
      Binary(BinaryOp::kSub, a.view, b.view, t1.view);
      Binary(BinaryOp::kMul, t1.view, c.view, t2.view);
      Binary(BinaryOp::kAdd, t2.view, half.view, t3.view);
      Unary(UnaryOp::kRelu, 0, 0, t3.view, want.view);
      ExpectClose(y.v, want.v, 1e-6);
    }
}

TEST(RefFusedElementwise, CheckerRejectsMalformedPrograms) {
  int64_t at = -1;
  const uint8_t underflow[] = {0, 0, 2, 0};
  EXPECT_STREQ(CheckElementwiseProgram(underflow, 4, 1, 0, &at), "pops an empty evaluation stack");
  EXPECT_EQ(at, 1);
  const uint8_t bad_input[] = {0, 3};
  EXPECT_NE(CheckElementwiseProgram(bad_input, 2, 3, 0, &at), nullptr);
  const uint8_t two_left[] = {0, 0, 0, 0};
  EXPECT_NE(CheckElementwiseProgram(two_left, 4, 1, 0, &at), nullptr);
  const uint8_t not_arith[] = {0, 0, 0, 0, 2, uint8_t(BinaryOp::kEqual)};
  EXPECT_NE(CheckElementwiseProgram(not_arith, 6, 1, 0, &at), nullptr);
  const uint8_t clip[] = {0, 0, 3, uint8_t(UnaryOp::kClip)};
  EXPECT_NE(CheckElementwiseProgram(clip, 4, 1, 0, &at), nullptr);
  const uint8_t unknown[] = {9, 0};
  EXPECT_NE(CheckElementwiseProgram(unknown, 2, 1, 0, &at), nullptr);
  std::vector<uint8_t> deep;
  for (int i = 0; i < kMaxElementwiseStack + 1; ++i) deep.insert(deep.end(), {0, 0});
  EXPECT_STREQ(CheckElementwiseProgram(deep.data(), deep.size(), 1, 0, &at),
               "overflows the evaluation stack");
  EXPECT_NE(CheckElementwiseProgram(nullptr, 0, 1, 0, &at), nullptr);
}

TEST(RefParallel, ThreadedLinearAndAttentionEqualSingleThreaded) {
  std::unique_ptr<ThreadPool> pool;
  ASSERT_EQ(ThreadPool::Create(3, &pool), AXLE_OK);
  std::mt19937 rng(5);
  T32 x({1, 257, 65}, &rng), w({65, 33}, &rng), y1({1, 257, 33}), y2({1, 257, 33});
  Linear(x.view, w.view, nullptr, Activation::kRelu, y1.view, nullptr);
  Linear(x.view, w.view, nullptr, Activation::kRelu, y2.view, pool->parallel());
  EXPECT_EQ(y1.v, y2.v);
  T32 q({2, 13, 16}, &rng), k({2, 31, 16}, &rng), v({2, 31, 8}, &rng), a1({2, 13, 8}),
      a2({2, 13, 8});
  AttentionConfig c;
  c.num_heads = 2;
  Attention(q.view, k.view, v.view, nullptr, c, a1.view, nullptr);
  Attention(q.view, k.view, v.view, nullptr, c, a2.view, pool->parallel());
  EXPECT_EQ(a1.v, a2.v);
  T32 e({300, 7}, &rng), f({300, 7}), g({300, 7});
  const uint8_t code[] = {0, 0, 4, 0};
  const TensorView* in[] = {&e.view};
  FusedElementwise(code, 4, nullptr, in, 1, f.view, nullptr);
  FusedElementwise(code, 4, nullptr, in, 1, g.view, pool->parallel());
  EXPECT_EQ(f.v, g.v);
}

// The f32 max/min pooling over a middle axis, split across 3 threads by outer positions (and by
// column blocks when there is one outer position), against a plain loop written here: odd
// shapes above the 64 Ki-element threshold, NaN (propagates), +-inf, -0 and a lone column.
TEST(RefParallel, ThreadedMaxMinPoolMatchesPlainLoop) {
  std::unique_ptr<ThreadPool> pool;
  ASSERT_EQ(ThreadPool::Create(3, &pool), AXLE_OK);
  std::mt19937 rng(9);
  const std::vector<std::vector<int64_t>> shapes = {
      {13, 20, 257}, {1, 257, 300}, {7, 13, 1031}, {1, 65537, 1}, {5, 1, 13}};
  for (const auto& shape : shapes)
    for (ReduceOp op : {ReduceOp::kMax, ReduceOp::kMin}) {
      T32 x(shape, &rng);
      const int64_t outer = shape[0], red = shape[1], inner = shape[2];
      x.v[0] = NAN;
      x.v[x.v.size() / 2] = INFINITY;
      x.v[x.v.size() - 1] = -INFINITY;
      x.v[x.v.size() / 3] = -0.0f;
      T32 want({outer, inner}), got({outer, inner});
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
          float acc = x.v[o * red * inner + i];
          for (int64_t r = 1; r < red; ++r) {
            const float v = x.v[(o * red + r) * inner + i];
            if (std::isnan(v) || (op == ReduceOp::kMax ? v > acc : v < acc)) acc = v;
          }
          want.v[o * inner + i] = acc;
        }
      Reduce(op, x.view, 0b010, got.view, pool->parallel());
      for (size_t i = 0; i < want.v.size(); ++i) {
        if (std::isnan(want.v[i])) {
          ASSERT_TRUE(std::isnan(got.v[i])) << "at " << i;
        } else {
          ASSERT_EQ(got.v[i], want.v[i]) << "shape " << outer << "x" << red << "x" << inner
                                         << " at " << i;
        }
      }
    }
}

}  // namespace
}  // namespace axle::ref
