// `axle`: the Axle command-line tool. Dispatches to one subcommand per file.
#include <cstdio>
#include <cstring>
#include <string>

#include "compiler/cli/cli.h"

namespace {

int Usage(FILE* out) {
  std::fprintf(out,
               "usage: axle <command> [options]\n"
               "\n"
               "Axle compiles ONNX models into .axm plans and runs them.\n"
               "\n"
               "commands:\n"
               "  compile   compile an ONNX model into an .axm plan\n"
               "  inspect   describe a compiled model: tensors, steps, arena and constant bytes\n"
               "  run       run a compiled model on ONNX TensorProto inputs, write its outputs\n"
               "  bench     time a compiled model's inference (median, min, max; per-op profile)\n"
               "  eval      compare a compiled model with a reference on input sets (accuracy,\n"
               "            planner trajectory error)\n"
               "  debug-quant  per-layer SQNR of an int8 quantization against f32\n"
               "  targets   list the chip targets (targets/*.yaml) and their key figures\n"
               "            (`axle bench --chips` compares models across them)\n"
               "\n"
               "options:\n"
               "  -h, --help     show this help (each command also takes --help)\n"
               "  --version      print the version\n"
               "\n"
               "exit status: 0 on success, 1 on failure (one 'error: ...' line on stderr),\n"
               "2 on a usage error.\n");
  return out == stdout ? axle::cli::kExitOk : axle::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage(stderr);
  const std::string command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") return Usage(stdout);
  if (command == "--version") {
    std::printf("axle %s (model schema %d)\n", AXLE_VERSION_STRING, AXLE_SCHEMA_VERSION);
    return axle::cli::kExitOk;
  }
  if (command == "compile") return axle::cli::CompileMain(argc - 2, argv + 2);
  if (command == "inspect") return axle::cli::InspectMain(argc - 2, argv + 2);
  if (command == "run") return axle::cli::RunMain(argc - 2, argv + 2);
  if (command == "bench") {
    for (int i = 2; i < argc; ++i)
      if (std::string(argv[i]) == "--chips" || std::string(argv[i]).rfind("--chips=", 0) == 0)
        return axle::cli::ChipsMain(argc - 2, argv + 2);
    return axle::cli::BenchMain(argc - 2, argv + 2);
  }
  if (command == "eval") return axle::cli::EvalMain(argc - 2, argv + 2);
  if (command == "targets") return axle::cli::TargetsMain(argc - 2, argv + 2);
  if (command == "debug-quant") return axle::cli::DebugQuantMain(argc - 2, argv + 2);
  std::fprintf(stderr, "error: unknown command '%s' (see 'axle --help')\n", command.c_str());
  return axle::cli::kExitUsage;
}
