// The loader rejects corrupt or inconsistent model files, each kind with its own message that
// names what is wrong and where. Each case starts from a valid model (checked to load) and
// breaks exactly one thing.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <set>
#include <string>

#include "axle/axle.h"
#include "runtime/schema/axle_model_generated.h"
#include "tests/models/test_models.h"

namespace axle {
namespace {

namespace fb = ::axle::schema;
using testing::AlignedBytes;

// MLP tensor indices (see BuildMlp): x W1 b1 W2 b2 h0 h1 h2 l0 logits probs.
enum { kX, kW1, kB1, kW2, kB2, kH0, kH1, kH2, kL0, kLogits, kProbs };

struct Case {
  const char* kind;
  std::function<void(ModelSpec&)> edit_spec;              // may be null
  std::function<void(std::vector<uint8_t>&)> edit_bytes;  // may be null
  axle_status_t code;
  const char* message;  // substring of axle_last_error()
};

axle_status_t LoadBytes(const std::vector<uint8_t>& bytes) {
  AlignedBytes buf(bytes);
  axle_model_t* m = nullptr;
  const axle_status_t s = axle_model_load_buffer(buf.data(), buf.size(), &m);
  axle_model_release(m);
  return s;
}

std::vector<uint8_t> Build(const std::function<void(ModelSpec&)>& edit_spec, bool zoo) {
  ModelBuilder b = zoo ? testing::BuildZoo() : testing::BuildMlp();
  if (edit_spec) edit_spec(b.spec());
  return b.Serialize();
}

std::vector<Case> Cases() {
  auto step = [](ModelSpec& s, int i) -> StepSpec& { return s.steps[i]; };
  return {
      {"tiny file", nullptr, [](auto& b) { b.resize(5); }, AXLE_INVALID_MODEL,
       "truncated file: 5 bytes"},
      {"truncated table", nullptr, [](auto& b) { b.resize(200); }, AXLE_INVALID_MODEL,
       "size prefix at byte offset 0 declares"},
      {"bad identifier", nullptr, [](auto& b) { std::memcpy(b.data() + 8, "ONNX", 4); },
       AXLE_INVALID_MODEL, "bad file identifier 'ONNX' at byte offset 8"},
      {"corrupt root offset", nullptr, [](auto& b) { b[4] = 0xff, b[5] = 0xff, b[6] = 0x0f; },
       AXLE_INVALID_MODEL, "FlatBuffers verification"},
      {"schema version", [](ModelSpec& s) { s.schema_version = 7; }, nullptr, AXLE_UNIMPLEMENTED,
       "schema version 7 is not supported"},
      {"no outputs", [](ModelSpec& s) { s.outputs.clear(); }, nullptr, AXLE_INVALID_MODEL,
       "declares no outputs"},
      {"unknown dtype", [](ModelSpec& s) { s.tensors[kB1].dtype = 42; }, nullptr,
       AXLE_INVALID_MODEL, "tensor 2 'b1': unknown dtype code 42"},
      {"unknown storage", [](ModelSpec& s) { s.tensors[kH0].storage = 9; }, nullptr,
       AXLE_INVALID_MODEL, "tensor 5 'h0': unknown storage class 9"},
      {"rank too large", [](ModelSpec& s) { s.tensors[kH0].shape.assign(9, 1); }, nullptr,
       AXLE_INVALID_MODEL, "rank 9 exceeds the maximum of 8"},
      {"negative dimension", [](ModelSpec& s) { s.tensors[kH0].shape[1] = -32; }, nullptr,
       AXLE_INVALID_MODEL, "tensor 5 'h0': dimension 1 is negative (-32)"},
      {"size overflow",
       [](ModelSpec& s) {
         s.tensors[kH0].shape = {int64_t{1} << 40, int64_t{1} << 40};
       },
       nullptr, AXLE_INVALID_MODEL, "byte size of shape x dtype overflows"},
      {"size mismatch", [](ModelSpec& s) { s.tensors[kH1].size += 4; }, nullptr, AXLE_INVALID_MODEL,
       "tensor 6 'h1': size field is 132 bytes but shape x dtype (f32) is 128"},
      {"arena slice out of bounds", [](ModelSpec& s) { s.tensors[kH2].offset = s.arena_size; },
       nullptr, AXLE_INVALID_MODEL, "tensor 7 'h2': arena slice"},
      {"arena offset misaligned", [](ModelSpec& s) { s.tensors[kH2].offset += 4; }, nullptr,
       AXLE_INVALID_MODEL, "tensor 7 'h2': arena offset"},
      {"arena size not a multiple of 64", [](ModelSpec& s) { s.arena_size += 8; }, nullptr,
       AXLE_INVALID_MODEL, "arena_size"},
      {"constant outside segment", [](ModelSpec& s) { s.tensors[kB2].offset = s.constants.size(); },
       nullptr, AXLE_INVALID_MODEL, "tensor 4 'b2': constant bytes"},
      {"constant misaligned", [](ModelSpec& s) { s.tensors[kW2].offset += 32; }, nullptr,
       AXLE_INVALID_MODEL, "tensor 3 'W2': constant-segment offset"},
      {"constant segment past end of file", nullptr, [](auto& b) { b.resize(b.size() - 64); },
       AXLE_INVALID_MODEL, "extends past the end"},
      {"constant segment misaligned", [](ModelSpec& s) { s.constants_offset_override = 4100; },
       nullptr, AXLE_INVALID_MODEL, "constant segment at byte offset 4100 is not 64-byte aligned"},
      {"constant segment overlaps table", [](ModelSpec& s) { s.constants_offset_override = 64; },
       nullptr, AXLE_INVALID_MODEL, "overlaps the model table"},
      {"model input index", [](ModelSpec& s) { s.inputs[0] = 99; }, nullptr, AXLE_INVALID_MODEL,
       "model input 0 names tensor 99"},
      {"model output with wrong storage", [](ModelSpec& s) { s.outputs[0] = kH1; }, nullptr,
       AXLE_INVALID_MODEL, "model output 0 is tensor 6 'h1', whose storage class is not output"},
      {"input tensor not listed", [](ModelSpec& s) { s.tensors[kH2].storage = 2; }, nullptr,
       AXLE_INVALID_MODEL,
       "tensor 7 'h2' has storage class Input but is not in the model's inputs"},
      {"input listed twice", [](ModelSpec& s) { s.inputs.push_back(kX); }, nullptr,
       AXLE_INVALID_MODEL, "tensor 0 'x' is listed twice as a model input"},
      {"unknown kernel id", [=](ModelSpec& s) { step(s, 2).opcode = 999; }, nullptr,
       AXLE_UNIMPLEMENTED, "step 2 ('fc1/relu'): unknown kernel id 999"},
      {"step operand out of range", [=](ModelSpec& s) { step(s, 1).inputs[1] = 1234; }, nullptr,
       AXLE_INVALID_MODEL, "step 1 (add 'fc1/bias'): input 1 names tensor 1234"},
      {"wrong input arity", [=](ModelSpec& s) { step(s, 0).inputs.push_back(kB1); }, nullptr,
       AXLE_INVALID_MODEL, "step 0 (matmul 'fc1/matmul'): has 3 inputs; the kernel takes 2 to 2"},
      {"wrong output arity", [=](ModelSpec& s) { step(s, 2).outputs.push_back(kL0); }, nullptr,
       AXLE_INVALID_MODEL, "step 2 (relu 'fc1/relu'): has 2 outputs"},
      {"required input absent", [=](ModelSpec& s) { step(s, 3).inputs[1] = 0xFFFFFFFFu; }, nullptr,
       AXLE_INVALID_MODEL, "step 3 (matmul 'fc2/matmul'): required input 1 is absent"},
      {"wrong dtype for kernel", [](ModelSpec& s) { s.tensors[kW1].dtype = fb::DType_I32; },
       nullptr, AXLE_INVALID_MODEL, "input 1 has dtype i32, expected f32"},
      {"wrong output shape for kernel",
       [](ModelSpec& s) {
         s.tensors[kH0].shape = {1, 16};
         s.tensors[kH0].size = 64;
       },
       nullptr, AXLE_INVALID_MODEL,
       "step 0 (matmul 'fc1/matmul'): output 0 is f32[1,16], but its inputs give f32[1,32]"},
      {"missing params", [=](ModelSpec& s) { step(s, 5).params = ParamsSpec(); }, nullptr,
       AXLE_INVALID_MODEL, "softmax requires a AxisParams table"},
      {"wrong params type",
       [=](ModelSpec& s) { step(s, 5).params = ParamsSpec::Gemm(1, 1, false, false); }, nullptr,
       AXLE_INVALID_MODEL, "softmax takes AxisParams, but the step carries GemmParams"},
      {"axis out of range", [=](ModelSpec& s) { step(s, 5).params.axis = 5; }, nullptr,
       AXLE_INVALID_MODEL, "step 5 (softmax 'softmax'): axis 5 is outside [0, 2)"},
      {"read before write", [](ModelSpec& s) { std::swap(s.steps[1], s.steps[2]); }, nullptr,
       AXLE_INVALID_MODEL, "input 0 reads tensor 6 'h1' before any step writes it"},
      {"write to a constant", [=](ModelSpec& s) { step(s, 2).outputs[0] = kW1; }, nullptr,
       AXLE_INVALID_MODEL, "writes tensor 1 'W1', which is a model constant"},
      {"output never written", [](ModelSpec& s) { s.steps.pop_back(); }, nullptr,
       AXLE_INVALID_MODEL, "model output 0 (tensor 10 'probs') is never written"},
      {"accelerator backend", [=](ModelSpec& s) { step(s, 2).backend = 1; }, nullptr,
       AXLE_UNIMPLEMENTED, "step 2 ('fc1/relu'): backend 1 is not supported"},
      {"device memory space", [](ModelSpec& s) { s.tensors[kH1].memory_space = 2; }, nullptr,
       AXLE_UNIMPLEMENTED, "tensor 6 'h1': memory space 2 is not supported"},
      {"missing CPU feature",
       [](ModelSpec& s) {
         s.cpu_arch = axle_cpu_arch();
         s.cpu_features = "no_such_feature";
       },
       nullptr, AXLE_UNIMPLEMENTED, "this host's CPU lacks 'no_such_feature'"},
  };
}

// A plan's CPU requirement binds only a host of its architecture, and not when optional.
TEST(Validator, CpuRequirementsBindTheirOwnArchitectureUnlessOptional) {
  auto with = [](const char* arch, bool optional) {
    return Build(
        [=](ModelSpec& s) {
          s.cpu_arch = arch;
          s.cpu_features = "no_such_feature";
          s.cpu_features_optional = optional;
        },
        false);
  };
  EXPECT_EQ(LoadBytes(with(axle_cpu_arch(), false)), AXLE_UNIMPLEMENTED);
  EXPECT_EQ(LoadBytes(with(axle_cpu_arch(), true)), AXLE_OK) << axle_last_error();
  EXPECT_EQ(LoadBytes(with("another_arch", false)), AXLE_OK) << axle_last_error();
}

TEST(Validator, ValidModelsLoad) {
  EXPECT_EQ(LoadBytes(Build(nullptr, false)), AXLE_OK) << axle_last_error();
  EXPECT_EQ(LoadBytes(Build(nullptr, true)), AXLE_OK) << axle_last_error();
}

TEST(Validator, RejectsEachKindOfCorruptionWithItsOwnMessage) {
  std::set<std::string> messages;
  const std::vector<Case> cases = Cases();
  for (const Case& c : cases) {
    std::vector<uint8_t> bytes = Build(c.edit_spec, false);
    if (c.edit_bytes) c.edit_bytes(bytes);
    const axle_status_t s = LoadBytes(bytes);
    const std::string message = axle_last_error();
    EXPECT_EQ(s, c.code) << c.kind << ": " << message;
    EXPECT_NE(message.find(c.message), std::string::npos)
        << c.kind << ": expected '" << c.message << "' in: " << message;
    messages.insert(message);
  }
  EXPECT_GE(cases.size(), 20u);
  EXPECT_EQ(messages.size(), cases.size()) << "two corruption kinds share a message";
}

// Contracts of ops absent from the MLP, on the zoo model (its tensors found by name).
uint32_t ZooTensor(const ModelSpec& s, const std::string& name) {
  for (uint32_t i = 0; i < s.tensors.size(); ++i)
    if (s.tensors[i].name == name) return i;
  ADD_FAILURE() << "no tensor " << name;
  return 0;
}
StepSpec& ZooStep(ModelSpec& s, const std::string& name) {
  for (StepSpec& st : s.steps)
    if (st.name == name) return st;
  ADD_FAILURE() << "no step " << name;
  return s.steps[0];
}

TEST(Validator, RejectsBadOpParameters) {
  struct ZooCase {
    std::function<void(ModelSpec&)> edit;
    const char* message;
  };
  const ZooCase cases[] = {
      {[](ModelSpec& s) {
         ZooStep(s, "transpose").params.list = {2, 2, 1};
       },
       "perm is not a permutation of [0, 3): entry 1 is 2"},
      {[](ModelSpec& s) {
         ZooStep(s, "transpose").params.list = {2, 0};
       },
       "parameter list has 2 entries but input 0 has rank 3"},
      {[](ModelSpec& s) { ZooStep(s, "slice").params.list[2] = 4; },
       "dimension 2 reads indices 4 + i * -2 for i < 2, outside [0, 4)"},
      {[](ModelSpec& s) { ZooStep(s, "slice").params.list2[0] = 0; }, "step of dimension 0 is 0"},
      {[](ModelSpec& s) { ZooStep(s, "slice").params.list2.pop_back(); },
       "SliceParams has 3 starts but 2 steps"},
      {[](ModelSpec& s) {
         ZooStep(s, "reducemean").params.list = {1, 1};
       },
       "ReduceParams.axes repeats axis 1"},
      {[](ModelSpec& s) { ZooStep(s, "reducemean").params.list = {5}; },
       "reduced axes mask 0x20 names axes beyond the input rank 3"},
      {[](ModelSpec& s) { ZooStep(s, "gather").inputs[1] = ZooTensor(s, "y"); },
       "indices have dtype f32; expected i32 or i64"},
      {[](ModelSpec& s) { ZooStep(s, "where").inputs[0] = ZooTensor(s, "x"); },
       "condition (input 0) has dtype f32, expected bool"},
      {[](ModelSpec& s) { ZooStep(s, "concat").params.axis = 3; }, "axis 3 is outside [0, 3)"},
      {[](ModelSpec& s) { ZooStep(s, "gemm").params.trans_b = true; },
       "inner dimensions differ: A f32[6,4] (trans_a=0), B f32[4,5] (trans_b=1)"},
      {[](ModelSpec& s) { ZooStep(s, "ln").inputs[1] = ZooTensor(s, "x"); },
       "scale has 24 elements; expected 1 or 4"},
      {[](ModelSpec& s) {
         TensorSpec& y = s.tensors[ZooTensor(s, "y")];
         y.shape = {5};
         y.size = 20;
       },
       "step 0 (add 'add'): input shapes f32[2,3,4] and f32[5] do not broadcast"},
      {[](ModelSpec& s) { ZooStep(s, "int_div").inputs[1] = ZooTensor(s, "y"); },
       "inputs have different dtypes (i32, f32)"},
      {[](ModelSpec& s) { ZooStep(s, "expand").outputs[0] = ZooTensor(s, "gemm"); },
       "input f32[4] does not broadcast to output f32[6,5]"},
  };
  for (const ZooCase& c : cases) {
    const axle_status_t s = LoadBytes(Build(c.edit, true));
    EXPECT_EQ(s, AXLE_INVALID_MODEL) << c.message;
    EXPECT_NE(std::string(axle_last_error()).find(c.message), std::string::npos)
        << "expected '" << c.message << "' in: " << axle_last_error();
  }
}

// A linear over convolution windows (LinearParams.conv_window, what axle-fuse-im2col writes):
// x [1, 5, 5, 3] channels-last, 3x3 windows, stride 2, pad 1 -> y [1, 3, 3, 16], weights packed.
std::vector<uint8_t> ConvLinear(const std::function<void(ModelSpec&)>& edit) {
  ModelBuilder b;
  const uint32_t x = b.Input("x", DType::kF32, {1, 5, 5, 3});
  std::vector<float> packed(27 * 16);
  for (size_t i = 0; i < packed.size(); ++i) packed[i] = 0.01f * static_cast<float>(i % 37) - 0.1f;
  const uint32_t w = b.Constant("w", DType::kF32, {1, 27, 16}, packed);
  const uint32_t y = b.Output("y", DType::kF32, {1, 3, 3, 16});
  ParamsSpec p = ParamsSpec::Linear(0, fb::WeightLayout_Panel16);
  p.list = {3, 3, 2, 2, 1, 1, 1, 1, 1, 1};
  b.Step(fb::OpCode_Linear, {x, w}, {y}, p, "conv");
  if (edit) edit(b.spec());
  return b.Serialize();
}

TEST(Validator, ConvolutionWindowsOfALinear) {
  // Loads, and computes the convolution (closed form: the windows' dot products).
  {
    AlignedBytes buf(ConvLinear(nullptr));
    axle_model_t* m = nullptr;
    ASSERT_EQ(axle_model_load_buffer(buf.data(), buf.size(), &m), AXLE_OK) << axle_last_error();
    axle_context_t* ctx = nullptr;
    ASSERT_EQ(axle_context_create(m, nullptr, &ctx), AXLE_OK);
    void* in = nullptr;
    size_t in_size = 0;
    ASSERT_EQ(axle_context_input_buffer(ctx, 0, &in, &in_size), AXLE_OK);
    std::vector<float> x(75);
    for (size_t i = 0; i < x.size(); ++i) x[i] = 0.05f * static_cast<float>(i % 11) - 0.2f;
    std::memcpy(in, x.data(), in_size);
    ASSERT_EQ(axle_context_invoke(ctx), AXLE_OK) << axle_last_error();
    const void* out = nullptr;
    size_t out_size = 0;
    ASSERT_EQ(axle_context_output_buffer(ctx, 0, &out, &out_size), AXLE_OK);
    const float* y = static_cast<const float*>(out);
    for (int oy = 0; oy < 3; ++oy)
      for (int ox = 0; ox < 3; ++ox)
        for (int n = 0; n < 16; ++n) {
          double want = 0;
          for (int ky = 0; ky < 3; ++ky)
            for (int kx = 0; kx < 3; ++kx)
              for (int c = 0; c < 3; ++c) {
                const int iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
                if (iy < 0 || iy >= 5 || ix < 0 || ix >= 5) continue;
                const int k = (ky * 3 + kx) * 3 + c;
                want += double(x[(iy * 5 + ix) * 3 + c]) *
                        (0.01 * static_cast<double>((k * 16 + n) % 37) - 0.1);
              }
          EXPECT_NEAR(y[(oy * 3 + ox) * 16 + n], want, 1e-5) << oy << "," << ox << "," << n;
        }
    axle_context_destroy(ctx);
    axle_model_release(m);
  }
  const Case cases[] = {
      {"nine window values", [](ModelSpec& s) { s.steps[0].params.list.pop_back(); }, nullptr,
       AXLE_INVALID_MODEL, "LinearParams.conv_window has 9 values"},
      {"zero stride", [](ModelSpec& s) { s.steps[0].params.list[2] = 0; }, nullptr,
       AXLE_INVALID_MODEL, "LinearParams.conv_window value 2 is 0"},
      {"negative pad", [](ModelSpec& s) { s.steps[0].params.list[5] = -1; }, nullptr,
       AXLE_INVALID_MODEL, "LinearParams.conv_window value 5 is -1"},
      {"unpacked weights",
       [](ModelSpec& s) { s.steps[0].params.weight_layout = fb::WeightLayout_KN; }, nullptr,
       AXLE_INVALID_MODEL, "needs its weight packed"},
      {"output extent", [](ModelSpec& s) { s.steps[0].params.list[2] = 1; }, nullptr,
       AXLE_INVALID_MODEL, "output 0 is f32[1,3,3,16], but its inputs give f32[1,5,3,16]"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(LoadBytes(ConvLinear(c.edit_spec)), c.code) << c.kind;
    EXPECT_NE(std::string(axle_last_error()).find(c.message), std::string::npos)
        << c.kind << ": expected '" << c.message << "' in: " << axle_last_error();
  }
}

TEST(Validator, RejectsMisalignedCallerBufferAndMissingFile) {
  const std::vector<uint8_t> bytes = Build(nullptr, false);
  AlignedBytes buf(std::vector<uint8_t>(bytes.size() + 8));
  std::memcpy(const_cast<uint8_t*>(buf.data()) + 8, bytes.data(), bytes.size());
  axle_model_t* m = nullptr;
  EXPECT_EQ(axle_model_load_buffer(buf.data() + 8, bytes.size(), &m), AXLE_INVALID_ARGUMENT);
  EXPECT_NE(std::string(axle_last_error()).find("not 64-byte aligned"), std::string::npos);
  EXPECT_EQ(m, nullptr);
  EXPECT_EQ(axle_model_load_file("/nonexistent/model.axm", &m), AXLE_IO_ERROR);
  EXPECT_NE(std::string(axle_last_error()).find("cannot open '/nonexistent/model.axm'"),
            std::string::npos);
  EXPECT_EQ(axle_model_load_file("/tmp", &m), AXLE_IO_ERROR);
}

}  // namespace
}  // namespace axle
