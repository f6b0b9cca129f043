// Fuzz target: `axle compile` on a serialized ONNX ModelProto, exactly as the command runs it
// (the file is written to a private temporary folder and compiled by CompileMain). The compile
// must succeed (exit 0) or fail with exit 1 after printing `error: ...` as one UTF-8 line;
// anything else (a crash, a sanitizer report, a leak, a usage exit, a silent failure) is a
// finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "compiler/cli/cli.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

std::string g_dir;
FILE* g_errors = nullptr;  // the CLI's error lines, checked after each compile

void Setup() {
  if (!g_dir.empty()) return;
  char tmpl[] = "/tmp/axle-onnx-fuzz-XXXXXX";
  if (!mkdtemp(tmpl)) std::abort();
  g_dir = tmpl;
  g_errors = std::tmpfile();
  if (!g_errors) std::abort();
  axle::cli::SetErrorStream(g_errors);
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
  std::rewind(g_errors);
  if (ftruncate(fileno(g_errors), 0) != 0) std::abort();
  const int rc = axle::cli::CompileMain(static_cast<int>(argv.size()), argv.data());

  std::fflush(g_errors);
  std::rewind(g_errors);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, g_errors)) > 0) text.append(buf, n);
  if (rc != axle::cli::kExitOk && rc != axle::cli::kExitFailure) {
    std::fprintf(stderr, "compile exited %d (expected 0 or 1); it printed: %s\n", rc, text.c_str());
    std::abort();
  }
  if (rc == axle::cli::kExitFailure && text.rfind("error: ", 0) != 0) {
    std::fprintf(stderr, "compile failed without an 'error: ' line; it printed: '%s'\n",
                 text.c_str());
    std::abort();
  }
  axle::fuzz::CheckPrintable("compile's error line", text.data(), text.size(), /*lines=*/true);
  return 0;
}
