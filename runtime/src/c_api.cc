// The C API: argument checks and handle conversions around Model and Context.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "axle/axle.h"
#include "kernels/cpu/cpu_kernels.h"
#include "runtime/src/context.h"
#include "runtime/src/model.h"
#include "runtime/src/op_table.h"

namespace {

using axle::Error;

// The opaque handles are the implementation objects themselves.

axle::Model* M(axle_model_t* m) { return reinterpret_cast<axle::Model*>(m); }
const axle::Model* M(const axle_model_t* m) { return reinterpret_cast<const axle::Model*>(m); }
axle::Context* C(axle_context_t* c) { return reinterpret_cast<axle::Context*>(c); }

#define AXLE_CHECK_ARG(cond, name)                                                                 \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      return Error(AXLE_INVALID_ARGUMENT, "%s: argument '%s' is invalid", __func__, name);         \
  } while (0)

}  // namespace

extern "C" {

const char* axle_status_name(axle_status_t status) {
  switch (status) {
  case AXLE_OK: return "OK";
  case AXLE_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
  case AXLE_INVALID_MODEL: return "INVALID_MODEL";
  case AXLE_NOT_FOUND: return "NOT_FOUND";
  case AXLE_IO_ERROR: return "IO_ERROR";
  case AXLE_RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
  case AXLE_UNIMPLEMENTED: return "UNIMPLEMENTED";
  case AXLE_DATA_ERROR: return "DATA_ERROR";
  case AXLE_INTERNAL: return "INTERNAL";
  }
  return "UNKNOWN";
}

const char* axle_last_error(void) { return axle::LastErrorMessage(); }

const char* axle_dtype_name(axle_dtype_t dtype) {
  if (static_cast<int>(dtype) < 0 || static_cast<int>(dtype) >= axle::kNumDTypes) return "?";
  return axle::DTypeName(static_cast<axle::DType>(dtype));
}

size_t axle_dtype_size(axle_dtype_t dtype) {
  if (static_cast<int>(dtype) < 0 || static_cast<int>(dtype) >= axle::kNumDTypes) return 0;
  return axle::DTypeSize(static_cast<axle::DType>(dtype));
}

axle_status_t axle_model_load_file(const char* path, axle_model_t** out_model) {
  AXLE_CHECK_ARG(path, "path");
  AXLE_CHECK_ARG(out_model, "out_model");
  *out_model = nullptr;
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error(AXLE_IO_ERROR, "cannot open '%s': %s", path, std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Error(AXLE_IO_ERROR, "'%s' is not a regular file", path);
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size == 0) {
    close(fd);
    return Error(AXLE_INVALID_MODEL, "'%s' is empty", path);
  }
  void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED)
    return Error(AXLE_IO_ERROR, "cannot map '%s': %s", path, std::strerror(errno));
  axle::Model* model = nullptr;
  const axle_status_t s = axle::Model::Load(static_cast<const uint8_t*>(map), size, true, &model);
  if (s != AXLE_OK) return axle::PrefixError(s, "%s: ", path);
  *out_model = reinterpret_cast<axle_model_t*>(model);
  return AXLE_OK;
}

axle_status_t axle_model_load_buffer(const void* data, size_t size, axle_model_t** out_model) {
  AXLE_CHECK_ARG(data, "data");
  AXLE_CHECK_ARG(out_model, "out_model");
  *out_model = nullptr;
  if (reinterpret_cast<uintptr_t>(data) % axle::kAlignment != 0)
    return Error(AXLE_INVALID_ARGUMENT,
                 "model buffer at %p is not %llu-byte aligned (weights are used in place)", data,
                 static_cast<unsigned long long>(axle::kAlignment));
  axle::Model* model = nullptr;
  AXLE_RETURN_IF_ERROR(axle::Model::Load(static_cast<const uint8_t*>(data), size, false, &model));
  *out_model = reinterpret_cast<axle_model_t*>(model);
  return AXLE_OK;
}

void axle_model_retain(axle_model_t* model) {
  if (model) M(model)->Retain();
}

void axle_model_release(axle_model_t* model) {
  if (model) M(model)->Release();
}

