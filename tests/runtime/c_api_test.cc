// The C API: loading, queries, binding, invoking, and the MLP's output against a float64
// recomputation from its known weights.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "axle/axle.h"
#include "axle/axle.hpp"
#include "runtime/schema/axle_model_generated.h"
#include "tests/models/test_models.h"

namespace axle {
namespace {

using testing::AlignedBytes;

// probs = softmax(relu(x W1 + b1) W2 + b2), in double.
std::vector<double> MlpOracle(const std::vector<float>& x) {
  const std::vector<float> w1 = testing::MlpWeights(0), b1 = testing::MlpWeights(1);
  const std::vector<float> w2 = testing::MlpWeights(2), b2 = testing::MlpWeights(3);
  std::vector<double> h(32), l(10), p(10);
  for (int j = 0; j < 32; ++j) {
    double acc = b1[j];
    for (int i = 0; i < 16; ++i) acc += double{x[i]} * w1[i * 32 + j];
    h[j] = acc > 0 ? acc : 0;
  }
  double mx = -1e300, sum = 0;
  for (int j = 0; j < 10; ++j) {
    double acc = b2[j];
    for (int i = 0; i < 32; ++i) acc += h[i] * w2[i * 10 + j];
    l[j] = acc;
    mx = std::max(mx, acc);
  }
  for (int j = 0; j < 10; ++j) sum += std::exp(l[j] - mx);
  for (int j = 0; j < 10; ++j) p[j] = std::exp(l[j] - mx) / sum;
  return p;
}

std::vector<float> SampleInput(float phase) {
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[i] = std::sin(0.7f * i + phase);
  return x;
}

class CApi : public ::testing::Test {
 protected:
  void SetUp() override {
    bytes_ = testing::BuildMlp().Serialize();
    buf_ = std::make_unique<AlignedBytes>(bytes_);
    ASSERT_EQ(axle_model_load_buffer(buf_->data(), buf_->size(), &model_), AXLE_OK)
        << axle_last_error();
  }
  void TearDown() override { axle_model_release(model_); }
  std::vector<uint8_t> bytes_;
  std::unique_ptr<AlignedBytes> buf_;
  axle_model_t* model_ = nullptr;
};

TEST_F(CApi, InfoDescribesTheModel) {
  axle_model_info_t info;
  ASSERT_EQ(axle_model_get_info(model_, &info), AXLE_OK);
  EXPECT_EQ(info.schema_version, 1u);
  EXPECT_STREQ(info.target, "host");
  EXPECT_STREQ(info.producer, "axle 0.1.0");
  EXPECT_EQ(info.num_tensors, 11u);
  EXPECT_EQ(info.num_steps, 6u);
  EXPECT_EQ(info.num_inputs, 1u);
  EXPECT_EQ(info.num_outputs, 1u);
  // W1, b1, W2 are multiples of 64 bytes; b2's 40 bytes are padded to 64.
  EXPECT_EQ(info.constant_bytes, 4u * (16 * 32 + 32 + 32 * 10) + 64);
  EXPECT_EQ(info.file_bytes, bytes_.size());
  uint32_t t;
  ASSERT_EQ(axle_model_find_tensor(model_, "W2", &t), AXLE_OK);
  axle_tensor_info_t ti;
  ASSERT_EQ(axle_model_tensor_info(model_, t, &ti), AXLE_OK);
  EXPECT_EQ(ti.storage, AXLE_STORAGE_CONSTANT);
  EXPECT_EQ(ti.rank, 2);
  EXPECT_EQ(ti.dims[0], 32);
  EXPECT_EQ(ti.dims[1], 10);
  EXPECT_EQ(ti.size_bytes, 32u * 10 * 4);
  EXPECT_EQ(axle_model_find_tensor(model_, "nope", &t), AXLE_NOT_FOUND);
  EXPECT_STREQ(axle_last_error(), "no tensor is named 'nope'");
  axle_step_info_t si;
  ASSERT_EQ(axle_model_step_info(model_, 5, &si), AXLE_OK);
  EXPECT_STREQ(si.op, "softmax");
  EXPECT_STREQ(si.name, "softmax");
  EXPECT_EQ(si.num_inputs, 1u);
  EXPECT_EQ(axle_model_step_info(model_, 6, &si), AXLE_INVALID_ARGUMENT);
  EXPECT_EQ(axle_model_tensor_info(model_, 11, &ti), AXLE_INVALID_ARGUMENT);
}

TEST_F(CApi, InvokeMatchesFloat64Oracle) {
  axle_context_t* ctx = nullptr;
  ASSERT_EQ(axle_context_create(model_, nullptr, &ctx), AXLE_OK);
  for (float phase : {0.0f, 1.0f, 2.5f}) {
    void* in = nullptr;
    size_t in_size = 0;
    ASSERT_EQ(axle_context_input_buffer(ctx, 0, &in, &in_size), AXLE_OK);
    ASSERT_EQ(in_size, 16 * sizeof(float));
    const std::vector<float> x = SampleInput(phase);
    std::memcpy(in, x.data(), in_size);
    ASSERT_EQ(axle_context_invoke(ctx), AXLE_OK) << axle_last_error();
    const void* out = nullptr;
    size_t out_size = 0;
    ASSERT_EQ(axle_context_output_buffer(ctx, 0, &out, &out_size), AXLE_OK);
    ASSERT_EQ(out_size, 10 * sizeof(float));
    const std::vector<double> want = MlpOracle(x);
    for (int j = 0; j < 10; ++j) EXPECT_NEAR(static_cast<const float*>(out)[j], want[j], 1e-6) << j;
  }
  axle_context_destroy(ctx);
}

TEST_F(CApi, BoundBuffersAreUsedInPlace) {
  axle_context_t* ctx = nullptr;
  ASSERT_EQ(axle_context_create(model_, nullptr, &ctx), AXLE_OK);
  std::vector<float> x = SampleInput(0.3f), y(10, -1.0f);
  ASSERT_EQ(axle_context_bind_input(ctx, 0, x.data(), x.size() * 4), AXLE_OK);
  ASSERT_EQ(axle_context_bind_output(ctx, 0, y.data(), y.size() * 4), AXLE_OK);
  ASSERT_EQ(axle_context_invoke(ctx), AXLE_OK);
  const std::vector<double> want = MlpOracle(x);
  for (int j = 0; j < 10; ++j) EXPECT_NEAR(y[j], want[j], 1e-6);
  // Wrong size, misalignment and bad indices are rejected with messages.
  EXPECT_EQ(axle_context_bind_input(ctx, 0, x.data(), 60), AXLE_INVALID_ARGUMENT);
  EXPECT_STREQ(axle_last_error(), "input 0 'x': buffer has 60 bytes; the tensor needs 64");
  EXPECT_EQ(axle_context_bind_input(ctx, 0, reinterpret_cast<char*>(x.data()) + 1, 64),
            AXLE_INVALID_ARGUMENT);
  EXPECT_EQ(axle_context_bind_output(ctx, 3, y.data(), 40), AXLE_INVALID_ARGUMENT);
  EXPECT_STREQ(axle_last_error(), "output index 3 is out of range: the model has 1");
  // Unbinding returns the input to the arena.
  ASSERT_EQ(axle_context_bind_input(ctx, 0, nullptr, 0), AXLE_OK);
  void* in = nullptr;
  size_t n = 0;
  ASSERT_EQ(axle_context_input_buffer(ctx, 0, &in, &n), AXLE_OK);
  EXPECT_NE(in, x.data());
  axle_context_destroy(ctx);
}

TEST_F(CApi, CallerArenaAndModelOutlivedByContext) {
  axle_model_info_t info;
  axle_model_get_info(model_, &info);
  void* arena = std::aligned_alloc(64, info.arena_bytes);
  axle_context_options_t opts{};
  opts.arena = arena;
  opts.arena_size = info.arena_bytes - 64;
  axle_context_t* ctx = nullptr;
  EXPECT_EQ(axle_context_create(model_, &opts, &ctx), AXLE_INVALID_ARGUMENT);
  opts.arena = static_cast<char*>(arena) + 16;
  opts.arena_size = info.arena_bytes;
  EXPECT_EQ(axle_context_create(model_, &opts, &ctx), AXLE_INVALID_ARGUMENT);
  opts.arena = arena;
  ASSERT_EQ(axle_context_create(model_, &opts, &ctx), AXLE_OK);
  axle_model_release(model_);  // the context keeps the model alive
  model_ = nullptr;
  void* in = nullptr;
  size_t n = 0;
  ASSERT_EQ(axle_context_input_buffer(ctx, 0, &in, &n), AXLE_OK);
  EXPECT_GE(static_cast<char*>(in), static_cast<char*>(arena));
  EXPECT_LT(static_cast<char*>(in), static_cast<char*>(arena) + info.arena_bytes);
  const std::vector<float> x = SampleInput(1.5f);
  std::memcpy(in, x.data(), n);
  ASSERT_EQ(axle_context_invoke(ctx), AXLE_OK);
  axle_context_destroy(ctx);
  std::free(arena);
}

TEST_F(CApi, NullArgumentsAreRejected) {
  EXPECT_EQ(axle_model_load_file(nullptr, nullptr), AXLE_INVALID_ARGUMENT);
  EXPECT_EQ(axle_model_get_info(nullptr, nullptr), AXLE_INVALID_ARGUMENT);
  EXPECT_EQ(axle_context_invoke(nullptr), AXLE_INVALID_ARGUMENT);
  EXPECT_EQ(axle_context_create(nullptr, nullptr, nullptr), AXLE_INVALID_ARGUMENT);
  EXPECT_NE(std::string(axle_last_error()).find("axle_context_create"), std::string::npos);
  axle_context_destroy(nullptr);
  axle_model_release(nullptr);
  EXPECT_STREQ(axle_status_name(AXLE_DATA_ERROR), "DATA_ERROR");
  EXPECT_STREQ(axle_dtype_name(AXLE_DTYPE_BF16), "bf16");
  EXPECT_EQ(axle_dtype_size(AXLE_DTYPE_I64), 8u);
}

TEST(CApiFile, LoadsFromFileAndReportsDataErrors) {
  // A Gather whose indices come from a model input: a bad index is a DATA_ERROR at invoke.
  ModelBuilder b;
  const std::vector<float> table = {10, 20, 30};
  const uint32_t data = b.Constant("table", DType::kF32, {3}, table);
  const uint32_t idx = b.Input("idx", DType::kI64, {2});
  const uint32_t out = b.Output("out", DType::kF32, {2});
  b.Step(schema::OpCode_Gather, {data, idx}, {out}, ParamsSpec::Axis(0), "lookup");
  const std::string path = ::testing::TempDir() + "/gather.axm";
  ASSERT_TRUE(WriteFile(path, b.Serialize()));
  LoadedModel model;
  ASSERT_EQ(LoadedModel::FromFile(path.c_str(), &model), AXLE_OK) << axle_last_error();
  ExecutionContext ctx;
  ASSERT_EQ(ExecutionContext::Create(model, &ctx), AXLE_OK);
  int64_t* in = ctx.input<int64_t>(0);
  in[0] = -1;
  in[1] = 0;
  ASSERT_EQ(ctx.Invoke(), AXLE_OK);
  EXPECT_EQ(ctx.output<float>(0)[0], 30.0f);
  EXPECT_EQ(ctx.output<float>(0)[1], 10.0f);
  in[1] = 3;
  EXPECT_EQ(ctx.Invoke(), AXLE_DATA_ERROR);
  EXPECT_STREQ(axle_last_error(),
               "step 0 (gather 'lookup'): index 3 at element 1 of input 1 (tensor 1 'idx') is "
               "out of range for axis 0 of size 3");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace axle
