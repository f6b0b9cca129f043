// The window (Conv, ConvTranspose, Pool, Pad, Resample) and indexing (ArgMax, *Elements, *ND,
// TopK, CumSum) reference kernels against independent oracles: a convolution over an
// explicitly padded copy, the adjoint identity <ConvT x, y> = <x, Conv y>, closed forms, the
// ONNX specification's examples, std::stable_sort. Shapes are odd on purpose.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "kernels/ref/ref_kernels.h"
#include "tests/kernels/test_buffer.h"

namespace axle::ref {
namespace {

using I64 = Buf<int64_t>;

std::vector<float> Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

struct Conv2dCase {
  int64_t n, c, h, w, m, kh, kw, group, sh, sw, dh, dw, pt, pl, pb, pr;
};

// y[n][m][i][j] over an explicitly zero-padded copy of x (no bounds checks in the sum).
std::vector<float> ConvOracle(const Conv2dCase& p, const std::vector<float>& x,
                              const std::vector<float>& w, const std::vector<float>& b, int64_t oh,
                              int64_t ow) {
  const int64_t hp = p.h + p.pt + p.pb, wp = p.w + p.pl + p.pr, cg = p.c / p.group;
  std::vector<float> xp(p.n * p.c * hp * wp, 0.0f);
  for (int64_t i = 0; i < p.n * p.c; ++i)
    for (int64_t r = 0; r < p.h; ++r)
      for (int64_t s = 0; s < p.w; ++s)
        xp[(i * hp + r + p.pt) * wp + s + p.pl] = x[(i * p.h + r) * p.w + s];
  std::vector<float> y(p.n * p.m * oh * ow);
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t m = 0; m < p.m; ++m)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double acc = b.empty() ? 0.0 : b[m];
          const int64_t g = m / (p.m / p.group);
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t u = 0; u < p.kh; ++u)
              for (int64_t v = 0; v < p.kw; ++v)
                acc += static_cast<double>(
                           xp[((n * p.c + g * cg + c) * hp + i * p.sh + u * p.dh) * wp + j * p.sw +
                              v * p.dw]) *
                       w[((m * cg + c) * p.kh + u) * p.kw + v];
          y[((n * p.m + m) * oh + i) * ow + j] = static_cast<float>(acc);
        }
  return y;
}

TEST(RefConv, MatchesAPaddedCopyOnOddShapesGroupsStridesDilations) {
  const Conv2dCase cases[] = {
      {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},     // 1x1 everything
      {2, 3, 7, 13, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1},    // same padding
      {1, 6, 13, 7, 9, 3, 1, 3, 2, 1, 1, 1, 0, 2, 1, 0},    // groups, asymmetric pads
      {1, 4, 9, 9, 4, 3, 3, 4, 1, 1, 2, 2, 2, 2, 2, 2},     // depthwise, dilated
      {1, 3, 17, 15, 7, 7, 7, 1, 2, 2, 1, 1, 3, 3, 3, 3},   // a 7x7 stride-2 stem
      {1, 2, 16, 16, 3, 4, 4, 1, 4, 4, 1, 1, 0, 0, 0, 0}};  // a patch embedding
  uint32_t seed = 1;
  for (const Conv2dCase& p : cases) {
    const int64_t oh = (p.h + p.pt + p.pb - (p.kh - 1) * p.dh - 1) / p.sh + 1;
    const int64_t ow = (p.w + p.pl + p.pr - (p.kw - 1) * p.dw - 1) / p.sw + 1;
    F x(DType::kF32, {p.n, p.c, p.h, p.w}, Random(p.n * p.c * p.h * p.w, seed++));
    F w(DType::kF32, {p.m, p.c / p.group, p.kh, p.kw},
        Random(p.m * p.c / p.group * p.kh * p.kw, seed++));
    F b(DType::kF32, {p.m}, Random(p.m, seed++));
    F y(DType::kF32, {p.n, p.m, oh, ow});
    const int64_t kernel[] = {p.kh, p.kw}, strides[] = {p.sh, p.sw}, dil[] = {p.dh, p.dw};
    const int64_t pads[] = {p.pt, p.pl, p.pb, p.pr};
    Window win{2, kernel, strides, pads, dil};
    Conv(x.view, w.view, &b.view, win, p.group, y.view);
    const std::vector<float> want = ConvOracle(p, x.v, w.v, b.v, oh, ow);
    for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(y.v[i], want[i], 1e-4) << "at " << i;
  }
}

