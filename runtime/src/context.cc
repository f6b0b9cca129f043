// Context creation, input/output binding and the invoke loop.
#include "runtime/src/context.h"

#include <cinttypes>
#include <cstdlib>
#include <new>

#include "runtime/src/clock.h"
#include "runtime/src/op_table.h"

namespace axle {

Status Context::Create(Model* model, void* arena, size_t arena_size, const ThreadPoolOptions& pool,
                       Context** out) {
  const uint64_t need = model->info().arena_bytes;
  if (arena) {
    if (reinterpret_cast<uintptr_t>(arena) % kAlignment != 0)
      return Error(AXLE_INVALID_ARGUMENT, "caller arena at %p is not %llu-byte aligned", arena,
                   static_cast<unsigned long long>(kAlignment));
    if (arena_size < need)
      return Error(AXLE_INVALID_ARGUMENT, "caller arena has %zu bytes; the model needs %llu",
                   arena_size, static_cast<unsigned long long>(need));
  }
  std::unique_ptr<Context> c(new (std::nothrow) Context(model));
  if (!c) return Error(AXLE_RESOURCE_EXHAUSTED, "out of memory creating a context");
  const uint32_t n = model->num_tensors();
  const uint32_t ops = model->max_step_operands() ? model->max_step_operands() : 1;
  c->data_.reset(new (std::nothrow) void*[n]);
  c->views_.reset(new (std::nothrow) TensorView[ops]);
  c->view_ptrs_.reset(new (std::nothrow) const TensorView*[ops]);
  c->impl_.reset(new (std::nothrow) const char*[model->num_steps() ? model->num_steps() : 1]);
  if (!c->data_ || !c->views_ || !c->view_ptrs_ || !c->impl_)
    return Error(AXLE_RESOURCE_EXHAUSTED, "out of memory creating a context");
  if (arena) {
    c->arena_ = static_cast<uint8_t*>(arena);
  } else if (need > 0) {
    void* p = nullptr;
    if (posix_memalign(&p, kAlignment, need) != 0)
      return Error(AXLE_RESOURCE_EXHAUSTED, "cannot allocate the %llu-byte arena",
                   static_cast<unsigned long long>(need));
    c->arena_ = static_cast<uint8_t*>(p);
    c->owns_arena_ = true;
  }
  for (uint32_t i = 0; i < model->num_steps(); ++i) c->impl_[i] = "";
  AXLE_RETURN_IF_ERROR(ThreadPool::Create(pool, &c->pool_));
  for (uint32_t t = 0; t < n; ++t) {
    const TensorDesc& d = model->tensor(t);
    c->data_[t] = d.storage == AXLE_STORAGE_CONSTANT ? d.view.data : c->arena_ + d.offset;
  }
  *out = c.release();
  return AXLE_OK;
}

Context::~Context() {
  if (owns_arena_) std::free(arena_);
  model_->Release();
}

Status Context::Bind(bool is_input, uint32_t index, void* data, size_t size) {
  const uint32_t count = is_input ? model_->num_inputs() : model_->num_outputs();
  const char* what = is_input ? "input" : "output";
  if (index >= count)
    return Error(AXLE_INVALID_ARGUMENT, "%s index %u is out of range: the model has %u", what,
                 index, count);
  const uint32_t t = is_input ? model_->inputs()[index] : model_->outputs()[index];
  const TensorDesc& d = model_->tensor(t);
  if (!data) {
    data_[t] = arena_ + d.offset;
    return AXLE_OK;
  }
  if (size != d.size)
    return Error(AXLE_INVALID_ARGUMENT, "%s %u '%s': buffer has %zu bytes; the tensor needs %llu",
                 what, index, d.name, size, static_cast<unsigned long long>(d.size));
  const size_t align = DTypeSize(d.view.dtype);
  if (reinterpret_cast<uintptr_t>(data) % align != 0)
    return Error(AXLE_INVALID_ARGUMENT, "%s %u '%s': buffer %p is not aligned to %zu bytes", what,
                 index, d.name, data, align);
  data_[t] = data;
  return AXLE_OK;
}

Status Context::Buffer(bool is_input, uint32_t index, void** data, size_t* size) {
  const uint32_t count = is_input ? model_->num_inputs() : model_->num_outputs();
  if (index >= count)
    return Error(AXLE_INVALID_ARGUMENT, "%s index %u is out of range: the model has %u",
                 is_input ? "input" : "output", index, count);
  const uint32_t t = is_input ? model_->inputs()[index] : model_->outputs()[index];
  *data = data_[t];
  *size = model_->tensor(t).size;
  return AXLE_OK;
}

Status Context::StepImpl(uint32_t step, const char** impl) const {
  if (step >= model_->num_steps())
    return Error(AXLE_INVALID_ARGUMENT, "step %u is out of range: the model has %u", step,
                 model_->num_steps());
  *impl = impl_[step];
  return AXLE_OK;
}

Status Context::SetProfile(uint64_t* step_ns, uint32_t num_steps) {
  if (step_ns && num_steps != model_->num_steps())
    return Error(AXLE_INVALID_ARGUMENT, "profile array has %u entries; the model has %u steps",
                 num_steps, model_->num_steps());
  profile_ = step_ns;
  return AXLE_OK;
}

Status Context::Invoke() {
  const Model& m = *model_;
  AXLE_RETURN_IF_ERROR(pool_->BeginInvoke());
  for (uint32_t i = 0; i < m.num_steps(); ++i) {
    const int64_t start = profile_ ? NowNs() : 0;
    const StepDesc& s = m.step(i);
    const uint32_t* operands = m.step_inputs(s);
    const uint32_t n = s.num_inputs + s.num_outputs;
    for (uint32_t k = 0; k < n; ++k) {
      const uint32_t t = operands[k];
      if (t == kAbsent) {
        view_ptrs_[k] = nullptr;
        continue;
      }
      views_[k] = m.tensor(t).view;
      views_[k].data = data_[t];
      view_ptrs_[k] = &views_[k];
    }
    impl_[i] = "reference";  // runners with CPU variants report theirs
    const OpArgs args{view_ptrs_.get(), s.num_inputs, view_ptrs_.get() + s.num_inputs,
                      s.num_outputs,    s.params,     pool_->parallel(),
                      &impl_[i]};
    const ref::KernelResult r = s.op->run(*s.op, args);
    if (profile_) profile_[i] += static_cast<uint64_t>(NowNs() - start);
    if (!r.ok()) {
      const uint32_t t = operands[r.operand];
      const char* tname = m.tensor(t).name;
      if (r.error == ref::KernelError::kIndexOutOfRange)
        return StepError(s, i, AXLE_DATA_ERROR,
                         "index %" PRId64 " at element %" PRId64
                         " of input %d (tensor %u '%s') is out of range for axis %" PRId64
                         " of size %" PRId64,
                         r.value, r.element, r.operand, t, tname, s.params.axis,
                         views_[0].shape.dims[s.params.axis]);
      if (r.error == ref::KernelError::kBadScale)
        return StepError(s, i, AXLE_DATA_ERROR,
                         "quantization scale (input %d, tensor %u '%s') is not finite and > 0",
                         r.operand, t, tname);
      return StepError(s, i, AXLE_DATA_ERROR,
                       "integer division by zero at element %" PRId64
                       " of input %d (tensor %u '%s')",
                       r.element, r.operand, t, tname);
    }
  }
  return AXLE_OK;
}

}  // namespace axle
