// Reference kernels against closed-form values and values computed by hand (or independently,
// e.g. erf from its Taylor series), never against the kernels' own output.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/ref/ref_kernels.h"
#include "tests/kernels/test_buffer.h"

namespace axle::ref {
namespace {

std::vector<float> Iota(int n, float start = 0, float step = 1) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) v[i] = start + step * i;
  return v;
}

TEST(RefBinary, BroadcastsAddAcrossRows) {
  F a(DType::kF32, {2, 3}, {1, 2, 3, 4, 5, 6});
  F b(DType::kF32, {3}, {10, 20, 30});
  F c(DType::kF32, {2, 3});
  EXPECT_TRUE(Binary(BinaryOp::kAdd, a.view, b.view, c.view).ok());
  EXPECT_EQ(c.v, (std::vector<float>{11, 22, 33, 14, 25, 36}));
}

TEST(RefBinary, BroadcastsBothSides) {
  F a(DType::kF32, {2, 1}, {1, 2});
  F b(DType::kF32, {1, 3}, {10, 20, 30});
  F c(DType::kF32, {2, 3});
  Binary(BinaryOp::kMul, a.view, b.view, c.view);
  EXPECT_EQ(c.v, (std::vector<float>{10, 20, 30, 20, 40, 60}));
  Binary(BinaryOp::kSub, a.view, b.view, c.view);
  EXPECT_EQ(c.v, (std::vector<float>{-9, -19, -29, -8, -18, -28}));
  Binary(BinaryOp::kDiv, b.view, a.view, c.view);
  EXPECT_EQ(c.v, (std::vector<float>{10, 20, 30, 5, 10, 15}));
}

TEST(RefBinary, PowMinMaxComparisons) {
  F a(DType::kF32, {4}, {2, 3, -1, 0.5f});
  F b(DType::kF32, {4}, {3, 0.5f, 2, -1});
  F c(DType::kF32, {4});
  Binary(BinaryOp::kPow, a.view, b.view, c.view);
  EXPECT_FLOAT_EQ(c.v[0], 8.0f);
  EXPECT_FLOAT_EQ(c.v[1], std::sqrt(3.0f));
  EXPECT_FLOAT_EQ(c.v[2], 1.0f);
  EXPECT_FLOAT_EQ(c.v[3], 2.0f);
  Binary(BinaryOp::kMin, a.view, b.view, c.view);
  EXPECT_EQ(c.v, (std::vector<float>{2, 0.5f, -1, -1}));
  Binary(BinaryOp::kMax, a.view, b.view, c.view);
  EXPECT_EQ(c.v, (std::vector<float>{3, 3, 2, 0.5f}));
  Buf<uint8_t> r(DType::kBool, {4});
  Binary(BinaryOp::kLess, a.view, b.view, r.view);
  EXPECT_EQ(r.v, (std::vector<uint8_t>{1, 0, 1, 0}));
  Binary(BinaryOp::kGreaterOrEqual, a.view, b.view, r.view);
  EXPECT_EQ(r.v, (std::vector<uint8_t>{0, 1, 0, 1}));
}