TEST(RefConv, OneDimensionalBoxFilterSumsItsWindow) {
  F x(DType::kF32, {1, 1, 5}, {1, 2, 3, 4, 5});
  F w(DType::kF32, {1, 1, 3}, {1, 1, 1});
  F y(DType::kF32, {1, 1, 5});
  const int64_t k[] = {3}, s[] = {1}, d[] = {1}, pads[] = {1, 1};
  Conv(x.view, w.view, nullptr, Window{1, k, s, pads, d}, 1, y.view);
  EXPECT_EQ(y.v, (std::vector<float>{3, 6, 9, 12, 9}));
}

// <ConvTranspose(x), y> == <x, Conv(y)> with the same weight tensor: the transpose is the
// adjoint of the convolution, whatever the strides, dilations, groups and pads.
TEST(RefConvTranspose, IsTheAdjointOfConv) {
  struct Case {
    int64_t c, m, group, h, w, k, s, d, pad;
  } cases[] = {{1, 1, 1, 1, 1, 1, 1, 1, 0},
               {3, 5, 1, 4, 7, 3, 2, 1, 1},
               {4, 6, 2, 5, 3, 3, 3, 2, 2},
               {2, 2, 2, 7, 7, 2, 2, 1, 0}};
  uint32_t seed = 50;
  for (const Case& p : cases) {
    const int64_t oh = (p.h - 1) * p.s + (p.k - 1) * p.d + 1 - 2 * p.pad;
    const int64_t ow = (p.w - 1) * p.s + (p.k - 1) * p.d + 1 - 2 * p.pad;
    F x(DType::kF32, {1, p.c, p.h, p.w}, Random(p.c * p.h * p.w, seed++));
    F w(DType::kF32, {p.c, p.m / p.group, p.k, p.k},
        Random(p.c * p.m / p.group * p.k * p.k, seed++));
    F y(DType::kF32, {1, p.m, oh, ow}, Random(p.m * oh * ow, seed++));
    F tx(DType::kF32, {1, p.m, oh, ow});
    F cy(DType::kF32, {1, p.c, p.h, p.w});
    const int64_t k[] = {p.k, p.k}, s[] = {p.s, p.s}, d[] = {p.d, p.d};
    const int64_t pads[] = {p.pad, p.pad, p.pad, p.pad};
    Window win{2, k, s, pads, d};
    ConvTranspose(x.view, w.view, nullptr, win, p.group, tx.view);
    Conv(y.view, w.view, nullptr, win, p.group, cy.view);
    const double lhs = std::inner_product(tx.v.begin(), tx.v.end(), y.v.begin(), 0.0);
    const double rhs = std::inner_product(x.v.begin(), x.v.end(), cy.v.begin(), 0.0);
    EXPECT_NEAR(lhs, rhs, 1e-4 * (1 + std::fabs(rhs)));
  }
}

