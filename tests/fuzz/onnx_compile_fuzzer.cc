// Fuzz target: `axle compile` on a serialized ONNX ModelProto, exactly as the command runs it
// (the file is written to a private temporary folder and compiled by CompileMain). The compile
// must succeed (exit 0) or fail with exit 1 after printing `error: ...` as one UTF-8 line;
// anything else (a crash, a sanitizer report, a usage exit, a silent failure) is a finding.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "compiler/cli/cli.h"
#include "tests/fuzz/fuzz_util.h"

// From the sanitizer runtime when there is one (the fuzzing build); absent in the plain replay.
extern "C" __attribute__((weak)) void __sanitizer_set_death_callback(void (*callback)(void));

namespace {

std::string g_dir;
int g_real_stderr = -1, g_capture = -1;

// The compiler's stderr goes to a memory file so that it can be checked; on a crash the
// sanitizer's report lands there too, so it is copied to the real stderr before the process dies.
void DumpCapture() {
  if (g_capture < 0 || g_real_stderr < 0) return;
  char buf[4096];
  off_t off = 0;
  ssize_t n;
  while ((n = pread(g_capture, buf, sizeof buf, off)) > 0) {
    if (write(g_real_stderr, buf, static_cast<size_t>(n)) < 0) break;
    off += n;
  }
}

void Setup() {
  if (!g_dir.empty()) return;
  char tmpl[] = "/tmp/axle-onnx-fuzz-XXXXXX";
  if (!mkdtemp(tmpl)) std::abort();
  g_dir = tmpl;
  g_real_stderr = dup(2);
  g_capture = memfd_create("axle-compile-stderr", 0);
  if (g_real_stderr < 0 || g_capture < 0) std::abort();
  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(DumpCapture);
  std::atexit([] {
    unlink((g_dir + "/model.onnx").c_str());
    unlink((g_dir + "/model.axm").c_str());
    rmdir(g_dir.c_str());
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Setup();
  const std::string model = g_dir + "/model.onnx", plan = g_dir + "/model.axm";
  FILE* f = std::fopen(model.c_str(), "wb");
  if (!f) std::abort();
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
  unlink(plan.c_str());

  std::vector<std::string> words = {model, "-o", plan, "-q"};
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  std::fflush(stderr);
  if (ftruncate(g_capture, 0) != 0 || lseek(g_capture, 0, SEEK_SET) != 0) std::abort();
  dup2(g_capture, 2);
  const int rc = axle::cli::CompileMain(static_cast<int>(argv.size()), argv.data());
  std::fflush(stderr);
  dup2(g_real_stderr, 2);

  std::string text;
  char buf[4096];
  off_t off = 0;
  ssize_t n;
  while ((n = pread(g_capture, buf, sizeof buf, off)) > 0) {
    text.append(buf, static_cast<size_t>(n));
    off += n;
  }
  if (rc != axle::cli::kExitOk && rc != axle::cli::kExitFailure) {
    std::fprintf(stderr, "compile exited %d (expected 0 or 1); it printed: %s\n", rc,
                 text.c_str());
    std::abort();
  }
  if (rc == axle::cli::kExitFailure && text.rfind("error: ", 0) != 0) {
    std::fprintf(stderr, "compile failed without an 'error: ' line; it printed: '%s'\n",
                 text.c_str());
    std::abort();
  }
  axle::fuzz::CheckPrintable("compile's stderr", text.data(), text.size(), /*lines=*/true);
  return 0;
}