// IEEE half and bfloat16 bit patterns written out by hand: 1.5 = 0x3E00, 2.25 = 0x4080,
// 3.75 = 0x4380, -2 = 0xC000, -0.5 = 0xB800, NaN = 0x7E00 (f16); 1.5 = 0x3FC0, 2.25 = 0x4010
// (bf16).
TEST(RefBinary, HalfPrecisionArithmeticMinMaxAndComparisons) {
  using H = Buf<uint16_t>;
  H a(DType::kF16, {3}, {0x3E00, 0xC000, 0x7E00});
  H b(DType::kF16, {3}, {0x4080, 0x3E00, 0x3E00});
  H c(DType::kF16, {3});
  ASSERT_TRUE(BinarySupports(BinaryOp::kMax, DType::kF16));
  EXPECT_TRUE(Binary(BinaryOp::kAdd, a.view, b.view, c.view).ok());
  EXPECT_EQ(c.v[0], 0x4380);  // 1.5 + 2.25 = 3.75
  EXPECT_EQ(c.v[1], 0xB800);  // -2 + 1.5 = -0.5
  Binary(BinaryOp::kMin, a.view, b.view, c.view);
  EXPECT_EQ(c.v[0], 0x3E00);
  EXPECT_EQ(c.v[1], 0xC000);
  EXPECT_EQ(c.v[2] & 0x7C00, 0x7C00);  // NaN propagates
  EXPECT_NE(c.v[2] & 0x03FF, 0);
  Binary(BinaryOp::kMax, a.view, b.view, c.view);
  EXPECT_EQ(c.v[0], 0x4080);
  EXPECT_EQ(c.v[1], 0x3E00);
  Buf<uint8_t> less(DType::kBool, {3});
  Binary(BinaryOp::kLess, a.view, b.view, less.view);
  EXPECT_EQ(less.v, (std::vector<uint8_t>{1, 1, 0}));  // NaN compares false

  H x(DType::kBF16, {2}, {0x3FC0, 0x4010});
  H y(DType::kBF16, {2});
  Binary(BinaryOp::kMul, x.view, x.view, y.view);
  EXPECT_EQ(y.v[0], 0x4010);  // 1.5 * 1.5 = 2.25
  Unary(UnaryOp::kNeg, 0, 0, x.view, y.view);
  EXPECT_EQ(y.v[1], 0xC010);
  EXPECT_FALSE(BinarySupports(BinaryOp::kAnd, DType::kF16));
}

// ONNX Mod: fmod=0 takes the divisor's sign (Python %), fmod=1 the dividend's (C fmod).
TEST(RefBinary, ModAndFmodSigns) {
  Buf<int32_t> a(DType::kI32, {4}, {7, -7, 7, -7}), b(DType::kI32, {4}, {3, 3, -3, -3}),
      c(DType::kI32, {4});
  EXPECT_TRUE(Binary(BinaryOp::kMod, a.view, b.view, c.view).ok());
  EXPECT_EQ(c.v, (std::vector<int32_t>{1, 2, -2, -1}));
  EXPECT_TRUE(Binary(BinaryOp::kFmod, a.view, b.view, c.view).ok());
  EXPECT_EQ(c.v, (std::vector<int32_t>{1, -1, 1, -1}));
  Buf<int32_t> zero(DType::kI32, {4}, {1, 0, 1, 1});
  EXPECT_FALSE(Binary(BinaryOp::kMod, a.view, zero.view, c.view).ok());
  F x(DType::kF32, {2}, {5.5f, -5.5f}), y(DType::kF32, {2}, {2.0f, 2.0f}), z(DType::kF32, {2});
  Binary(BinaryOp::kFmod, x.view, y.view, z.view);
  EXPECT_EQ(z.v, (std::vector<float>{1.5f, -1.5f}));
}

TEST(RefBinary, IntegerDivisionTruncatesAndReportsZeroDivisor) {
  Buf<int32_t> a(DType::kI32, {4}, {7, -7, std::numeric_limits<int32_t>::min(), 5});
  Buf<int32_t> b(DType::kI32, {4}, {2, 2, -1, 0});
  Buf<int32_t> c(DType::kI32, {4});
  const KernelResult r = Binary(BinaryOp::kDiv, a.view, b.view, c.view);
  EXPECT_EQ(c.v[0], 3);
  EXPECT_EQ(c.v[1], -3);
  EXPECT_EQ(c.v[2], std::numeric_limits<int32_t>::min());  // wraps instead of trapping
  EXPECT_EQ(r.error, KernelError::kDivisionByZero);
  EXPECT_EQ(r.element, 3);
  EXPECT_EQ(r.operand, 1);
}

TEST(RefBinary, IntegerArithmeticWraps) {
  Buf<int8_t> a(DType::kI8, {3}, {127, -128, 100});
  Buf<int8_t> b(DType::kI8, {3}, {1, -1, 2});
  Buf<int8_t> c(DType::kI8, {3});
  Binary(BinaryOp::kAdd, a.view, b.view, c.view);
  EXPECT_EQ(c.v, (std::vector<int8_t>{-128, 127, 102}));
  Binary(BinaryOp::kMul, a.view, b.view, c.view);
  EXPECT_EQ(c.v, (std::vector<int8_t>{127, -128, -56}));
  Buf<int64_t> p(DType::kI64, {3}, {3, -2, 2});
  Buf<int64_t> e(DType::kI64, {3}, {4, 3, -1});
  Buf<int64_t> o(DType::kI64, {3});
  Binary(BinaryOp::kPow, p.view, e.view, o.view);
  EXPECT_EQ(o.v, (std::vector<int64_t>{81, -8, 0}));
}

