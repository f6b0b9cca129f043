// Concurrency contracts of the runtime, also run under ThreadSanitizer (`make sanitize-thread`):
// one loaded model shared read-only by several application threads, each with contexts of its
// own (some with their own worker pools, pinned or not, spinning or sleeping); every result
// equals the single-threaded one, bit for bit. And the thread pool itself: every range of every
// job run exactly once, however the threads are scheduled.
#include <gtest/gtest.h>
#include <sched.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "axle/axle.h"
#include "axle/axle.hpp"
#include "runtime/src/thread_pool.h"
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

// The CPUs this process may run on, in order.
std::vector<int32_t> AllowedCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int32_t> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

// Several application threads, each with its own contexts and worker pools (2 or 3 threads,
// default spin, never spinning, a short spin, pinned to the allowed CPUs): the results equal
// a single-threaded context's, bit for bit, on every iteration.
TEST(Threads, ConcurrentContextsWithTheirOwnPools) {
  const std::vector<uint8_t> bytes = testing::BuildWide().Serialize();
  testing::AlignedBytes buf(bytes);
  axle_model_t* model = nullptr;
  ASSERT_EQ(axle_model_load_buffer(buf.data(), buf.size(), &model), AXLE_OK);
  constexpr int kPhases = 3;
  std::vector<std::vector<float>> expected(kPhases);
  {
    axle_context_t* ctx = nullptr;
    ASSERT_EQ(axle_context_create(model, nullptr, &ctx), AXLE_OK);
    for (int p = 0; p < kPhases; ++p) expected[p] = RunOnce(ctx, static_cast<float>(p));
    axle_context_destroy(ctx);
  }
  ASSERT_FALSE(expected[0].empty());
  const std::vector<int32_t> cpus = AllowedCpus();
  ASSERT_FALSE(cpus.empty());
  struct Config {
    int threads;
    int32_t spin_us;
    bool pinned;
  };
  const Config configs[] = {{2, AXLE_SPIN_DEFAULT, false},
                            {2, AXLE_SPIN_NEVER, false},
                            {3, 20, false},
                            {2, AXLE_SPIN_NEVER, true}};
  constexpr int kAppThreads = 3, kIterations = 12;
  std::vector<int> mismatches(kAppThreads, 0), failures(kAppThreads, 0);
  std::vector<std::thread> app;
  for (int t = 0; t < kAppThreads; ++t)
    app.emplace_back([&, t] {
      std::vector<axle_context_t*> ctx;
      for (const Config& c : configs) {
        axle_context_options_t o{};
        o.num_threads = c.threads;
        o.spin_microseconds = c.spin_us;
        if (c.pinned) {
          o.cpus = cpus.data();
          o.num_cpus = static_cast<uint32_t>(cpus.size());
        }
        axle_context_t* one = nullptr;
        if (axle_context_create(model, &o, &one) != AXLE_OK) {
          ++failures[t];
          continue;
        }
        ctx.push_back(one);
      }
      for (int it = 0; it < kIterations; ++it)
        for (size_t c = 0; c < ctx.size(); ++c) {
          const int phase = static_cast<int>((it + c + t) % kPhases);
          if (RunOnce(ctx[c], static_cast<float>(phase)) != expected[phase]) ++mismatches[t];
        }
      for (auto* c : ctx) axle_context_destroy(c);
    });
  for (auto& th : app) th.join();
  for (int t = 0; t < kAppThreads; ++t) {
    EXPECT_EQ(failures[t], 0) << "thread " << t << ": " << axle_last_error();
    EXPECT_EQ(mismatches[t], 0) << "thread " << t;
  }
  axle_model_release(model);
}

