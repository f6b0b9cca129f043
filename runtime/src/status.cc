// Per-thread error message buffer behind axle_last_error().
#include "runtime/src/status.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace axle {
namespace {

constexpr size_t kMessageCapacity = 1024;
thread_local char g_message[kMessageCapacity];

// Length of the well-formed UTF-8 sequence at s[0, n) (Unicode Table 3-7: the allowed second
// byte depends on the lead byte), or 0.
size_t WellFormedLength(const unsigned char* s, size_t n) {
  const unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF)
    len = 2;
  else if (c == 0xE0)
    len = 3, lo = 0xA0;
  else if (c == 0xED)
    len = 3, hi = 0x9F;
  else if (c >= 0xE1 && c <= 0xEF)
    len = 3;
  else if (c == 0xF0)
    len = 4, lo = 0x90;
  else if (c == 0xF4)
    len = 4, hi = 0x8F;
  else if (c >= 0xF1 && c <= 0xF3)
    len = 4;
  if (len == 0 || n < len || s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < len; ++i)
    if (s[i] < 0x80 || s[i] > 0xBF) return 0;
  return len;
}

// Names in a message come from the model file and may hold any bytes: rewrite the message so
// that it is valid UTF-8 without control characters (each offending byte becomes \xNN), cut
// at a character boundary when the escapes make it too long.
void MakePrintable(char* message) {
  const auto* s = reinterpret_cast<const unsigned char*>(message);
  const size_t n = std::strlen(message);
  size_t i = 0;
  while (i < n && s[i] >= 0x20 && s[i] < 0x7F) ++i;
  if (i == n) return;  // printable ASCII: the common case
  char out[kMessageCapacity];
  std::memcpy(out, message, i);
  size_t o = i;
  while (i < n) {
    size_t len = WellFormedLength(s + i, n - i);
    if (len == 1 && (s[i] < 0x20 || s[i] == 0x7F)) len = 0;
    if (len == 0) {
      if (o + 4 >= kMessageCapacity) break;
      std::snprintf(out + o, 5, "\\x%02x", s[i]);
      o += 4;
      i += 1;
    } else {
      if (o + len >= kMessageCapacity) break;
      std::memcpy(out + o, s + i, len);
      o += len;
      i += len;
    }
  }
  out[o] = '\0';
  std::memcpy(message, out, o + 1);
}

}  // namespace

Status Error(Status code, const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(g_message, kMessageCapacity, format, args);
  va_end(args);
  MakePrintable(g_message);
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
  MakePrintable(g_message);
  return code;
}

const char* LastErrorMessage() { return g_message; }

}  // namespace axle