TEST(RefBinary, LogicalOps) {
  Buf<uint8_t> a(DType::kBool, {4}, {0, 0, 1, 1});
  Buf<uint8_t> b(DType::kBool, {4}, {0, 1, 0, 1});
  Buf<uint8_t> c(DType::kBool, {4});
  Binary(BinaryOp::kAnd, a.view, b.view, c.view);
  EXPECT_EQ(c.v, (std::vector<uint8_t>{0, 0, 0, 1}));
  Binary(BinaryOp::kOr, a.view, b.view, c.view);
  EXPECT_EQ(c.v, (std::vector<uint8_t>{0, 1, 1, 1}));
  Binary(BinaryOp::kXor, a.view, b.view, c.view);
  EXPECT_EQ(c.v, (std::vector<uint8_t>{0, 1, 1, 0}));
}

TEST(RefBinary, ShapeRules) {
  Shape a, b, out;
  a.rank = 3;
  a.dims[0] = 2, a.dims[1] = 1, a.dims[2] = 4;
  b.rank = 2;
  b.dims[0] = 3, b.dims[1] = 1;
  ASSERT_TRUE(BroadcastShapes(a, b, &out));
  EXPECT_EQ(out.rank, 3);
  EXPECT_EQ(out.dims[0], 2);
  EXPECT_EQ(out.dims[1], 3);
  EXPECT_EQ(out.dims[2], 4);
  b.dims[1] = 5;
  EXPECT_FALSE(BroadcastShapes(a, b, &out));
  EXPECT_FALSE(BroadcastsTo(out, a));
}

// Taylor series of erf, summed in long double: an oracle independent of std::erf.
double ErfSeries(double x) {
  long double sum = 0, term = x;
  for (int n = 0; n < 200; ++n) {
    sum += term / (2 * n + 1);
    term *= -static_cast<long double>(x) * x / (n + 1);
  }
  return static_cast<double>(sum * 2 / std::sqrt(static_cast<long double>(M_PI)));
}

TEST(RefUnary, ClosedForms) {
  const std::vector<float> xs = {-3, -1, -0.5f, 0, 0.5f, 1, 2.5f};
  F x(DType::kF32, {7}, xs);
  F y(DType::kF32, {7});
  Unary(UnaryOp::kErf, 0, 0, x.view, y.view);
  for (size_t i = 0; i < xs.size(); ++i) EXPECT_NEAR(y.v[i], ErfSeries(xs[i]), 1e-6) << xs[i];
  Unary(UnaryOp::kSigmoid, 0, 0, x.view, y.view);
  EXPECT_FLOAT_EQ(y.v[3], 0.5f);
  EXPECT_NEAR(y.v[5], 1.0 / (1.0 + std::exp(-1.0)), 1e-7);
  EXPECT_NEAR(y.v[1] + y.v[5], 1.0, 1e-7);  // sigmoid(-x) + sigmoid(x) = 1
  Unary(UnaryOp::kTanh, 0, 0, x.view, y.view);
  EXPECT_NEAR(y.v[5], (std::exp(2.0) - 1) / (std::exp(2.0) + 1), 1e-7);
  Unary(UnaryOp::kRelu, 0, 0, x.view, y.view);
  EXPECT_EQ(y.v, (std::vector<float>{0, 0, 0, 0, 0.5f, 1, 2.5f}));
  Unary(UnaryOp::kClip, -1, 1, x.view, y.view);
  EXPECT_EQ(y.v, (std::vector<float>{-1, -1, -0.5f, 0, 0.5f, 1, 1}));
  Unary(UnaryOp::kLeakyRelu, 0.1f, 0, x.view, y.view);
  EXPECT_FLOAT_EQ(y.v[0], -0.3f);
  Unary(UnaryOp::kNeg, 0, 0, x.view, y.view);
  EXPECT_EQ(y.v[0], 3.0f);
  F sq(DType::kF32, {3}, {4, 2.25f, 0});
  F out(DType::kF32, {3});
  Unary(UnaryOp::kSqrt, 0, 0, sq.view, out.view);
  EXPECT_EQ(out.v, (std::vector<float>{2, 1.5f, 0}));
  Unary(UnaryOp::kReciprocal, 0, 0, sq.view, out.view);
  EXPECT_EQ(out.v[0], 0.25f);
  EXPECT_TRUE(std::isinf(out.v[2]));
  Unary(UnaryOp::kExp, 0, 0, sq.view, out.view);
  EXPECT_NEAR(out.v[2], 1.0, 0);
  EXPECT_NEAR(out.v[0], 54.598150033144236, 1e-4);
}

