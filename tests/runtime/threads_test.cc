// One loaded model shared read-only by 4 threads, each running 4 contexts: every result equals
// the single-threaded one, bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "axle/axle.h"
#include "tests/models/test_models.h"

namespace axle {
namespace {

std::vector<float> RunOnce(axle_context_t* ctx, float phase) {
  void* in = nullptr;
  size_t n = 0;
  axle_context_input_buffer(ctx, 0, &in, &n);
  for (size_t i = 0; i < n / 4; ++i) static_cast<float*>(in)[i] = std::cos(0.3f * i + phase);
  if (axle_context_invoke(ctx) != AXLE_OK) return {};
  const void* out = nullptr;
  axle_context_output_buffer(ctx, 0, &out, &n);
  const float* o = static_cast<const float*>(out);
  return std::vector<float>(o, o + n / 4);
}

TEST(Threads, FourThreadsFourContextsOneModel) {
  const std::vector<uint8_t> bytes = testing::BuildMlp().Serialize();
  testing::AlignedBytes buf(bytes);
  axle_model_t* model = nullptr;
  ASSERT_EQ(axle_model_load_buffer(buf.data(), buf.size(), &model), AXLE_OK);

  constexpr int kThreads = 4, kContexts = 4, kIterations = 200;
  std::vector<std::vector<float>> expected(kContexts);
  {
    axle_context_t* ctx = nullptr;
    ASSERT_EQ(axle_context_create(model, nullptr, &ctx), AXLE_OK);
    for (int c = 0; c < kContexts; ++c) expected[c] = RunOnce(ctx, static_cast<float>(c));
    axle_context_destroy(ctx);
  }
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      axle_context_t* ctx[kContexts];
      for (auto& c : ctx)
        if (axle_context_create(model, nullptr, &c) != AXLE_OK) ++mismatches[t];
      for (int it = 0; it < kIterations; ++it)
        for (int c = 0; c < kContexts; ++c)
          if (RunOnce(ctx[c], static_cast<float>(c)) != expected[c]) ++mismatches[t];
      for (auto& c : ctx) axle_context_destroy(c);
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
  axle_model_release(model);
}

}  // namespace
}  // namespace axle
