// Activation-range calibration: statistics of one tensor over a calibration set, and the
// range each method picks from them. Plain C++ (no MLIR), unit-tested against ranges computed
// by hand on known distributions (tests/compiler/calibration_test.cc).
//
// Two passes over the calibration set: the first finds min and max, the second fills a
// 2048-bin histogram over [min, max] and one of |x| over [0, max |x|]. Methods:
//   minmax      [min, max]
//   percentile  the p-th and (100 - p)-th percentiles (p = 99.99 by default)
//   entropy     TensorRT's KL-divergence threshold T on |x| (128 quantization bins; exact
//               zeros left out), then [max(min, -T), min(max, T)]
//   mse         [a * min, a * max] with a in (0, 1] minimizing the expected squared error of
//               u8 quantization (clipping + rounding) over the histogram
#ifndef AXLE_COMPILER_QUANT_CALIBRATION_H_
#define AXLE_COMPILER_QUANT_CALIBRATION_H_

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace axle::quant {

enum class CalibMethod { kMinMax, kPercentile, kEntropy, kMse };
std::optional<CalibMethod> ParseCalibMethod(const std::string& name);
const char* CalibMethodName(CalibMethod m);

class TensorStats {
 public:
  static constexpr int kBins = 2048;
  // Pass 1. With channels > 0, x is rows of `channels` values and the per-channel means (over
  // every row of every call) are kept too: the input statistics bias correction needs.
  void ObserveRange(const float* x, size_t n, size_t channels = 0);
  // Per-channel means, minima and maxima of pass 1 (empty without channels).
  std::vector<double> ChannelMeans() const;
  const std::vector<float>& ChannelMin() const { return channel_min_; }
  const std::vector<float>& ChannelMax() const { return channel_max_; }
  // Pass 2 (after every ObserveRange call).
  void ObserveHistogram(const float* x, size_t n);

  float min() const { return min_; }
  float max() const { return max_; }
  size_t count() const { return count_; }
  const std::vector<double>& histogram() const { return hist_; }

  // The range [lo, hi] the method picks (needs pass 2 except for minmax).
  std::pair<float, float> Range(CalibMethod method, double percentile = 99.99) const;

 private:
  std::pair<float, float> Percentile(double p) const;
  float EntropyThreshold() const;
  std::pair<float, float> MinMse() const;

  float min_ = 0, max_ = 0, amax_ = 0;
  bool seen_ = false;
  size_t count_ = 0;
  std::vector<double> hist_, abs_hist_;
  std::vector<double> channel_sums_;
  std::vector<float> channel_min_, channel_max_;
  size_t rows_ = 0;
};

}  // namespace axle::quant

#endif  // AXLE_COMPILER_QUANT_CALIBRATION_H_