TEST(RefUnary, NanAndInfinityPropagate) {
  const float inf = std::numeric_limits<float>::infinity();
  F x(DType::kF32, {3}, {NAN, inf, -inf});
  F y(DType::kF32, {3});
  Unary(UnaryOp::kSigmoid, 0, 0, x.view, y.view);
  EXPECT_TRUE(std::isnan(y.v[0]));
  EXPECT_EQ(y.v[1], 1.0f);
  EXPECT_EQ(y.v[2], 0.0f);
  Unary(UnaryOp::kTanh, 0, 0, x.view, y.view);
  EXPECT_EQ(y.v[1], 1.0f);
  EXPECT_EQ(y.v[2], -1.0f);
}

TEST(RefMatMul, MatchesHandComputedProduct) {
  F a(DType::kF32, {2, 3}, {1, 2, 3, 4, 5, 6});
  F b(DType::kF32, {3, 2}, {7, 8, 9, 10, 11, 12});
  F c(DType::kF32, {2, 2});
  MatMul(a.view, b.view, c.view);
  EXPECT_EQ(c.v, (std::vector<float>{58, 64, 139, 154}));
}

TEST(RefMatMul, BatchBroadcastAndVectors) {
  // a: [2,1,2,2] batches of [[1,0],[0,1]] * (batch+1); b: [3,2,2] all [[1,2],[3,4]] * k.
  F a(DType::kF32, {2, 1, 2, 2}, {1, 0, 0, 1, 2, 0, 0, 2});
  F b(DType::kF32, {3, 2, 2}, {1, 2, 3, 4, 2, 4, 6, 8, 3, 6, 9, 12});
  F c(DType::kF32, {2, 3, 2, 2});
  MatMul(a.view, b.view, c.view);
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 3; ++k)
      for (int e = 0; e < 4; ++e)
        EXPECT_EQ(c.v[(i * 3 + k) * 4 + e], (i + 1) * (k + 1) * (e + 1)) << i << k << e;
  F v(DType::kF32, {3}, {1, 1, 1});
  F m(DType::kF32, {3, 2}, {1, 2, 3, 4, 5, 6});
  F r(DType::kF32, {2});
  MatMul(v.view, m.view, r.view);  // [3] @ [3,2] -> [2]
  EXPECT_EQ(r.v, (std::vector<float>{9, 12}));
  F mv(DType::kF32, {2, 3}, {1, 2, 3, 4, 5, 6});
  MatMul(mv.view, v.view, r.view);  // [2,3] @ [3] -> [2]
  EXPECT_EQ(r.v, (std::vector<float>{6, 15}));
}

TEST(RefGemm, TransposesAlphaBetaAndBias) {
  F at(DType::kF32, {3, 2}, {1, 4, 2, 5, 3, 6});     // A^T of [[1,2,3],[4,5,6]]
  F bt(DType::kF32, {2, 3}, {7, 9, 11, 8, 10, 12});  // B^T of [[7,8],[9,10],[11,12]]
  F c(DType::kF32, {2}, {1, -1});
  F y(DType::kF32, {2, 2});
  Gemm(at.view, bt.view, &c.view, 0.5f, 2.0f, true, true, y.view);
  EXPECT_EQ(y.v, (std::vector<float>{29 + 2, 32 - 2, 69.5f + 2, 77 - 2}));
}

