// Per-thread error message buffer behind axle_last_error().
#include "runtime/src/status.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace axle {
namespace {

constexpr size_t kMessageCapacity = 1024;
thread_local char g_message[kMessageCapacity];

}  // namespace

Status Error(Status code, const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(g_message, kMessageCapacity, format, args);
  va_end(args);
  return code;
}

Status PrefixError(Status code, const char* format, ...) {
  char previous[kMessageCapacity];
  std::memcpy(previous, g_message, kMessageCapacity);
  va_list args;
  va_start(args, format);
  const int n = std::vsnprintf(g_message, kMessageCapacity, format, args);
  va_end(args);
  if (n >= 0 && static_cast<size_t>(n) < kMessageCapacity)
    std::snprintf(g_message + n, kMessageCapacity - n, "%s", previous);
  return code;
}

const char* LastErrorMessage() { return g_message; }

}  // namespace axle