TEST(RefPool, MaxAverageAndLpOverPaddedWindows) {
  // 1x1x3x3 = 1..9, 2x2 windows, stride 1, pad 1 at the end of each dimension.
  F x(DType::kF32, {1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const int64_t k[] = {2, 2}, s[] = {1, 1}, d[] = {1, 1}, pads[] = {0, 0, 1, 1};
  Window win{2, k, s, pads, d};
  F y(DType::kF32, {1, 1, 3, 3});
  Pool(x.view, win, PoolMode::kMax, false, 2, y.view);
  EXPECT_EQ(y.v, (std::vector<float>{5, 6, 6, 8, 9, 9, 8, 9, 9}));
  Pool(x.view, win, PoolMode::kAverage, false, 2, y.view);
  EXPECT_EQ(y.v, (std::vector<float>{3, 4, 4.5f, 6, 7, 7.5f, 7.5f, 8.5f, 9}));
  Pool(x.view, win, PoolMode::kAverage, true, 2, y.view);  // pads count: always 4
  EXPECT_EQ(y.v, (std::vector<float>{3, 4, 2.25f, 6, 7, 3.75f, 3.75f, 4.25f, 2.25f}));
  Pool(x.view, win, PoolMode::kLp, false, 2, y.view);
  EXPECT_NEAR(y.v[0], std::sqrt(1.0f + 4 + 16 + 25), 1e-5);
  EXPECT_NEAR(y.v[8], 9.0f, 1e-5);
}

TEST(RefPad, EveryModeOnAOneDimensionalRow) {
  Buf<int32_t> x(DType::kI32, {1, 4}, {1, 2, 3, 4});
  Buf<int32_t> y(DType::kI32, {1, 9});
  const int64_t pads[] = {0, 3, 0, 2};
  Pad(x.view, pads, PadMode::kConstant, 7, y.view);
  EXPECT_EQ(y.v, (std::vector<int32_t>{7, 7, 7, 1, 2, 3, 4, 7, 7}));
  Pad(x.view, pads, PadMode::kEdge, 0, y.view);
  EXPECT_EQ(y.v, (std::vector<int32_t>{1, 1, 1, 1, 2, 3, 4, 4, 4}));
  Pad(x.view, pads, PadMode::kReflect, 0, y.view);
  EXPECT_EQ(y.v, (std::vector<int32_t>{4, 3, 2, 1, 2, 3, 4, 3, 2}));
  Pad(x.view, pads, PadMode::kWrap, 0, y.view);
  EXPECT_EQ(y.v, (std::vector<int32_t>{2, 3, 4, 1, 2, 3, 4, 1, 2}));
}

TEST(RefResample, TapTablesInterpolateAndExtrapolate) {
  // [1, 2] -> 3 positions: x[0], the mean, x[1]; the other axis passes through (index 0).
  F x(DType::kF32, {1, 2}, {2, 6});
  I64 idx(DType::kI64, {4, 2}, {0, 0, 0, 0, 0, 1, 1, 0});
  F w(DType::kF32, {4, 2}, {1, 0, 1, 0, 0.5f, 0.5f, 1, 0});
  F y(DType::kF32, {1, 3});
  ASSERT_TRUE(Resample(x.view, idx.view, w.view, -1, y.view).ok());
  EXPECT_EQ(y.v, (std::vector<float>{2, 4, 6}));
  idx.v[6] = -1;  // the last column falls outside: the extrapolation value
  ASSERT_TRUE(Resample(x.view, idx.view, w.view, -1, y.view).ok());
  EXPECT_EQ(y.v[2], -1);
  idx.v[6] = 2;  // an index past the input is refused before anything is written
  y.v = {0, 0, 0};
  KernelResult r = Resample(x.view, idx.view, w.view, -1, y.view);
  EXPECT_EQ(r.error, KernelError::kIndexOutOfRange);
  EXPECT_EQ(y.v, (std::vector<float>{0, 0, 0}));
}

// A grid at the pixel centres reproduces the image in every mode; positions far outside read
// 0 (zeros), the edge pixel (border) or the reflected pixel (reflection).
TEST(RefGridSample, PixelCentresReproduceTheImageAndPaddingModesReadTheRightPixels) {
  const int64_t h = 3, w = 5;
  F x(DType::kF32, {1, 2, h, w}, Random(2 * h * w, 99));
  for (bool align : {true, false}) {
    F grid(DType::kF32, {1, h, w, 2});
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j) {
        grid.v[(i * w + j) * 2] = align ? -1 + 2.0f * j / (w - 1) : (2.0f * j + 1) / w - 1;
        grid.v[(i * w + j) * 2 + 1] = align ? -1 + 2.0f * i / (h - 1) : (2.0f * i + 1) / h - 1;
      }
    for (SampleMode mode : {SampleMode::kNearest, SampleMode::kLinear, SampleMode::kCubic}) {
      F y(DType::kF32, {1, 2, h, w});
      GridSample(x.view, grid.view, mode, SamplePadding::kBorder, align, y.view);
      for (size_t k = 0; k < y.v.size(); ++k)
        ASSERT_NEAR(y.v[k], x.v[k], 1e-5) << "mode " << int(mode) << " align " << align;
    }
  }
  // One sample far to the right of row 1 (align_corners: y = 0 is row 1 of 3).
  F far(DType::kF32, {1, 1, 1, 2}, {7.0f, 0.0f});
  F y(DType::kF32, {1, 2, 1, 1});
  GridSample(x.view, far.view, SampleMode::kNearest, SamplePadding::kZeros, true, y.view);
  EXPECT_EQ(y.v[0], 0.0f);
  GridSample(x.view, far.view, SampleMode::kNearest, SamplePadding::kBorder, true, y.view);
  EXPECT_EQ(y.v[0], x.v[1 * w + (w - 1)]);
  // x = (7 + 1) / 2 * 4 = 16 reflects over [0, 4]: 12 past 4 is three whole ranges: column 0.
  GridSample(x.view, far.view, SampleMode::kNearest, SamplePadding::kReflection, true, y.view);
  EXPECT_EQ(y.v[0], x.v[1 * w + 0]);
  F nan(DType::kF32, {1, 1, 1, 2}, {std::nanf(""), 0.0f});  // NaN reads as outside
  GridSample(x.view, nan.view, SampleMode::kLinear, SamplePadding::kZeros, true, y.view);
  EXPECT_EQ(y.v[0], 0.0f);
}

TEST(RefIndexing, ArgMaxTiesFirstOrLast) {
  F x(DType::kF32, {2, 3}, {1, 5, 5, 7, 7, -1});
  I64 y(DType::kI64, {2});
  ArgReduce(x.view, 1, false, false, y.view);
  EXPECT_EQ(y.v, (std::vector<int64_t>{1, 0}));
  ArgReduce(x.view, 1, false, true, y.view);
  EXPECT_EQ(y.v, (std::vector<int64_t>{2, 1}));
  ArgReduce(x.view, 1, true, false, y.view);
  EXPECT_EQ(y.v, (std::vector<int64_t>{0, 2}));
}

TEST(RefIndexing, ElementsAndNdFollowTheOnnxExamples) {
  // GatherElements, ONNX example 1: axis 1.
  F data(DType::kF32, {2, 2}, {1, 2, 3, 4});
  I64 gi(DType::kI64, {2, 2}, {0, 0, 1, 0});
  F ge(DType::kF32, {2, 2});
  ASSERT_TRUE(GatherElements(data.view, gi.view, 1, ge.view).ok());
  EXPECT_EQ(ge.v, (std::vector<float>{1, 1, 4, 3}));
  // ScatterElements, ONNX example 2 (axis 1, a negative index), and with add.
  F sd(DType::kF32, {1, 5}, {1, 2, 3, 4, 5});
  I64 si(DType::kI64, {1, 2}, {1, -2});
  F su(DType::kF32, {1, 2}, {1.1f, 2.1f});
  F so(DType::kF32, {1, 5});
  ASSERT_TRUE(ScatterElements(sd.view, si.view, su.view, 1, ScatterReduction::kNone, so.view).ok());
  EXPECT_EQ(so.v, (std::vector<float>{1, 1.1f, 3, 2.1f, 5}));
  ASSERT_TRUE(ScatterElements(sd.view, si.view, su.view, 1, ScatterReduction::kAdd, so.view).ok());
  EXPECT_EQ(so.v, (std::vector<float>{1, 3.1f, 3, 6.1f, 5}));
  // GatherND, ONNX example 5: batch_dims 1.
  Buf<int32_t> nd(DType::kI32, {2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  I64 ni(DType::kI64, {2, 1}, {1, 0});
  Buf<int32_t> no(DType::kI32, {2, 2});
  ASSERT_TRUE(GatherND(nd.view, ni.view, 1, no.view).ok());
  EXPECT_EQ(no.v, (std::vector<int32_t>{2, 3, 4, 5}));
  // ScatterND, ONNX example 1.
  F xd(DType::kF32, {8}, {1, 2, 3, 4, 5, 6, 7, 8});
  I64 xi(DType::kI64, {4, 1}, {4, 3, 1, 7});
  F xu(DType::kF32, {4}, {9, 10, 11, 12});
  F xo(DType::kF32, {8});
  ASSERT_TRUE(ScatterND(xd.view, xi.view, xu.view, ScatterReduction::kNone, xo.view).ok());
  EXPECT_EQ(xo.v, (std::vector<float>{1, 11, 3, 10, 9, 6, 7, 12}));
  // An index out of range is refused before anything is written.
  xi.v[2] = 8;
  xo.v.assign(8, 0);
  KernelResult r = ScatterND(xd.view, xi.view, xu.view, ScatterReduction::kNone, xo.view);
  EXPECT_EQ(r.error, KernelError::kIndexOutOfRange);
  EXPECT_EQ(r.value, 8);
  EXPECT_EQ(xo.v, std::vector<float>(8, 0));
}

TEST(RefIndexing, TopKMatchesAStableSortWithTies) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> u(0, 5);  // many ties
  for (int64_t n : {1, 7, 13, 257})
    for (int64_t k : {int64_t{1}, std::min<int64_t>(7, n), n})
      for (bool largest : {true, false}) {
        std::vector<float> v(n * 3);
        for (float& e : v) e = static_cast<float>(u(rng));
        F x(DType::kF32, {3, n}, v);
        F vals(DType::kF32, {3, k});
        I64 idx(DType::kI64, {3, k});
        TopK(x.view, 1, largest, vals.view, idx.view);
        for (int64_t row = 0; row < 3; ++row) {
          std::vector<int64_t> order(n);
          std::iota(order.begin(), order.end(), 0);
          std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
            return largest ? v[row * n + a] > v[row * n + b] : v[row * n + a] < v[row * n + b];
          });
          for (int64_t j = 0; j < k; ++j) {
            ASSERT_EQ(idx.v[row * k + j], order[j]) << "n " << n << " k " << k << " row " << row;
            ASSERT_EQ(vals.v[row * k + j], v[row * n + order[j]]);
          }
        }
      }
}

TEST(RefIndexing, CumSumInclusiveExclusiveReverse) {
  Buf<int32_t> x(DType::kI32, {2, 3}, {1, 2, 3, 4, 5, 6});
  Buf<int32_t> y(DType::kI32, {2, 3});
  CumSum(x.view, 1, false, false, y.view);
  EXPECT_EQ(y.v, (std::vector<int32_t>{1, 3, 6, 4, 9, 15}));
  CumSum(x.view, 1, true, false, y.view);
  EXPECT_EQ(y.v, (std::vector<int32_t>{0, 1, 3, 0, 4, 9}));
  CumSum(x.view, 1, false, true, y.view);
  EXPECT_EQ(y.v, (std::vector<int32_t>{6, 5, 3, 15, 11, 6}));
  CumSum(x.view, 0, true, true, y.view);
  EXPECT_EQ(y.v, (std::vector<int32_t>{4, 5, 6, 0, 0, 0}));
}

}  // namespace
}  // namespace axle::ref
