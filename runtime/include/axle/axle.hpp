// Thin C++ wrapper over axle.h: RAII ownership of models and contexts. Header-only, builds
// with or without exceptions; errors are axle_status_t as in the C API.
#ifndef AXLE_AXLE_HPP_
#define AXLE_AXLE_HPP_

#include <cstddef>
#include <utility>

#include "axle/axle.h"

namespace axle {

// Owns one reference to a loaded model.
class LoadedModel {
 public:
  LoadedModel() = default;
  ~LoadedModel() { axle_model_release(model_); }
  LoadedModel(const LoadedModel& o) : model_(o.model_) { axle_model_retain(model_); }
  LoadedModel& operator=(LoadedModel o) {
    std::swap(model_, o.model_);
    return *this;
  }

  static axle_status_t FromFile(const char* path, LoadedModel* out) {
    LoadedModel m;
    const axle_status_t s = axle_model_load_file(path, &m.model_);
    if (s == AXLE_OK) *out = std::move(m);
    return s;
  }
  // The buffer is borrowed: it must outlive every copy of the model.
  static axle_status_t FromBuffer(const void* data, size_t size, LoadedModel* out) {
    LoadedModel m;
    const axle_status_t s = axle_model_load_buffer(data, size, &m.model_);
    if (s == AXLE_OK) *out = std::move(m);
    return s;
  }

  axle_model_t* get() const { return model_; }
  explicit operator bool() const { return model_ != nullptr; }
  axle_model_info_t info() const {
    axle_model_info_t i{};
    axle_model_get_info(model_, &i);
    return i;
  }
  axle_tensor_info_t tensor(uint32_t index) const {
    axle_tensor_info_t t{};
    axle_model_tensor_info(model_, index, &t);
    return t;
  }
  uint32_t input_tensor(uint32_t i) const {
    uint32_t t = AXLE_ABSENT_TENSOR;
    axle_model_input(model_, i, &t);
    return t;
  }
  uint32_t output_tensor(uint32_t i) const {
    uint32_t t = AXLE_ABSENT_TENSOR;
    axle_model_output(model_, i, &t);
    return t;
  }

 private:
  axle_model_t* model_ = nullptr;
};

// Execution options for ExecutionContext::Create, defaults as in the C API:
//   ContextOptions().threads(2).cpus(list, 2).spin_microseconds(AXLE_SPIN_NEVER)
// The CPU list is read (and copied) by Create only.
class ContextOptions {
 public:
  ContextOptions() : o_() {}
  ContextOptions& threads(int n) {
    o_.num_threads = n;
    return *this;
  }
  ContextOptions& cpus(const int32_t* list, uint32_t count) {
    o_.cpus = list;
    o_.num_cpus = count;
    return *this;
  }
  ContextOptions& spin_microseconds(int32_t us) {
    o_.spin_microseconds = us;
    return *this;
  }
  // A caller-owned arena (see axle_context_options_t).
  ContextOptions& arena(void* data, size_t size) {
    o_.arena = data;
    o_.arena_size = size;
    return *this;
  }
  const axle_context_options_t* get() const { return &o_; }

 private:
  axle_context_options_t o_;
};

// Owns one execution context; movable, not copyable.
class ExecutionContext {
 public:
  ExecutionContext() = default;
  ~ExecutionContext() { axle_context_destroy(context_); }
  ExecutionContext(ExecutionContext&& o) noexcept : context_(std::exchange(o.context_, nullptr)) {}
  ExecutionContext& operator=(ExecutionContext&& o) noexcept {
    std::swap(context_, o.context_);
    return *this;
  }
  ExecutionContext(const ExecutionContext&) = delete;
  ExecutionContext& operator=(const ExecutionContext&) = delete;

  static axle_status_t Create(const LoadedModel& model, ExecutionContext* out,
                              const axle_context_options_t* options = nullptr) {
    ExecutionContext c;
    const axle_status_t s = axle_context_create(model.get(), options, &c.context_);
    if (s == AXLE_OK) *out = std::move(c);
    return s;
  }

  static axle_status_t Create(const LoadedModel& model, const ContextOptions& options,
                              ExecutionContext* out) {
    return Create(model, out, options.get());
  }

  axle_context_t* get() const { return context_; }
  axle_status_t Invoke() { return axle_context_invoke(context_); }
  axle_status_t BindInput(uint32_t i, const void* data, size_t size) {
    return axle_context_bind_input(context_, i, data, size);
  }
  axle_status_t BindOutput(uint32_t i, void* data, size_t size) {
    return axle_context_bind_output(context_, i, data, size);
  }
  // Typed access to an input's or output's current buffer; null on a bad index.
  template <typename T>
  T* input(uint32_t i) {
    void* p = nullptr;
    size_t n = 0;
    return axle_context_input_buffer(context_, i, &p, &n) == AXLE_OK ? static_cast<T*>(p) : nullptr;
  }
  template <typename T>
  const T* output(uint32_t i) {
    const void* p = nullptr;
    size_t n = 0;
    return axle_context_output_buffer(context_, i, &p, &n) == AXLE_OK ? static_cast<const T*>(p)
                                                                      : nullptr;
  }

 private:
  axle_context_t* context_ = nullptr;
};

}  // namespace axle

#endif  // AXLE_AXLE_HPP_