TEST(RefSoftmax, RowsSumToOneAndMatchClosedForm) {
  F x(DType::kF32, {2, 3}, {1, 2, 3, 1000, 1000, 1000});
  F y(DType::kF32, {2, 3});
  Softmax(x.view, 1, y.view);
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(y.v[0], std::exp(1.0) / z, 1e-7);
  EXPECT_NEAR(y.v[2], std::exp(3.0) / z, 1e-7);
  for (int i = 3; i < 6; ++i) EXPECT_NEAR(y.v[i], 1.0 / 3.0, 1e-7);  // no overflow
  Softmax(x.view, 0, y.view);                                        // column-wise
  EXPECT_NEAR(y.v[0], 0.0, 1e-30);
  EXPECT_NEAR(y.v[3], 1.0, 1e-7);
}

TEST(RefLayerNorm, NormalizesLastAxis) {
  F x(DType::kF32, {2, 4}, {1, 2, 3, 4, -2, -2, -2, -2});
  F s(DType::kF32, {4}, {1, 2, 1, 1});
  F b(DType::kF32, {4}, {0, 0, 0, 10});
  F y(DType::kF32, {2, 4});
  F mean(DType::kF32, {2, 1});
  F rstd(DType::kF32, {2, 1});
  LayerNorm(x.view, s.view, &b.view, 1, 0.0f, y.view, &mean.view, &rstd.view);
  const double sd = std::sqrt(1.25);  // population variance of 1..4
  EXPECT_NEAR(y.v[0], -1.5 / sd, 1e-6);
  EXPECT_NEAR(y.v[1], 2 * -0.5 / sd, 1e-6);
  EXPECT_NEAR(y.v[3], 1.5 / sd + 10, 1e-6);
  EXPECT_NEAR(mean.v[0], 2.5, 1e-7);
  EXPECT_NEAR(rstd.v[0], 1 / sd, 1e-6);
  F eps_only(DType::kF32, {1, 4}, {3, 3, 3, 3});
  F y1(DType::kF32, {1, 4});
  LayerNorm(eps_only.view, s.view, nullptr, 1, 1e-5f, y1.view, nullptr, nullptr);
  for (float v : y1.v) EXPECT_EQ(v, 0.0f);  // constant row: (x - mean) = 0, no NaN
}

TEST(RefReduce, SumMeanMaxMinProdOverAxes) {
  F x(DType::kF32, {2, 3, 2}, Iota(12, 1));  // 1..12
  F y(DType::kF32, {2, 1, 2});
  Reduce(ReduceOp::kSum, x.view, 0b010, y.view);
  EXPECT_EQ(y.v, (std::vector<float>{9, 12, 27, 30}));
  Reduce(ReduceOp::kMean, x.view, 0b010, y.view);
  EXPECT_EQ(y.v, (std::vector<float>{3, 4, 9, 10}));
  F z(DType::kF32, {3});
  Reduce(ReduceOp::kMax, x.view, 0b101, z.view);
  EXPECT_EQ(z.v, (std::vector<float>{8, 10, 12}));
  Reduce(ReduceOp::kMin, x.view, 0b101, z.view);
  EXPECT_EQ(z.v, (std::vector<float>{1, 3, 5}));
  F all(DType::kF32, {1});
  F small(DType::kF32, {4}, {1, 2, 3, 4});
  Reduce(ReduceOp::kProd, small.view, 0b1, all.view);
  EXPECT_EQ(all.v[0], 24.0f);
  Buf<int64_t> xi(DType::kI64, {2, 2}, {1, 2, 3, 4});
  Buf<int64_t> yi(DType::kI64, {2});
  Reduce(ReduceOp::kSum, xi.view, 0b01, yi.view);
  EXPECT_EQ(yi.v, (std::vector<int64_t>{4, 6}));
}

TEST(RefDataMovement, TransposeConcatSliceGather) {
  F x(DType::kF32, {2, 3}, {1, 2, 3, 4, 5, 6});
  F t(DType::kF32, {3, 2});
  const int64_t perm[2] = {1, 0};
  Transpose(x.view, perm, t.view);
  EXPECT_EQ(t.v, (std::vector<float>{1, 4, 2, 5, 3, 6}));

  F c(DType::kF32, {2, 6});
  const TensorView* ins[2] = {&x.view, &x.view};
  Concat(ins, 2, 1, c.view);
  EXPECT_EQ(c.v, (std::vector<float>{1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}));

  F s(DType::kF32, {2, 2});
  const int64_t starts[2] = {1, 2}, steps[2] = {-1, -2};
  Slice(x.view, starts, steps, s.view);
  EXPECT_EQ(s.v, (std::vector<float>{6, 4, 3, 1}));

  Buf<int64_t> idx(DType::kI64, {2, 2}, {2, -3, 0, -1});
  F g(DType::kF32, {2, 2, 2});
  ASSERT_TRUE(Gather(x.view, idx.view, 1, g.view).ok());
  EXPECT_EQ(g.v, (std::vector<float>{3, 1, 1, 3, 6, 4, 4, 6}));
  Buf<int32_t> bad(DType::kI32, {2}, {1, 3});
  F g2(DType::kF32, {2, 2});
  const KernelResult r = Gather(x.view, bad.view, 1, g2.view);
  EXPECT_EQ(r.error, KernelError::kIndexOutOfRange);
  EXPECT_EQ(r.element, 1);
  EXPECT_EQ(r.value, 3);
}