// Every index of every job is visited exactly once, for jobs of 1 to 200 ranges, with the
// pool's threads spinning, sleeping at once, or woken between jobs.
TEST(ThreadPoolTest, EveryRangeRunsExactlyOnce) {
  for (int64_t spin_us : {int64_t{0}, int64_t{5}, int64_t{1000}}) {
    ThreadPoolOptions options;
    options.threads = 3;
    options.spin_ns = spin_us * 1000;
    std::unique_ptr<ThreadPool> pool;
    ASSERT_EQ(ThreadPool::Create(options, &pool), AXLE_OK);
    std::mt19937 rng(7);
    std::vector<std::atomic<int>> hits(200);
    for (int job = 0; job < 400; ++job) {
      const int64_t n = 1 + static_cast<int64_t>(rng() % 200);
      for (int64_t i = 0; i < n; ++i) hits[i].store(0, std::memory_order_relaxed);
      if (job % 50 == 0) {
        ASSERT_EQ(pool->BeginInvoke(), AXLE_OK);
      }
      ParallelFor(pool->parallel(), n, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) hits[i].fetch_add(1, std::memory_order_relaxed);
      });
      for (int64_t i = 0; i < n; ++i)
        ASSERT_EQ(hits[i].load(), 1) << "job " << job << " of " << n << " ranges, index " << i
                                     << ", spin " << spin_us << " us";
      if (job % 97 == 0) std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
  }
}

TEST(ThreadPoolTest, BadOptionsAreRefusedWithAMessage) {
  const std::vector<uint8_t> bytes = testing::BuildMlp().Serialize();
  testing::AlignedBytes buf(bytes);
  LoadedModel model;
  ASSERT_EQ(LoadedModel::FromBuffer(buf.data(), buf.size(), &model), AXLE_OK);
  ExecutionContext ctx;
  const int32_t missing[] = {100000};
  EXPECT_EQ(ExecutionContext::Create(model, ContextOptions().threads(2).cpus(missing, 1), &ctx),
            AXLE_INVALID_ARGUMENT);
  EXPECT_NE(std::string(axle_last_error()).find("CPU 100000"), std::string::npos)
      << axle_last_error();
  const std::vector<int32_t> cpus = AllowedCpus();
  EXPECT_EQ(ExecutionContext::Create(model, ContextOptions().cpus(cpus.data(), 0), &ctx),
            AXLE_INVALID_ARGUMENT);
  EXPECT_NE(std::string(axle_last_error()).find("empty"), std::string::npos) << axle_last_error();
  const int32_t twice[] = {cpus[0], cpus[0]};
  EXPECT_EQ(ExecutionContext::Create(model, ContextOptions().cpus(twice, 2), &ctx),
            AXLE_INVALID_ARGUMENT);
  EXPECT_EQ(ExecutionContext::Create(model, ContextOptions().spin_microseconds(-2), &ctx),
            AXLE_INVALID_ARGUMENT);
  EXPECT_EQ(ExecutionContext::Create(model, ContextOptions().threads(-1), &ctx),
            AXLE_INVALID_ARGUMENT);
  EXPECT_EQ(ExecutionContext::Create(
                model, ContextOptions().threads(2).spin_microseconds(AXLE_SPIN_NEVER), &ctx),
            AXLE_OK);
}

// Pinning: the invoking thread ends up on cpus[0] (and stays there: the pinning is documented
// as not undone), and the results do not change.
TEST(ThreadPoolTest, PinnedContextPinsTheCaller) {
  const std::vector<int32_t> cpus = AllowedCpus();
  ASSERT_FALSE(cpus.empty());
  std::thread([&] {
    const std::vector<uint8_t> bytes = testing::BuildWide().Serialize();
    testing::AlignedBytes buf(bytes);
    LoadedModel model;
    ASSERT_EQ(LoadedModel::FromBuffer(buf.data(), buf.size(), &model), AXLE_OK);
    ExecutionContext plain, pinned;
    ASSERT_EQ(ExecutionContext::Create(model, ContextOptions(), &plain), AXLE_OK);
    const int32_t last = cpus.back();
    ASSERT_EQ(ExecutionContext::Create(model, ContextOptions().threads(2).cpus(&last, 1), &pinned),
              AXLE_OK);
    const std::vector<float> want = RunOnce(plain.get(), 0.5f);
    EXPECT_EQ(RunOnce(pinned.get(), 0.5f), want);
    cpu_set_t set;
    CPU_ZERO(&set);
    ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
    EXPECT_EQ(CPU_COUNT(&set), 1);
    EXPECT_TRUE(CPU_ISSET(last, &set));
  }).join();
}

}  // namespace
}  // namespace axle
