// Fuzz target: the .axm loader and validator, then every query of the C API and one invoke of
// what loads. A model is either rejected with a one-line UTF-8 message or runs; nothing may
// crash, read out of bounds or hit undefined behaviour (ASan + UBSan).
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "axle/axle.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

// Invoke only plans whose arena is small: the validator bounds every access, not the work, and
// a fuzzed matmul over a large arena would spend the time budget on arithmetic.
constexpr uint64_t kMaxInvokeArena = uint64_t{1} << 20;

void CheckError(axle_status_t s) {
  const char* m = axle_last_error();
  if (s == AXLE_OK) return;
  if (!m || !*m) {
    std::fprintf(stderr, "status %s without a message\n", axle_status_name(s));
    std::abort();
  }
  axle::fuzz::CheckPrintable("axle_last_error()", m, std::strlen(m));
}

void Exercise(axle_model_t* model, const uint8_t* data, size_t size) {
  axle_model_info_t info;
  if (axle_model_get_info(model, &info) != AXLE_OK) std::abort();
  for (uint32_t t = 0; t < info.num_tensors; ++t) {
    axle_tensor_info_t ti;
    if (axle_model_tensor_info(model, t, &ti) != AXLE_OK) std::abort();
    uint32_t found = 0;
    CheckError(axle_model_find_tensor(model, ti.name, &found));
  }
  for (uint32_t s = 0; s < info.num_steps; ++s) {
    axle_step_info_t si;
    if (axle_model_step_info(model, s, &si) != AXLE_OK) std::abort();
    volatile uint32_t sink = 0;
    for (uint32_t i = 0; i < si.num_inputs; ++i) sink = sink + si.inputs[i];
    for (uint32_t i = 0; i < si.num_outputs; ++i) sink = sink + si.outputs[i];
  }
  if (info.arena_bytes > kMaxInvokeArena) return;
  axle_context_options_t options{};
  options.num_threads = size % 3 == 0 ? 2 : 1;
  axle_context_t* ctx = nullptr;
  const axle_status_t created = axle_context_create(model, &options, &ctx);
  CheckError(created);
  if (created != AXLE_OK) return;
  // Inputs from the file's own bytes: deterministic, and varied across inputs.
  for (uint32_t i = 0; i < info.num_inputs; ++i) {
    void* buf = nullptr;
    size_t n = 0;
    if (axle_context_input_buffer(ctx, i, &buf, &n) != AXLE_OK) std::abort();
    for (size_t k = 0; k < n; ++k) static_cast<uint8_t*>(buf)[k] = size ? data[k % size] : 0;
  }
  CheckError(axle_context_invoke(ctx));
  for (uint32_t i = 0; i < info.num_outputs; ++i) {
    const void* buf = nullptr;
    size_t n = 0;
    if (axle_context_output_buffer(ctx, i, &buf, &n) != AXLE_OK) std::abort();
  }
  axle_context_destroy(ctx);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The loader uses the buffer in place and requires 64-byte alignment.
  void* buf = std::aligned_alloc(64, (size + 63) / 64 * 64 + 64);
  if (!buf) return 0;
  if (size) std::memcpy(buf, data, size);
  axle_model_t* model = nullptr;
  const axle_status_t s = axle_model_load_buffer(buf, size, &model);
  CheckError(s);
  if (s == AXLE_OK) {
    Exercise(model, data, size);
    axle_model_release(model);
  }
  std::free(buf);
  return 0;
}