TEST(RefDataMovement, WhereExpandCopy) {
  Buf<uint8_t> cond(DType::kBool, {2, 1}, {1, 0});
  F a(DType::kF32, {3}, {1, 2, 3});
  F b(DType::kF32, {1}, {-1});
  F out(DType::kF32, {2, 3});
  Where(cond.view, a.view, b.view, out.view);
  EXPECT_EQ(out.v, (std::vector<float>{1, 2, 3, -1, -1, -1}));
  F e(DType::kF32, {2, 3});
  Expand(a.view, e.view);
  EXPECT_EQ(e.v, (std::vector<float>{1, 2, 3, 1, 2, 3}));
  F r(DType::kF32, {3, 1});
  Copy(a.view, r.view);
  EXPECT_EQ(r.v, a.v);
}

TEST(RefCast, SaturatesFloatToIntAndConvertsHalfExactly) {
  const float inf = std::numeric_limits<float>::infinity();
  F x(DType::kF32, {6}, {1.9f, -1.9f, 300.0f, -300.0f, NAN, inf});
  Buf<int8_t> i8(DType::kI8, {6});
  Cast(x.view, i8.view);
  EXPECT_EQ(i8.v, (std::vector<int8_t>{1, -1, 127, -128, 0, 127}));
  Buf<uint8_t> bl(DType::kBool, {6});
  Cast(x.view, bl.view);
  EXPECT_EQ(bl.v, (std::vector<uint8_t>{1, 1, 1, 1, 1, 1}));
  // Half: exact bit patterns from IEEE 754 binary16.
  F h(DType::kF32, {6}, {1.0f, -2.0f, 65504.0f, 1e6f, 5.9604645e-8f, 0.333333f});
  Buf<uint16_t> f16(DType::kF16, {6});
  Cast(h.view, f16.view);
  EXPECT_EQ(f16.v, (std::vector<uint16_t>{0x3c00, 0xc000, 0x7bff, 0x7c00, 0x0001, 0x3555}));
  F back(DType::kF32, {6});
  Cast(f16.view, back.view);
  EXPECT_EQ(back.v[2], 65504.0f);
  EXPECT_EQ(back.v[4], 5.9604645e-8f);
  Buf<uint16_t> bf(DType::kBF16, {6});
  Cast(h.view, bf.view);
  EXPECT_EQ(bf.v[0], 0x3f80);
  EXPECT_EQ(bf.v[1], 0xc000);
  Buf<int64_t> big(DType::kI64, {2}, {int64_t{1} << 40, -5});
  Buf<int32_t> narrow(DType::kI32, {2});
  Cast(big.view, narrow.view);
  EXPECT_EQ(narrow.v, (std::vector<int32_t>{0, -5}));  // wraps like a C cast
  F fl(DType::kF32, {2});
  Cast(big.view, fl.view);
  EXPECT_EQ(fl.v, (std::vector<float>{1099511627776.0f, -5.0f}));
}

TEST(RefShapes, ZeroSizedTensorsAreNoOps) {
  F x(DType::kF32, {0, 3});
  F y(DType::kF32, {0, 3});
  Unary(UnaryOp::kExp, 0, 0, x.view, y.view);
  Softmax(x.view, 1, y.view);
  const int64_t perm[2] = {1, 0};
  F t(DType::kF32, {3, 0});
  Transpose(x.view, perm, t.view);
  SUCCEED();
}

}  // namespace
}  // namespace axle::ref
