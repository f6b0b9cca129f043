// Serialization of ModelSpec into the .axm layout (see runtime/schema/axle_model.fbs).
#include "runtime/writer/model_writer.h"

#include <cstdio>
#include <cstring>

#include "runtime/schema/axle_model_generated.h"

namespace axle {
namespace {

namespace fb = ::axle::schema;
constexpr uint64_t kAlign = 64;

uint64_t AlignUp(uint64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

uint64_t ByteSize(DType dtype, const std::vector<int64_t>& shape) {
  uint64_t n = DTypeSize(dtype);
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n;
}

flatbuffers::Offset<void> BuildParams(flatbuffers::FlatBufferBuilder& b, const ParamsSpec& p) {
  switch (p.kind) {
  case ParamsSpec::kNone: return 0;
  case ParamsSpec::kGemm:
    return fb::CreateGemmParams(b, p.alpha, p.beta, p.trans_a, p.trans_b).Union();
  case ParamsSpec::kAxis: return fb::CreateAxisParams(b, p.axis).Union();
  case ParamsSpec::kLayerNorm: return fb::CreateLayerNormParams(b, p.axis, p.epsilon).Union();
  case ParamsSpec::kReduce:
    return fb::CreateReduceParams(b, b.CreateVector(p.list), p.keepdims).Union();
  case ParamsSpec::kTranspose: return fb::CreateTransposeParams(b, b.CreateVector(p.list)).Union();
  case ParamsSpec::kSlice:
    return fb::CreateSliceParams(b, b.CreateVector(p.list), b.CreateVector(p.list2)).Union();
  case ParamsSpec::kUnary: return fb::CreateUnaryParams(b, p.alpha, p.beta).Union();
  case ParamsSpec::kActivation:
    return fb::CreateActivationParams(b, static_cast<fb::Activation>(p.activation)).Union();
  case ParamsSpec::kAttention:
    return fb::CreateAttentionParams(b, static_cast<int32_t>(p.num_heads), p.alpha,
                                     static_cast<fb::MaskMode>(p.mask), p.beta,
                                     static_cast<int32_t>(p.kv_heads), p.zero_empty_rows)
        .Union();
  case ParamsSpec::kLinear:
    return fb::CreateLinearParams(b, static_cast<fb::Activation>(p.activation),
                                  static_cast<fb::WeightLayout>(p.weight_layout), p.input_scale,
                                  p.input_zero_point, p.weight_group,
                                  p.list.empty() ? 0 : b.CreateVector(p.list))
        .Union();
  case ParamsSpec::kElementwise:
    return fb::CreateElementwiseParams(b, b.CreateVector(p.code), b.CreateVector(p.constants))
        .Union();
  case ParamsSpec::kIndex:
    return fb::CreateIndexParams(b, p.axis, p.batch_dims,
                                 static_cast<fb::ScatterReduction>(p.reduction), p.keepdims,
                                 p.select_last_index, p.largest, p.exclusive, p.reverse)
        .Union();
  case ParamsSpec::kWindow:
    return fb::CreateWindowParams(b, b.CreateVector(p.list), b.CreateVector(p.list2),
                                  b.CreateVector(p.list3), b.CreateVector(p.list4), p.group,
                                  static_cast<fb::PoolMode>(p.mode), p.count_include_pad, p.p,
                                  p.channels_last, static_cast<fb::Activation>(p.activation))
        .Union();
  case ParamsSpec::kSample:
    return fb::CreateSampleParams(b, static_cast<fb::SampleMode>(p.mode),
                                  static_cast<fb::SamplePadding>(p.padding), p.align_corners)
        .Union();
  case ParamsSpec::kPad:
    return fb::CreatePadParams(b, static_cast<fb::PadMode>(p.mode), b.CreateVector(p.list),
                               p.pad_value)
        .Union();
  }
  return 0;
}

std::vector<uint8_t> BuildTable(const ModelSpec& s, uint64_t constants_offset) {
  flatbuffers::FlatBufferBuilder b(1024);
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  for (const TensorSpec& t : s.tensors)
    tensors.push_back(fb::CreateTensor(b, b.CreateString(t.name), static_cast<fb::DType>(t.dtype),
                                       b.CreateVector(t.shape),
                                       static_cast<fb::StorageClass>(t.storage), t.offset, t.size,
                                       /*quantization=*/0, t.memory_space));
  std::vector<flatbuffers::Offset<fb::Step>> steps;
  for (const StepSpec& st : s.steps)
    steps.push_back(fb::CreateStep(b, static_cast<fb::OpCode>(st.opcode), b.CreateVector(st.inputs),
                                   b.CreateVector(st.outputs),
                                   static_cast<fb::Params>(st.params.kind),
                                   BuildParams(b, st.params), b.CreateString(st.name), st.backend));
  const auto metadata =
      fb::CreateMetadata(b, b.CreateString(s.producer), b.CreateString(s.source_model_hash),
                         b.CreateString(s.compile_options));
  const fb::Segment segment(constants_offset, s.constants.size());
  const auto root = fb::CreateModel(
      b, s.schema_version, b.CreateString(s.producer_version), b.CreateString(s.target),
      b.CreateVector(tensors), b.CreateVector(steps), b.CreateVector(s.inputs),
      b.CreateVector(s.outputs), s.arena_size, &segment, metadata,
      s.cpu_arch.empty() ? 0 : b.CreateString(s.cpu_arch),
      s.cpu_features.empty() ? 0 : b.CreateString(s.cpu_features), s.cpu_features_optional);
  fb::FinishSizePrefixedModelBuffer(b, root);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

}  // namespace

ParamsSpec ParamsSpec::Axis(int64_t axis) {
  ParamsSpec p;
  p.kind = kAxis;
  p.axis = axis;
  return p;
}
ParamsSpec ParamsSpec::Gemm(float alpha, float beta, bool trans_a, bool trans_b) {
  ParamsSpec p;
  p.kind = kGemm;
  p.alpha = alpha;
  p.beta = beta;
  p.trans_a = trans_a;
  p.trans_b = trans_b;
  return p;
}
ParamsSpec ParamsSpec::LayerNorm(int64_t axis, float epsilon) {
  ParamsSpec p;
  p.kind = kLayerNorm;
  p.axis = axis;
  p.epsilon = epsilon;
  return p;
}
ParamsSpec ParamsSpec::Reduce(std::vector<int64_t> axes, bool keepdims) {
  ParamsSpec p;
  p.kind = kReduce;
  p.list = std::move(axes);
  p.keepdims = keepdims;
  return p;
}
ParamsSpec ParamsSpec::Transpose(std::vector<int64_t> perm) {
  ParamsSpec p;
  p.kind = kTranspose;
  p.list = std::move(perm);
  return p;
}
ParamsSpec ParamsSpec::Slice(std::vector<int64_t> starts, std::vector<int64_t> steps) {
  ParamsSpec p;
  p.kind = kSlice;
  p.list = std::move(starts);
  p.list2 = std::move(steps);
  return p;
}
ParamsSpec ParamsSpec::Activation(uint8_t activation) {
  ParamsSpec p;
  p.kind = kActivation;
  p.activation = activation;
  return p;
}

ParamsSpec ParamsSpec::Linear(uint8_t activation, uint8_t weight_layout, float input_scale,
                              int32_t input_zero_point, int32_t weight_group) {
  ParamsSpec p;
  p.kind = kLinear;
  p.weight_group = weight_group;
  p.activation = activation;
  p.weight_layout = weight_layout;
  p.input_scale = input_scale;
  p.input_zero_point = input_zero_point;
  return p;
}

ParamsSpec ParamsSpec::Attention(int64_t num_heads, float scale, uint8_t mask, float mask_fill,
                                 int64_t kv_heads, bool zero_empty_rows) {
  ParamsSpec p;
  p.kind = kAttention;
  p.num_heads = num_heads;
  p.kv_heads = kv_heads;
  p.zero_empty_rows = zero_empty_rows;
  p.alpha = scale;
  p.mask = mask;
  p.beta = mask_fill;
  return p;
}

ParamsSpec ParamsSpec::Elementwise(std::vector<uint8_t> code, std::vector<float> constants) {
  ParamsSpec p;
  p.kind = kElementwise;
  p.code = std::move(code);
  p.constants = std::move(constants);
  return p;
}

ParamsSpec ParamsSpec::Index(int64_t axis) {
  ParamsSpec p;
  p.kind = kIndex;
  p.axis = axis;
  return p;
}

ParamsSpec ParamsSpec::Window(std::vector<int64_t> kernel, std::vector<int64_t> strides,
                              std::vector<int64_t> pads, std::vector<int64_t> dilations) {
  ParamsSpec p;
  p.kind = kWindow;
  p.list = std::move(kernel);
  p.list2 = std::move(strides);
  p.list3 = std::move(pads);
  p.list4 = std::move(dilations);
  return p;
}

ParamsSpec ParamsSpec::Pad(uint8_t mode, std::vector<int64_t> pads, double value) {
  ParamsSpec p;
  p.kind = kPad;
  p.mode = mode;
  p.list = std::move(pads);
  p.pad_value = value;
  return p;
}

ParamsSpec ParamsSpec::Sample(uint8_t mode, uint8_t padding, bool align_corners) {
  ParamsSpec p;
  p.kind = kSample;
  p.mode = mode;
  p.padding = padding;
  p.align_corners = align_corners;
  return p;
}

ParamsSpec ParamsSpec::Unary(float alpha, float beta) {
  ParamsSpec p;
  p.kind = kUnary;
  p.alpha = alpha;
  p.beta = beta;
  return p;
}

std::vector<uint8_t> SerializeModel(const ModelSpec& spec) {
  // The segment offset is stored inside the table it follows: build once to learn the table's
  // size, then again with the real offset (the Segment struct has a fixed size, so the second
  // build has the same length).
  std::vector<uint8_t> table = BuildTable(spec, 0);
  const uint64_t offset = AlignUp(table.size());
  if (!spec.constants.empty())
    table = BuildTable(spec, spec.constants_offset_override >= 0
                                 ? static_cast<uint64_t>(spec.constants_offset_override)
                                 : offset);
  std::vector<uint8_t> file = table;
  if (!spec.constants.empty()) {
    file.resize(offset, 0);
    file.insert(file.end(), spec.constants.begin(), spec.constants.end());
  }
  return file;
}

bool WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok;
}

uint32_t ModelBuilder::AddArenaTensor(const std::string& name, DType dtype,
                                      const std::vector<int64_t>& shape, int8_t storage) {
  TensorSpec t;
  t.name = name;
  t.dtype = static_cast<int8_t>(dtype);
  t.shape = shape;
  t.storage = storage;
  t.size = ByteSize(dtype, shape);
  t.offset = spec_.arena_size;
  spec_.arena_size = AlignUp(spec_.arena_size + t.size);
  spec_.tensors.push_back(t);
  return static_cast<uint32_t>(spec_.tensors.size() - 1);
}

uint32_t ModelBuilder::Input(const std::string& name, DType dtype,
                             const std::vector<int64_t>& shape) {
  const uint32_t t = AddArenaTensor(name, dtype, shape, fb::StorageClass_Input);
  spec_.inputs.push_back(t);
  return t;
}

uint32_t ModelBuilder::Output(const std::string& name, DType dtype,
                              const std::vector<int64_t>& shape) {
  const uint32_t t = AddArenaTensor(name, dtype, shape, fb::StorageClass_Output);
  spec_.outputs.push_back(t);
  return t;
}

uint32_t ModelBuilder::Intermediate(const std::string& name, DType dtype,
                                    const std::vector<int64_t>& shape) {
  return AddArenaTensor(name, dtype, shape, fb::StorageClass_Arena);
}

uint32_t ModelBuilder::Constant(const std::string& name, DType dtype,
                                const std::vector<int64_t>& shape, const void* data) {
  TensorSpec t;
  t.name = name;
  t.dtype = static_cast<int8_t>(dtype);
  t.shape = shape;
  t.storage = fb::StorageClass_Constant;
  t.size = ByteSize(dtype, shape);
  t.offset = AlignUp(spec_.constants.size());
  spec_.constants.resize(t.offset + t.size, 0);
  if (t.size) std::memcpy(spec_.constants.data() + t.offset, data, t.size);
  spec_.constants.resize(AlignUp(spec_.constants.size()), 0);
  spec_.tensors.push_back(t);
  return static_cast<uint32_t>(spec_.tensors.size() - 1);
}

void ModelBuilder::Step(uint16_t opcode, std::vector<uint32_t> inputs,
                        std::vector<uint32_t> outputs, ParamsSpec params, std::string name) {
  StepSpec s;
  s.opcode = opcode;
  s.inputs = std::move(inputs);
  s.outputs = std::move(outputs);
  s.params = std::move(params);
  s.name = std::move(name);
  spec_.steps.push_back(std::move(s));
}

}  // namespace axle
