// Writes .axm model files. Used by the compiler's emitter, by tests (which corrupt a ModelSpec
// on purpose before serializing it) and by tools that build small models by hand.
// Not part of libaxle_runtime.a: a deployed runtime only reads models.
#ifndef AXLE_RUNTIME_WRITER_MODEL_WRITER_H_
#define AXLE_RUNTIME_WRITER_MODEL_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/common/tensor.h"

namespace axle {

// Raw fields of the schema, deliberately unchecked so tests can write invalid files.
struct TensorSpec {
  std::string name;
  int8_t dtype = 0;  // schema DType
  std::vector<int64_t> shape;
  int8_t storage = 1;  // schema StorageClass
  uint64_t offset = 0;
  uint64_t size = 0;
  uint8_t memory_space = 0;  // Tensor.memory_space (0 = host)
};

// A step's parameter table; kind selects the schema union member (0 = none).
struct ParamsSpec {
  // Numbered as the schema's Params union.
  enum Kind : uint8_t {
    kNone = 0,
    kGemm,
    kAxis,
    kLayerNorm,
    kReduce,
    kTranspose,
    kSlice,
    kUnary,
    kActivation,
    kAttention,
    kElementwise,
    kLinear,
    kIndex,
    kWindow,
    kPad,
    kSample,
  };
  Kind kind = kNone;
  float alpha = 1.0f, beta = 1.0f, epsilon = 1e-5f;
  bool trans_a = false, trans_b = false, keepdims = true;
  int64_t axis = 0;
  std::vector<int64_t> list;   // reduce axes, transpose perm, slice starts
  std::vector<int64_t> list2;  // slice steps
  uint8_t activation = 0;      // schema Activation
  uint8_t weight_layout = 0;   // schema WeightLayout
  float input_scale = 1.0f;    // LinearInt8
  int32_t input_zero_point = 0;
  int32_t weight_group = 32;   // LinearWeightOnly w4panel16
  int64_t num_heads = 1;       // attention (scale in alpha, mask_fill in beta)
  int64_t kv_heads = 0;        // attention: K/V heads, 0 = num_heads
  bool zero_empty_rows = false;  // attention: fully masked query rows give 0
  uint8_t mask = 0;            // schema MaskMode
  std::vector<uint8_t> code;   // fused elementwise program
  std::vector<float> constants;
  // IndexParams (axis above, keepdims above)
  int64_t batch_dims = 0;
  uint8_t reduction = 0;  // schema ScatterReduction
  bool select_last_index = false, largest = true, exclusive = false, reverse = false;
  // WindowParams: kernel in list, strides in list2, pads in list3, dilations in list4
  std::vector<int64_t> list3, list4;
  int64_t group = 1;
  uint8_t mode = 0;  // schema PoolMode (WindowParams) or PadMode (PadParams; pads in list)
  bool count_include_pad = false;
  bool channels_last = false;  // window: Pool over [N, H, W, C]
  int64_t p = 2;
  double pad_value = 0;
  // SampleParams: mode above (schema SampleMode)
  uint8_t padding = 0;  // schema SamplePadding
  bool align_corners = false;

  static ParamsSpec Index(int64_t axis);
  static ParamsSpec Window(std::vector<int64_t> kernel, std::vector<int64_t> strides,
                           std::vector<int64_t> pads, std::vector<int64_t> dilations);
  static ParamsSpec Pad(uint8_t mode, std::vector<int64_t> pads, double value);
  static ParamsSpec Sample(uint8_t mode, uint8_t padding, bool align_corners);
  static ParamsSpec Axis(int64_t axis);
  static ParamsSpec Gemm(float alpha, float beta, bool trans_a, bool trans_b);
  static ParamsSpec LayerNorm(int64_t axis, float epsilon);
  static ParamsSpec Reduce(std::vector<int64_t> axes, bool keepdims);
  static ParamsSpec Transpose(std::vector<int64_t> perm);
  static ParamsSpec Slice(std::vector<int64_t> starts, std::vector<int64_t> steps);
  static ParamsSpec Unary(float alpha, float beta);
  static ParamsSpec Activation(uint8_t activation);
  static ParamsSpec Linear(uint8_t activation, uint8_t weight_layout, float input_scale = 1.0f,
                           int32_t input_zero_point = 0, int32_t weight_group = 32);
  static ParamsSpec Attention(int64_t num_heads, float scale, uint8_t mask, float mask_fill,
                              int64_t kv_heads = 0, bool zero_empty_rows = false);
  static ParamsSpec Elementwise(std::vector<uint8_t> code, std::vector<float> constants);
};

struct StepSpec {
  uint16_t opcode = 0;  // schema OpCode
  std::vector<uint32_t> inputs, outputs;
  ParamsSpec params;
  std::string name;
  uint8_t backend = 0;  // Step.backend (0 = CPU)
};

struct ModelSpec {
  uint32_t schema_version = 1;
  std::string producer_version = "0.1.0";
  std::string target = "host";
  std::string cpu_arch, cpu_features;  // Model.cpu_*: the target CPU ("" = any)
  bool cpu_features_optional = false;
  std::string producer = "axle 0.1.0";
  std::string source_model_hash;
  std::string compile_options;
  std::vector<TensorSpec> tensors;
  std::vector<StepSpec> steps;
  std::vector<uint32_t> inputs, outputs;
  uint64_t arena_size = 0;
  std::vector<uint8_t> constants;  // the constant segment's bytes
  // Tests only: record this offset for the constant segment instead of where it is written.
  int64_t constants_offset_override = -1;
};

// Serializes a spec: size-prefixed flatbuffer, zero padding to 64 bytes, constant segment.
std::vector<uint8_t> SerializeModel(const ModelSpec& spec);
// Writes bytes to a file; false (with errno set) on failure.
bool WriteFile(const std::string& path, const std::vector<uint8_t>& bytes);

// Builds a valid spec op by op: every tensor gets its own 64-byte aligned arena slot (no reuse;
// memory planning is the compiler's job) and constants are packed 64-byte aligned.
class ModelBuilder {
 public:
  uint32_t Input(const std::string& name, DType dtype, const std::vector<int64_t>& shape);
  uint32_t Output(const std::string& name, DType dtype, const std::vector<int64_t>& shape);
  uint32_t Intermediate(const std::string& name, DType dtype, const std::vector<int64_t>& shape);
  uint32_t Constant(const std::string& name, DType dtype, const std::vector<int64_t>& shape,
                    const void* data);
  template <typename T>
  uint32_t Constant(const std::string& name, DType dtype, const std::vector<int64_t>& shape,
                    const std::vector<T>& values) {
    return Constant(name, dtype, shape, values.data());
  }
  void Step(uint16_t opcode, std::vector<uint32_t> inputs, std::vector<uint32_t> outputs,
            ParamsSpec params = {}, std::string name = "");

  ModelSpec& spec() { return spec_; }
  std::vector<uint8_t> Serialize() const { return SerializeModel(spec_); }

 private:
  uint32_t AddArenaTensor(const std::string& name, DType dtype, const std::vector<int64_t>& shape,
                          int8_t storage);
  ModelSpec spec_;
};

}  // namespace axle

#endif  // AXLE_RUNTIME_WRITER_MODEL_WRITER_H_
