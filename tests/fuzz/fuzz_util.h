// Checks shared by the fuzz targets: a message a person or a machine reads must be one line of
// valid UTF-8 without control characters, whatever bytes the input carried.
#ifndef AXLE_TESTS_FUZZ_FUZZ_UTIL_H_
#define AXLE_TESTS_FUZZ_FUZZ_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace axle::fuzz {

// Length of the valid UTF-8 sequence at s[0, n), or 0 when it is not one (overlong forms,
// surrogates and code points past U+10FFFF are invalid, as in RFC 3629).
inline size_t Utf8SequenceLength(const unsigned char* s, size_t n) {
  const unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0)
    len = 2, cp = c & 0x1F;
  else if ((c & 0xF0) == 0xE0)
    len = 3, cp = c & 0x0F;
  else if ((c & 0xF8) == 0xF0)
    len = 4, cp = c & 0x07;
  else
    return 0;
  if (n < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (s[i] & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// Aborts (a finding) unless text[0, n) is valid UTF-8 free of C0 controls and DEL, except the
// newlines that separate lines when `lines` is true.
inline void CheckPrintable(const char* what, const char* text, size_t n, bool lines = false) {
  const auto* s = reinterpret_cast<const unsigned char*>(text);
  for (size_t i = 0; i < n;) {
    const bool control = s[i] < 0x20 || s[i] == 0x7F;
    if (control && !(lines && s[i] == '\n')) {
      std::fprintf(stderr, "%s: control byte 0x%02x at offset %zu\n", what, s[i], i);
      std::abort();
    }
    const size_t len = Utf8SequenceLength(s + i, n - i);
    if (len == 0) {
      std::fprintf(stderr, "%s: invalid UTF-8 at offset %zu (byte 0x%02x)\n", what, i, s[i]);
      std::abort();
    }
    i += len;
  }
}

}  // namespace axle::fuzz

#endif  // AXLE_TESTS_FUZZ_FUZZ_UTIL_H_
