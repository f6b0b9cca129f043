// Proves axle_context_invoke performs no heap allocation: malloc, calloc, realloc,
// posix_memalign, aligned_alloc and operator new are replaced in this binary by counting
// versions that forward to glibc.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "axle/axle.h"
#include "tests/models/test_models.h"

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

namespace {
std::atomic<long> g_allocations{0};
}

extern "C" {
void* malloc(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}
void* calloc(size_t a, size_t b) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(a, b);
}
void* realloc(void* p, size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, n);
}
int posix_memalign(void** out, size_t align, size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  *out = __libc_memalign(align, n);
  return *out ? 0 : ENOMEM;
}
void* aligned_alloc(size_t align, size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(align, n);
}
void free(void* p) { __libc_free(p); }
}

void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  void* p = __libc_malloc(n ? n : 1);
  if (!p) std::abort();
  return p;
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n ? n : 1);
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, size_t) noexcept { __libc_free(p); }

namespace axle {
namespace {

// Fills every input with ones (so integer division has non-zero divisors), then counts the
// allocations made by `runs` invocations.
long InvokeAllocations(const std::vector<uint8_t>& bytes, int runs) {
  testing::AlignedBytes buf(bytes);
  axle_model_t* model = nullptr;
  axle_context_t* ctx = nullptr;
  if (axle_model_load_buffer(buf.data(), buf.size(), &model) != AXLE_OK) return -1;
  if (axle_context_create(model, nullptr, &ctx) != AXLE_OK) return -1;
  axle_model_info_t info;
  axle_model_get_info(model, &info);
  for (uint32_t i = 0; i < info.num_inputs; ++i) {
    uint32_t t;
    axle_tensor_info_t ti;
    void* data;
    size_t n;
    axle_model_input(model, i, &t);
    axle_model_tensor_info(model, t, &ti);
    axle_context_input_buffer(ctx, i, &data, &n);
    const size_t elem = axle_dtype_size(ti.dtype);
    for (size_t e = 0; e < n / elem; ++e) {
      uint8_t* p = static_cast<uint8_t*>(data) + e * elem;
      std::memset(p, 0, elem);
      if (ti.dtype == AXLE_DTYPE_F32) {
        const float one = 1.0f;
        std::memcpy(p, &one, 4);
      } else {
        p[0] = 1;  // little-endian integer or bool one
      }
    }
  }
  const long before = g_allocations.load();
  for (int i = 0; i < runs; ++i)
    if (axle_context_invoke(ctx) != AXLE_OK) return -1;
  const long during = g_allocations.load() - before;
  axle_context_destroy(ctx);
  axle_model_release(model);
  return during;
}

TEST(NoAlloc, CounterSeesAllocations) {
  // The counter must be able to fail: loading a model does allocate.
  const long before = g_allocations.load();
  const std::vector<uint8_t> bytes = testing::BuildMlp().Serialize();
  testing::AlignedBytes buf(bytes);
  axle_model_t* model = nullptr;
  ASSERT_EQ(axle_model_load_buffer(buf.data(), buf.size(), &model), AXLE_OK);
  EXPECT_GT(g_allocations.load(), before);
  axle_model_release(model);
}

TEST(NoAlloc, InvokeAllocatesNothing) {
  EXPECT_EQ(InvokeAllocations(testing::BuildMlp().Serialize(), 100), 0);
  EXPECT_EQ(InvokeAllocations(testing::BuildZoo().Serialize(), 20), 0);  // every ref kernel
}

}  // namespace
}  // namespace axle
