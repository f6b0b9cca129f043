// The loaded model: the mapped file plus a decoded, validated plan that contexts walk.
#ifndef AXLE_RUNTIME_SRC_MODEL_H_
#define AXLE_RUNTIME_SRC_MODEL_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "axle/axle.h"
#include "kernels/common/tensor.h"
#include "runtime/src/status.h"

namespace axle {

struct OpInfo;

constexpr uint32_t kAbsent = AXLE_ABSENT_TENSOR;
constexpr uint64_t kAlignment = 64;

struct TensorDesc {
  TensorView view;  // data is set for constants (into the file), null otherwise
  const char* name = "";
  axle_storage_t storage = AXLE_STORAGE_ARENA;
  uint64_t offset = 0;
  uint64_t size = 0;
};

// Op parameters decoded from the file once, at load.
struct StepParams {
  int64_t axis = 0;
  float alpha = 1.0f, beta = 1.0f, epsilon = 1e-5f;
  bool trans_a = false, trans_b = false, keepdims = true;
  uint32_t axes_mask = 0;
  int64_t perm[kMaxRank] = {};
  int64_t starts[kMaxRank] = {};
  int64_t steps[kMaxRank] = {};
  uint8_t activation = 0;         // ref::Activation
  uint8_t weight_layout = 0;      // schema WeightLayout (Linear, LinearInt8)
  float input_scale = 1.0f;       // LinearInt8
  int32_t input_zero_point = 0;   // LinearInt8
  int32_t weight_group = 32;      // LinearWeightOnly w4panel16: rows per int4 scale
  int64_t num_heads = 1;          // Attention; scale in alpha
  uint8_t mask_mode = 0;          // ref::MaskMode; mask_fill in beta
  int64_t kv_heads = 0;           // Attention: K/V heads; 0 = num_heads (no grouping)
  bool zero_empty_rows = false;   // Attention: fully masked query rows give 0, not NaN
  const uint8_t* code = nullptr;  // FusedElementwise program, pointing into the file
  int64_t code_size = 0;
  const float* constants = nullptr;  // its immediates (into the file, 4-byte aligned)
  int64_t num_constants = 0;
  // IndexParams
  int64_t batch_dims = 0;
  uint8_t reduction = 0;  // ref::ScatterReduction
  bool select_last_index = false, largest = true, exclusive = false, reverse = false;
  // WindowParams (spatial dimensions: window_rank), PadParams (pads of every dimension)
  int32_t window_rank = 0;
  int64_t kernel[kMaxRank] = {};
  int64_t strides[kMaxRank] = {};
  int64_t dilations[kMaxRank] = {};
  int64_t pads[2 * kMaxRank] = {};
  int32_t num_pads = 0;
  int64_t group = 1;
  uint8_t pool = 0;  // ref::PoolMode; PadParams: ref::PadMode
  bool count_include_pad = false;
  bool channels_last = false;  // Pool: [N, H, W, C]
  int64_t p = 2;
  double pad_value = 0;
  // SampleParams (mode in `pool`)
  uint8_t padding = 0;
  bool align_corners = false;
};

struct StepDesc {
  uint16_t opcode = 0;
  const OpInfo* op = nullptr;
  const char* name = "";
  uint32_t first_operand = 0;  // inputs, then outputs, in Model::operands
  uint32_t num_inputs = 0;
  uint32_t num_outputs = 0;
  StepParams params;
};

class Model {
 public:
  // Validates the model in data[0, size); munmaps it on destruction when owns_mapping.
  static Status Load(const uint8_t* data, uint64_t size, bool owns_mapping, Model** out);
  ~Model();

  void Retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Release() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  uint32_t num_tensors() const { return num_tensors_; }
  uint32_t num_steps() const { return num_steps_; }
  const TensorDesc& tensor(uint32_t i) const { return tensors_[i]; }
  const StepDesc& step(uint32_t i) const { return steps_[i]; }
  const uint32_t* step_inputs(const StepDesc& s) const { return &operands_[s.first_operand]; }
  const uint32_t* step_outputs(const StepDesc& s) const {
    return &operands_[s.first_operand + s.num_inputs];
  }
  uint32_t num_inputs() const { return num_inputs_; }
  uint32_t num_outputs() const { return num_outputs_; }
  const uint32_t* inputs() const { return io_.get(); }
  const uint32_t* outputs() const { return io_.get() + num_inputs_; }
  uint32_t max_step_operands() const { return max_step_operands_; }
  const axle_model_info_t& info() const { return info_; }
  // The CPU the plan was compiled for (Model.target, cpu_arch, cpu_features, ...).
  const axle_cpu_target_t& cpu_target() const { return cpu_target_; }

 private:
  Model() = default;
  Status Parse();

  std::atomic<int> refs_{1};
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
  bool owns_mapping_ = false;
  axle_model_info_t info_{};
  axle_cpu_target_t cpu_target_{};
  uint32_t num_tensors_ = 0, num_steps_ = 0, num_inputs_ = 0, num_outputs_ = 0;
  uint32_t max_step_operands_ = 0;
  std::unique_ptr<TensorDesc[]> tensors_;
  std::unique_ptr<StepDesc[]> steps_;
  std::unique_ptr<uint32_t[]> operands_;
  std::unique_ptr<uint32_t[]> io_;
};

// Formats "step 3 (Gather 'node_name'): " for messages.
Status StepError(const StepDesc& step, uint32_t index, Status code, const char* format, ...)
    __attribute__((format(printf, 4, 5)));

}  // namespace axle

#endif  // AXLE_RUNTIME_SRC_MODEL_H_
