// An execution context: one arena, the data pointer of every tensor, and per-step scratch
// views, all allocated at creation so that Invoke allocates nothing.
#ifndef AXLE_RUNTIME_SRC_CONTEXT_H_
#define AXLE_RUNTIME_SRC_CONTEXT_H_

#include <memory>

#include "runtime/src/model.h"
#include "runtime/src/thread_pool.h"

namespace axle {

class Context {
 public:
  static Status Create(Model* model, void* arena, size_t arena_size, const ThreadPoolOptions& pool,
                       Context** out);
  ~Context();

  Status Bind(bool is_input, uint32_t index, void* data, size_t size);
  Status Buffer(bool is_input, uint32_t index, void** data, size_t* size);
  Status Invoke();
  // Per-step wall time in nanoseconds is added into step_ns[0, num_steps) by each Invoke while
  // set; null stops it.
  Status SetProfile(uint64_t* step_ns, uint32_t num_steps);
  // The implementation the last invoke used for `step` (OpArgs::impl); "" before any invoke.
  Status StepImpl(uint32_t step, const char** impl) const;

 private:
  // Holds its model reference from construction, so that a Create that fails half-way (its
  // unique_ptr deleting the context) releases only what it retained.
  explicit Context(Model* model) : model_(model) { model_->Retain(); }

  Model* model_;  // holds one reference
  uint8_t* arena_ = nullptr;
  bool owns_arena_ = false;
  std::unique_ptr<void*[]> data_;  // per tensor
  std::unique_ptr<TensorView[]> views_;
  std::unique_ptr<const TensorView*[]> view_ptrs_;
  std::unique_ptr<const char*[]> impl_;  // per step
  std::unique_ptr<ThreadPool> pool_;
  uint64_t* profile_ = nullptr;
};

}  // namespace axle

#endif  // AXLE_RUNTIME_SRC_CONTEXT_H_
