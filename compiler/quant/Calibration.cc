#include "compiler/quant/Calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/common/quant.h"

namespace axle::quant {

std::optional<CalibMethod> ParseCalibMethod(const std::string& name) {
  if (name == "minmax") return CalibMethod::kMinMax;
  if (name == "percentile") return CalibMethod::kPercentile;
  if (name == "entropy") return CalibMethod::kEntropy;
  if (name == "mse") return CalibMethod::kMse;
  return std::nullopt;
}

const char* CalibMethodName(CalibMethod m) {
  switch (m) {
  case CalibMethod::kMinMax: return "minmax";
  case CalibMethod::kPercentile: return "percentile";
  case CalibMethod::kEntropy: return "entropy";
  case CalibMethod::kMse: return "mse";
  }
  return "?";
}

std::vector<double> TensorStats::ChannelMeans() const {
  std::vector<double> means(channel_sums_.size());
  for (size_t c = 0; c < means.size(); ++c) means[c] = rows_ ? channel_sums_[c] / rows_ : 0.0;
  return means;
}

void TensorStats::ObserveRange(const float* x, size_t n, size_t channels) {
  if (channels > 0 && n % channels == 0) {
    channel_sums_.resize(channels, 0.0);
    channel_min_.resize(channels, std::numeric_limits<float>::infinity());
    channel_max_.resize(channels, -std::numeric_limits<float>::infinity());
    for (size_t r = 0; r < n / channels; ++r)
      for (size_t c = 0; c < channels; ++c) {
        const float v = x[r * channels + c];
        if (!std::isfinite(v)) continue;
        channel_sums_[c] += v;
        channel_min_[c] = std::min(channel_min_[c], v);
        channel_max_[c] = std::max(channel_max_[c], v);
      }
    rows_ += n / channels;
  }
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (!std::isfinite(v)) continue;
    if (!seen_) {
      min_ = max_ = v;
      seen_ = true;
    }
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
  amax_ = std::max(std::fabs(min_), std::fabs(max_));
}

void TensorStats::ObserveHistogram(const float* x, size_t n) {
  if (hist_.empty()) {
    hist_.assign(kBins, 0.0);
    abs_hist_.assign(kBins, 0.0);
  }
  const double width = (static_cast<double>(max_) - min_) / kBins;
  const double awidth = static_cast<double>(amax_) / kBins;
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (!std::isfinite(v)) continue;
    ++count_;
    int b = width > 0 ? static_cast<int>((v - min_) / width) : 0;
    hist_[std::min(std::max(b, 0), kBins - 1)] += 1;
    // Exact zeros (padding, masked tokens, ReLU) are exact at any scale: they carry no
    // quantization error, and as a spike in the first bin they would drag the KL threshold down.
    if (v == 0.0f) continue;
    int a = awidth > 0 ? static_cast<int>(std::fabs(v) / awidth) : 0;
    abs_hist_[std::min(std::max(a, 0), kBins - 1)] += 1;
  }
}

std::pair<float, float> TensorStats::Percentile(double p) const {
  double total = 0;
  for (double c : hist_) total += c;
  if (total == 0) return {min_, max_};
  const double width = (static_cast<double>(max_) - min_) / kBins;
  const double tail = total * (100.0 - p) / 100.0;
  // Lower bound: the left edge of the bin where the cumulative count passes the tail.
  double cum = 0;
  int lo = 0;
  for (; lo < kBins; ++lo) {
    if (cum + hist_[lo] > tail) break;
    cum += hist_[lo];
  }
  cum = 0;
  int hi = kBins - 1;
  for (; hi >= 0; --hi) {
    if (cum + hist_[hi] > tail) break;
    cum += hist_[hi];
  }
  return {static_cast<float>(min_ + lo * width), static_cast<float>(min_ + (hi + 1) * width)};
}

// TensorRT's calibrator: for each candidate threshold (bins [128, 2048)), P is the clipped
// |x| histogram (the outliers folded into its last bin), Q is P merged into 128 levels and
// spread back over P's non-empty bins; the threshold minimizing KL(P || Q) wins.
float TensorStats::EntropyThreshold() const {
  constexpr int kLevels = 128;
  const double awidth = static_cast<double>(amax_) / kBins;
  double best_kl = std::numeric_limits<double>::infinity();
  int best = kBins;
  std::vector<double> p, q;
  for (int i = kLevels; i <= kBins; ++i) {
    p.assign(abs_hist_.begin(), abs_hist_.begin() + i);
    for (int j = i; j < kBins; ++j) p[i - 1] += abs_hist_[j];
    double p_total = 0;
    for (double v : p) p_total += v;
    if (p_total == 0) continue;
    q.assign(i, 0.0);
    const double per = static_cast<double>(i) / kLevels;
    for (int l = 0; l < kLevels; ++l) {
      const int b0 = static_cast<int>(std::floor(l * per));
      const int b1 = std::min(i, static_cast<int>(std::floor((l + 1) * per)));
      double sum = 0;
      int nonzero = 0;
      for (int b = b0; b < b1; ++b) {
        sum += abs_hist_[b];  // the unclipped counts, as TensorRT does
        nonzero += abs_hist_[b] > 0;
      }
      for (int b = b0; b < b1; ++b)
        if (abs_hist_[b] > 0) q[b] = sum / nonzero;
    }
    double q_total = 0;
    for (double v : q) q_total += v;
    double kl = 0;
    for (int b = 0; b < i; ++b) {
      if (p[b] == 0) continue;
      const double pb = p[b] / p_total;
      const double qb = q_total > 0 ? q[b] / q_total : 0;
      kl += qb > 0 ? pb * std::log(pb / qb) : pb * 30.0;  // q empty where p is not: large cost
    }
    if (kl < best_kl) {
      best_kl = kl;
      best = i;
    }
  }
  return static_cast<float>(best * awidth);
}

std::pair<float, float> TensorStats::MinMse() const {
  const double width = (static_cast<double>(max_) - min_) / kBins;
  std::pair<float, float> best{min_, max_};
  double best_err = std::numeric_limits<double>::infinity();
  for (int step = 100; step >= 10; --step) {
    const double a = step / 100.0;
    const float lo = static_cast<float>(a * min_), hi = static_cast<float>(a * max_);
    const QuantParams qp = AsymmetricU8(lo, hi);
    double err = 0;
    for (int b = 0; b < kBins; ++b) {
      if (hist_[b] == 0) continue;
      const double v = min_ + (b + 0.5) * width;
      double level = std::nearbyint(v / qp.scale) + qp.zero_point;
      level = std::min(255.0, std::max(0.0, level));
      const double back = (level - qp.zero_point) * qp.scale;
      err += hist_[b] * (v - back) * (v - back);
    }
    if (err < best_err) {
      best_err = err;
      best = {lo, hi};
    }
  }
  return best;
}

std::pair<float, float> TensorStats::Range(CalibMethod method, double percentile) const {
  if (!seen_) return {0.0f, 0.0f};
  if (method == CalibMethod::kMinMax || hist_.empty() || max_ == min_) return {min_, max_};
  switch (method) {
  case CalibMethod::kPercentile: return Percentile(percentile);
  case CalibMethod::kEntropy: {
    const float t = EntropyThreshold();
    return {std::max(min_, -t), std::min(max_, t)};
  }
  case CalibMethod::kMse: return MinMse();
  default: return {min_, max_};
  }
}

}  // namespace axle::quant
