// `axle run` / `axle-run run`: one inference on inputs stored in the ONNX test-data layout.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "runtime/cli/cli_common.h"
#include "runtime/cli/tensor_file.h"

namespace axle::cli {
namespace {

constexpr const char* kHelp =
    "usage: axle run MODEL.axm --inputs DIR --outputs DIR\n"
    "\n"
    "Runs a compiled model once. DIR layouts follow the ONNX test data: the inputs are\n"
    "serialized ONNX TensorProto files input_0.pb, input_1.pb, ... in the model's input order;\n"
    "the outputs are written as output_0.pb, output_1.pb, ... in its output order (raw_data,\n"
    "named after the model's output tensors). Each input's dtype and shape must match the\n"
    "model's exactly.\n"
    "\n"
    "options:\n"
    "  --inputs DIR    folder holding input_<i>.pb for every model input (required when the\n"
    "                  model has inputs)\n"
    "  --outputs DIR   folder to write output_<i>.pb into; created if missing "
    "(required)\n" AXLE_CLI_EXECUTION_OPTIONS_HELP "  -q, --quiet     print nothing on success\n"
    "  -h, --help      show this help\n";

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

int RunMain(int argc, char** argv) {
  Args args("run", argc, argv);
  args.Option("--inputs");
  args.Option("--outputs");
  DeclareExecutionOptions(&args);
  args.Flag("--quiet");
  args.Flag("-q");
  std::string path;
  if (int rc; !args.ParseModelCommand(kHelp, &path, &rc)) return rc;
  if (!args.Has("--outputs")) return UsageError("run", "--outputs DIR is required");
  const bool quiet = args.Has("--quiet") || args.Has("-q");
  const std::string in_dir = args.Get("--inputs");
  const std::string out_dir = args.Get("--outputs");

  LoadedModel model;
  if (const int rc = LoadModel(path, &model)) return rc;
  const axle_model_info_t info = model.info();
  if (info.num_inputs > 0 && in_dir.empty())
    return UsageError("run", "the model has " + std::to_string(info.num_inputs) +
                                 " inputs: --inputs DIR is required");
  if (!in_dir.empty() && !IsDirectory(in_dir))
    return Fail("--inputs '" + in_dir + "' is not a directory");

  ExecutionOptions exec;
  if (const int rc = ParseExecutionOptions(args, &exec)) return rc;
  ExecutionContext context;
  if (ExecutionContext::Create(model, &context, &exec.context) != AXLE_OK)
    return Fail(axle_last_error());

  if (const int rc = LoadInputs(model, context.get(), in_dir)) return rc;

  const auto start = std::chrono::steady_clock::now();
  if (context.Invoke() != AXLE_OK) return Fail(axle_last_error());
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  if (!IsDirectory(out_dir) && mkdir(out_dir.c_str(), 0777) != 0)
    return Fail("cannot create --outputs directory '" + out_dir + "': " + std::strerror(errno));
  for (uint32_t i = 0; i < info.num_outputs; ++i) {
    const axle_tensor_info_t ti = model.tensor(model.output_tensor(i));
    const void* data = nullptr;
    size_t size = 0;
    if (axle_context_output_buffer(context.get(), i, &data, &size) != AXLE_OK)
      return Fail(axle_last_error());
    TensorFile tensor;
    tensor.name = ti.name;
    tensor.dtype = ti.dtype;
    tensor.shape.assign(ti.dims, ti.dims + ti.rank);
    tensor.bytes.assign(static_cast<const uint8_t*>(data),
                        static_cast<const uint8_t*>(data) + size);
    const std::string file = out_dir + "/output_" + std::to_string(i) + ".pb";
    std::string error;
    if (!WriteTensorFile(file, tensor, &error)) return Fail(error);
    if (!quiet)
      std::printf("%s  %s %s\n", Printable(file).c_str(), Printable(ti.name).c_str(),
                  TensorShapeString(ti).c_str());
  }
  if (!quiet)
    std::printf("ran %s: %u inputs, %u outputs, %u steps, invoke %.3f ms\n", path.c_str(),
                info.num_inputs, info.num_outputs, info.num_steps, ms);
  return kExitOk;
}

}  // namespace axle::cli