axle_status_t axle_model_get_info(const axle_model_t* model, axle_model_info_t* out_info) {
  AXLE_CHECK_ARG(model, "model");
  AXLE_CHECK_ARG(out_info, "out_info");
  *out_info = M(model)->info();
  return AXLE_OK;
}

axle_status_t axle_model_cpu_target(const axle_model_t* model, axle_cpu_target_t* out_target) {
  AXLE_CHECK_ARG(model, "model");
  AXLE_CHECK_ARG(out_target, "out_target");
  *out_target = M(model)->cpu_target();
  return AXLE_OK;
}

axle_status_t axle_model_tensor_info(const axle_model_t* model, uint32_t tensor,
                                     axle_tensor_info_t* out_info) {
  AXLE_CHECK_ARG(model, "model");
  AXLE_CHECK_ARG(out_info, "out_info");
  const axle::Model& m = *M(model);
  if (tensor >= m.num_tensors())
    return Error(AXLE_INVALID_ARGUMENT, "tensor index %u is out of range: the model has %u", tensor,
                 m.num_tensors());
  const axle::TensorDesc& d = m.tensor(tensor);
  out_info->name = d.name;
  out_info->dtype = static_cast<axle_dtype_t>(d.view.dtype);
  out_info->rank = d.view.shape.rank;
  std::memset(out_info->dims, 0, sizeof(out_info->dims));
  for (int i = 0; i < d.view.shape.rank; ++i) out_info->dims[i] = d.view.shape.dims[i];
  out_info->size_bytes = d.size;
  out_info->storage = d.storage;
  out_info->offset = d.offset;
  return AXLE_OK;
}

axle_status_t axle_model_step_info(const axle_model_t* model, uint32_t step,
                                   axle_step_info_t* out_info) {
  AXLE_CHECK_ARG(model, "model");
  AXLE_CHECK_ARG(out_info, "out_info");
  const axle::Model& m = *M(model);
  if (step >= m.num_steps())
    return Error(AXLE_INVALID_ARGUMENT, "step index %u is out of range: the model has %u", step,
                 m.num_steps());
  const axle::StepDesc& s = m.step(step);
  out_info->op = s.op->name;
  out_info->name = s.name;
  out_info->num_inputs = s.num_inputs;
  out_info->inputs = m.step_inputs(s);
  out_info->num_outputs = s.num_outputs;
  out_info->outputs = m.step_outputs(s);
  return AXLE_OK;
}

static axle_status_t ModelIo(const axle_model_t* model, bool is_input, uint32_t index,
                             uint32_t* out_tensor) {
  AXLE_CHECK_ARG(model, "model");
  AXLE_CHECK_ARG(out_tensor, "out_tensor");
  const axle::Model& m = *M(model);
  const uint32_t n = is_input ? m.num_inputs() : m.num_outputs();
  if (index >= n)
    return Error(AXLE_INVALID_ARGUMENT, "%s index %u is out of range: the model has %u",
                 is_input ? "input" : "output", index, n);
  *out_tensor = is_input ? m.inputs()[index] : m.outputs()[index];
  return AXLE_OK;
}

axle_status_t axle_model_input(const axle_model_t* model, uint32_t index, uint32_t* out_tensor) {
  return ModelIo(model, true, index, out_tensor);
}

axle_status_t axle_model_output(const axle_model_t* model, uint32_t index, uint32_t* out_tensor) {
  return ModelIo(model, false, index, out_tensor);
}

axle_status_t axle_model_find_tensor(const axle_model_t* model, const char* name,
                                     uint32_t* out_tensor) {
  AXLE_CHECK_ARG(model, "model");
  AXLE_CHECK_ARG(name, "name");
  AXLE_CHECK_ARG(out_tensor, "out_tensor");
  const axle::Model& m = *M(model);
  for (uint32_t t = 0; t < m.num_tensors(); ++t)
    if (std::strcmp(m.tensor(t).name, name) == 0) {
      *out_tensor = t;
      return AXLE_OK;
    }
  return Error(AXLE_NOT_FOUND, "no tensor is named '%s'", name);
}

