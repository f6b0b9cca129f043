// `axle-run`: the runtime-only command-line tool, for the device the plan runs on (the AArch64
// ECU, cross-built by `make arm64`): `run` and `bench` with the flags of `axle run` and
// `axle bench`. Links libaxle_runtime.a and nothing of the compiler (no LLVM, MLIR, protobuf).
#include <cstdio>
#include <string>

#include "runtime/cli/cli_common.h"

namespace {

int Usage(FILE* out) {
  std::fprintf(out,
               "usage: axle-run <command> [options]\n"
               "\n"
               "Runs compiled .axm plans with the Axle runtime alone (the compiler is `axle`).\n"
               "\n"
               "commands:\n"
               "  run       run a compiled model on ONNX TensorProto inputs, write its outputs\n"
               "  bench     time a compiled model's inference (median, min, max; per-op profile\n"
               "            with the CPU kernel variant of every step)\n"
               "\n"
               "options:\n"
               "  -h, --help     show this help (each command also takes --help)\n"
               "  --version      print the version, the CPU architecture and kernel variant\n"
               "\n"
               "exit status: 0 on success, 1 on failure (one 'error: ...' line on stderr),\n"
               "2 on a usage error.\n");
  return out == stdout ? axle::cli::kExitOk : axle::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  axle::cli::SetProgramName("axle-run");
  if (argc < 2) return Usage(stderr);
  const std::string command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") return Usage(stdout);
  if (command == "--version") {
    std::printf("axle-run %s (model schema %d; %s, CPU kernels %s)\n", AXLE_VERSION_STRING,
                AXLE_SCHEMA_VERSION, axle_cpu_arch(), axle_cpu_variant());
    return axle::cli::kExitOk;
  }
  if (command == "run") return axle::cli::RunMain(argc - 2, argv + 2);
  if (command == "bench") return axle::cli::BenchMain(argc - 2, argv + 2);
  std::fprintf(stderr, "error: unknown command '%s' (see 'axle-run --help')\n", command.c_str());
  return axle::cli::kExitUsage;
}
