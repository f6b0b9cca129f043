// The static memory planner: no two simultaneously live buffers overlap (randomized), in-place
// pairs share an offset only when safe, and the arena stays near the live-bytes lower bound.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <random>

#include "passes/MemoryPlanner.h"

namespace axle::passes {
namespace {

void ExpectNoLiveOverlap(const std::vector<BufferLifetime>& b, const MemoryPlan& p) {
  for (size_t i = 0; i < b.size(); ++i) {
    EXPECT_EQ(p.offsets[i] % 64, 0u);
    EXPECT_LE(p.offsets[i] + b[i].bytes, p.arena_bytes);
    for (size_t j = i + 1; j < b.size(); ++j) {
      const bool live_together = b[i].first <= b[j].last && b[j].first <= b[i].last;
      const bool in_place = (b[i].reuse == static_cast<int64_t>(j) && b[j].last == b[i].first) ||
                            (b[j].reuse == static_cast<int64_t>(i) && b[i].last == b[j].first);
      const bool overlap =
          p.offsets[i] < p.offsets[j] + b[j].bytes && p.offsets[j] < p.offsets[i] + b[i].bytes;
      if (live_together && overlap) {
        EXPECT_TRUE(in_place && p.offsets[i] == p.offsets[j])
            << "buffers " << i << " and " << j << " overlap while both live";
      }
    }
  }
}

TEST(MemoryPlanner, RandomLifetimesNeverOverlap) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<BufferLifetime> b(1 + rng() % 40);
    for (size_t i = 0; i < b.size(); ++i) {
      b[i].first = static_cast<int64_t>(rng() % 30) - 1;
      b[i].last = b[i].first + static_cast<int64_t>(rng() % 10);
      b[i].bytes = 1 + rng() % 5000;
      if (i > 0 && rng() % 3 == 0) b[i].reuse = rng() % i;
    }
    const MemoryPlan p = PlanMemory(b);
    std::vector<BufferLifetime> aligned = b;
    for (auto& x : aligned) x.bytes = (x.bytes + 63) / 64 * 64;
    ExpectNoLiveOverlap(aligned, p);
    EXPECT_GE(p.arena_bytes, p.lower_bound);
  }
}

TEST(MemoryPlanner, DetectsOverlapWhenPlacementIsWrong) {
  // The checker above must be able to fail: two live buffers at one offset.
  std::vector<BufferLifetime> b = {{128, 0, 2, -1}, {128, 1, 3, -1}};
  MemoryPlan wrong{{0, 0}, 128, 256};
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    ExpectNoLiveOverlap(b, wrong);
  }
  EXPECT_GT(failures.size(), 0);
}

TEST(MemoryPlanner, InPlaceChainReusesOneSlot) {
  // x -> relu -> sigmoid -> tanh: each result may overwrite its dying operand.
  std::vector<BufferLifetime> b = {{4096, 0, 1, -1}, {4096, 1, 2, 0}, {4096, 2, 3, 1}};
  const MemoryPlan p = PlanMemory(b);
  EXPECT_EQ(p.arena_bytes, 4096u);
  EXPECT_EQ(p.lower_bound, 4096u);
}

TEST(MemoryPlanner, TransformerBlockChainStaysNearLowerBound) {
  // 24 blocks of a d=256, T=97 encoder layer's activation pattern (bytes, first, last), with
  // the residual stream living across each block.
  std::vector<BufferLifetime> b;
  const uint64_t act = 97 * 256 * 4, qkv = 3 * act, scores = 8 * 97 * 97 * 4, ffn = 97 * 1024 * 4;
  int64_t t = 0;
  b.push_back({act, -1, 0, -1});  // the input stream
  for (int layer = 0; layer < 24; ++layer) {
    const int64_t in = b.size() - 1;
    b.push_back({qkv, t, t + 1, -1});                                      // packed q,k,v
    b.push_back({scores, t + 1, t + 2, -1});                               // scores
    b.push_back({scores, t + 2, t + 3, -1});                               // softmax
    b.push_back({act, t + 3, t + 4, -1});                                  // context
    b.push_back({act, t + 4, t + 5, -1});                                  // projection
    b[in].last = t + 5;                                                    // residual read
    b.push_back({act, t + 5, t + 6, -1});                                  // add + norm
    b.push_back({ffn, t + 6, t + 7, -1});                                  // ffn up
    b.push_back({ffn, t + 7, t + 8, static_cast<int64_t>(b.size() - 1)});  // relu in place
    b.push_back({act, t + 8, t + 9, -1});                                  // ffn down
    b[b.size() - 5].last = t + 9;                                          // residual 2
    b.push_back({act, t + 9, t + 10, -1});  // add + norm -> next block's input
    t += 10;
  }
  const MemoryPlan p = PlanMemory(b);
  ExpectNoLiveOverlap(b, p);
  EXPECT_LE(p.arena_bytes, p.lower_bound * 110 / 100)
      << "arena " << p.arena_bytes << " vs lower bound " << p.lower_bound;
}

}  // namespace
}  // namespace axle::passes