axle_status_t axle_context_create(axle_model_t* model, const axle_context_options_t* options,
                                  axle_context_t** out_context) {
  AXLE_CHECK_ARG(model, "model");
  AXLE_CHECK_ARG(out_context, "out_context");
  *out_context = nullptr;
  axle::ThreadPoolOptions pool;
  int32_t spin_us = AXLE_DEFAULT_SPIN_MICROSECONDS;
  if (options) {
    if (options->num_threads < 0)
      return Error(AXLE_INVALID_ARGUMENT, "num_threads is %d; it must be >= 0",
                   options->num_threads);
    if (options->spin_microseconds < AXLE_SPIN_NEVER ||
        options->spin_microseconds > AXLE_MAX_SPIN_MICROSECONDS)
      return Error(AXLE_INVALID_ARGUMENT,
                   "spin_microseconds is %d; it must be AXLE_SPIN_NEVER (-1), 0 (the default) "
                   "or up to %d",
                   static_cast<int>(options->spin_microseconds), AXLE_MAX_SPIN_MICROSECONDS);
    pool.threads = options->num_threads;
    pool.cpus = options->cpus;
    pool.num_cpus = options->num_cpus;
    if (options->spin_microseconds == AXLE_SPIN_NEVER)
      spin_us = 0;
    else if (options->spin_microseconds > 0)
      spin_us = options->spin_microseconds;
  }
  pool.spin_ns = int64_t{spin_us} * 1000;
  axle::Context* c = nullptr;
  AXLE_RETURN_IF_ERROR(axle::Context::Create(M(model), options ? options->arena : nullptr,
                                             options ? options->arena_size : 0, pool, &c));
  *out_context = reinterpret_cast<axle_context_t*>(c);
  return AXLE_OK;
}

void axle_context_destroy(axle_context_t* context) { delete C(context); }

axle_status_t axle_context_set_profile(axle_context_t* context, uint64_t* step_nanoseconds,
                                       uint32_t num_steps) {
  AXLE_CHECK_ARG(context, "context");
  return C(context)->SetProfile(step_nanoseconds, num_steps);
}

axle_status_t axle_context_step_impl(const axle_context_t* context, uint32_t step,
                                     const char** out_impl) {
  AXLE_CHECK_ARG(context, "context");
  AXLE_CHECK_ARG(out_impl, "out_impl");
  return reinterpret_cast<const axle::Context*>(context)->StepImpl(step, out_impl);
}

axle_status_t axle_context_bind_input(axle_context_t* context, uint32_t index, const void* data,
                                      size_t size) {
  AXLE_CHECK_ARG(context, "context");
  return C(context)->Bind(true, index, const_cast<void*>(data), size);
}

axle_status_t axle_context_bind_output(axle_context_t* context, uint32_t index, void* data,
                                       size_t size) {
  AXLE_CHECK_ARG(context, "context");
  return C(context)->Bind(false, index, data, size);
}

axle_status_t axle_context_input_buffer(axle_context_t* context, uint32_t index, void** out_data,
                                        size_t* out_size) {
  AXLE_CHECK_ARG(context, "context");
  AXLE_CHECK_ARG(out_data, "out_data");
  AXLE_CHECK_ARG(out_size, "out_size");
  return C(context)->Buffer(true, index, out_data, out_size);
}

axle_status_t axle_context_output_buffer(axle_context_t* context, uint32_t index,
                                         const void** out_data, size_t* out_size) {
  AXLE_CHECK_ARG(context, "context");
  AXLE_CHECK_ARG(out_data, "out_data");
  AXLE_CHECK_ARG(out_size, "out_size");
  void* data = nullptr;
  AXLE_RETURN_IF_ERROR(C(context)->Buffer(false, index, &data, out_size));
  *out_data = data;
  return AXLE_OK;
}

axle_status_t axle_context_invoke(axle_context_t* context) {
  AXLE_CHECK_ARG(context, "context");
  return C(context)->Invoke();
}

const char* axle_cpu_variant(void) { return axle::cpu::HostKernels().isa; }
const char* axle_cpu_arch(void) { return axle::cpu::Arch(); }

}  // extern "C"
