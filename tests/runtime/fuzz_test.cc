// 1,000 mutated copies of valid model files (byte flips, truncation, extension, overwritten
// fields at random offsets) go through load + validate + invoke. Each is either rejected with
// a message or runs; none may crash. Run under ASan+UBSan by `make sanitize`, where any
// out-of-bounds access or undefined behaviour aborts the test.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "axle/axle.h"
#include "tests/models/test_models.h"

namespace axle {
namespace {

enum class Mutation { kFlipBytes, kTruncate, kExtend, kOverwriteField, kCount };

std::vector<uint8_t> Mutate(const std::vector<uint8_t>& seed, Mutation kind, std::mt19937& rng) {
  std::vector<uint8_t> b = seed;
  auto offset = [&](size_t limit) {
    return std::uniform_int_distribution<size_t>(0, limit - 1)(rng);
  };
  switch (kind) {
  case Mutation::kFlipBytes: {
    const int flips = 1 + static_cast<int>(rng() % 8);
    // Most flips land in the model table, where the structure lives.
    const size_t table = std::min<size_t>(b.size(), 4 + (b[0] | b[1] << 8 | b[2] << 16));
    for (int i = 0; i < flips; ++i) b[offset(rng() % 4 ? table : b.size())] ^= 1u << (rng() % 8);
    break;
  }
  case Mutation::kTruncate: b.resize(offset(b.size())); break;
  case Mutation::kExtend: {
    const size_t extra = 1 + rng() % 256;
    for (size_t i = 0; i < extra; ++i) b.push_back(static_cast<uint8_t>(rng()));
    break;
  }
  case Mutation::kOverwriteField: {
    // Plant a typical hostile value where a 32- or 64-bit field may sit.
    static const uint64_t kValues[] = {0,
                                       1,
                                       0x7f,
                                       0xff,
                                       0xffff,
                                       0x7fffffff,
                                       0xffffffff,
                                       0x80000000,
                                       0xffffffffffffffffull,
                                       0x4000000000000000ull,
                                       64,
                                       4096};
    const uint64_t v = kValues[rng() % (sizeof(kValues) / sizeof(kValues[0]))];
    const size_t width = rng() % 2 ? 4 : 8;
    if (b.size() >= width)
      std::memcpy(b.data() + (offset(b.size() - width + 1) & ~size_t{3}), &v, width);
    break;
  }
  case Mutation::kCount: break;
  }
  return b;
}

struct Tally {
  int rejected = 0, ran = 0, data_errors = 0;
};

void Exercise(const std::vector<uint8_t>& bytes, std::mt19937& rng, Tally* tally) {
  testing::AlignedBytes buf(bytes);
  axle_model_t* model = nullptr;
  const axle_status_t s =
      axle_model_load_buffer(buf.size() ? buf.data() : nullptr, buf.size(), &model);
  if (s != AXLE_OK) {
    EXPECT_EQ(model, nullptr);
    EXPECT_GT(std::strlen(axle_last_error()), 0u) << "rejection without a message";
    ++tally->rejected;
    return;
  }
  axle_context_t* ctx = nullptr;
  if (axle_context_create(model, nullptr, &ctx) != AXLE_OK) {
    ++tally->rejected;
    axle_model_release(model);
    return;
  }
  axle_model_info_t info;
  axle_model_get_info(model, &info);
  for (uint32_t i = 0; i < info.num_inputs; ++i) {
    void* data;
    size_t n;
    if (axle_context_input_buffer(ctx, i, &data, &n) != AXLE_OK) continue;
    // Random bytes: NaNs, infinities, huge and negative indices, zero divisors.
    for (size_t k = 0; k < n; ++k) static_cast<uint8_t*>(data)[k] = static_cast<uint8_t>(rng());
  }
  const axle_status_t r = axle_context_invoke(ctx);
  if (r == AXLE_OK) {
    ++tally->ran;
  } else {
    EXPECT_EQ(r, AXLE_DATA_ERROR) << axle_last_error();
    EXPECT_GT(std::strlen(axle_last_error()), 0u);
    ++tally->data_errors;
  }
  axle_context_destroy(ctx);
  axle_model_release(model);
}

TEST(Fuzz, ThousandMutantsAreRejectedOrRun) {
  const std::vector<uint8_t> seeds[] = {testing::BuildMlp().Serialize(),
                                        testing::BuildZoo().Serialize()};
  std::mt19937 rng(20261125);
  Tally tally;
  constexpr int kMutants = 1000;
  for (int i = 0; i < kMutants; ++i) {
    const auto kind = static_cast<Mutation>(i % static_cast<int>(Mutation::kCount));
    Exercise(Mutate(seeds[i % 2], kind, rng), rng, &tally);
  }
  std::printf("fuzz: %d mutants: %d rejected at load, %d ran, %d stopped by a data error\n",
              kMutants, tally.rejected, tally.ran, tally.data_errors);
  EXPECT_EQ(tally.rejected + tally.ran + tally.data_errors, kMutants);
  // Both outcomes must occur, or the mutations are not exercising anything.
  EXPECT_GT(tally.rejected, 100);
  EXPECT_GT(tally.ran + tally.data_errors, 100);
}

}  // namespace
}  // namespace axle
