// Calibration methods against ranges worked out by hand on known distributions, and the
// quantization arithmetic (kernels/common/quant.h) against closed-form values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "compiler/quant/Calibration.h"
#include "kernels/common/quant.h"

namespace axle::quant {
namespace {

TensorStats Observe(const std::vector<float>& x) {
  TensorStats s;
  s.ObserveRange(x.data(), x.size());
  s.ObserveHistogram(x.data(), x.size());
  return s;
}

TEST(Calibration, MinMaxIsTheObservedRange) {
  const TensorStats s = Observe({-0.5f, 2.0f, 1.0f, 0.25f});
  EXPECT_EQ(s.Range(CalibMethod::kMinMax), std::make_pair(-0.5f, 2.0f));
}

TEST(Calibration, PercentileOfAUniformRampClipsTheTails) {
  // 0, 1, ..., 99999: the 99th percentile is ~99000 and the 1st ~1000, within a bin (~49).
  std::vector<float> x(100000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  const auto [lo, hi] = Observe(x).Range(CalibMethod::kPercentile, 99.0);
  EXPECT_NEAR(lo, 1000.0f, 50.0f);
  EXPECT_NEAR(hi, 99000.0f, 50.0f);
}

TEST(Calibration, PercentileIgnoresASingleOutlier) {
  std::vector<float> x(100000, 0.0f);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (float& v : x) v = u(rng);
  x[123] = 1000.0f;  // one outlier: minmax follows it, the 99.99th percentile does not
  const TensorStats s = Observe(x);
  EXPECT_EQ(s.Range(CalibMethod::kMinMax).second, 1000.0f);
  const auto [lo, hi] = s.Range(CalibMethod::kPercentile, 99.99);
  EXPECT_NEAR(hi, 1.0f, 0.5f);  // the bin holding +1 (bins are ~0.49 wide here)
  EXPECT_NEAR(lo, -1.0f, 0.01f);
}

TEST(Calibration, EntropyAndMseClipAGaussiansTails) {
  // N(0, 1), 200k samples: both KL and MSE pick a clip well inside the extremes (~4.5 sigma)
  // and well outside 1 sigma; for 8 bits the MSE-optimal clip of a Gaussian is ~3-4 sigma.
  std::vector<float> x(200000);
  std::mt19937 rng(2);
  std::normal_distribution<float> n(0.0f, 1.0f);
  for (float& v : x) v = n(rng);
  const TensorStats s = Observe(x);
  const auto [mlo, mhi] = s.Range(CalibMethod::kMinMax);
  const auto [elo, ehi] = s.Range(CalibMethod::kEntropy);
  const auto [qlo, qhi] = s.Range(CalibMethod::kMse);
  EXPECT_LT(ehi, mhi);
  EXPECT_GT(ehi, 2.0f);
  EXPECT_NEAR(elo, -ehi, 1e-5f);  // symmetric threshold, both tails inside the data
  EXPECT_LT(qhi, mhi);
  EXPECT_GT(qhi, 2.5f);
  EXPECT_LT(qhi, 5.0f);
  EXPECT_GT(qlo, mlo);
}

TEST(Calibration, MseKeepsTheFullRangeOfAUniformDistribution) {
  // Uniform data has no tails to trade: clipping only adds error, so a = 1 (within 2%).
  std::vector<float> x(100000);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0.0f, 6.0f);
  for (float& v : x) v = u(rng);
  const auto [lo, hi] = Observe(x).Range(CalibMethod::kMse);
  EXPECT_GT(hi, 0.98f * 6.0f);
}

TEST(QuantArithmetic, AsymmetricU8OfARange) {
  const QuantParams p = AsymmetricU8(-1.0f, 3.0f);
  EXPECT_FLOAT_EQ(p.scale, 4.0f / 255.0f);
  EXPECT_EQ(p.zero_point, 64);                     // round(255 / 4)
  const QuantParams q = AsymmetricU8(0.5f, 2.0f);  // widened to [0, 2]
  EXPECT_EQ(q.zero_point, 0);
  EXPECT_FLOAT_EQ(q.scale, 2.0f / 255.0f);
  EXPECT_EQ(AsymmetricU8(-2.0f, -1.0f).zero_point, 255);  // widened to [-2, 0]
}

TEST(QuantArithmetic, PerColumnSymmetricWeightsRoundTrip) {
  // Quantize then dequantize: every weight within half a step of its column's scale.
  std::mt19937 rng(4);
  std::normal_distribution<float> n(0.0f, 0.3f);
  const size_t k = 37, m = 13;
  std::vector<float> w(k * m);
  for (float& v : w) v = n(rng);
  for (size_t i = 0; i < k; ++i) w[i * m + 5] = 0.0f;  // an all-zero column
  std::vector<int8_t> q(k * m);
  std::vector<float> scales(m);
  std::vector<int32_t> sums(m);
  QuantizeWeightsPerColumn(w.data(), k, m, q.data(), scales.data(), sums.data());
  for (size_t j = 0; j < m; ++j) {
    int32_t sum = 0;
    float amax = 0;
    for (size_t i = 0; i < k; ++i) {
      EXPECT_LE(std::abs(q[i * m + j]), 127);
      EXPECT_LE(std::fabs(q[i * m + j] * scales[j] - w[i * m + j]), scales[j] / 2 + 1e-7f);
      sum += q[i * m + j];
      amax = std::max(amax, std::fabs(w[i * m + j]));
    }
    EXPECT_EQ(sums[j], sum);
    EXPECT_FLOAT_EQ(scales[j], amax > 0 ? amax / 127 : 1.0f);
  }
}

}  // namespace
}  // namespace axle::quant
