// `axle bench`: inference latency of a compiled model, and where the time goes.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "compiler/cli/cli.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace axle::cli {
namespace {

constexpr const char* kHelp =
    "usage: axle bench MODEL.axm [options]\n"
    "\n"
    "Times inference of a compiled model: warm-up runs, then timed runs of the whole plan\n"
    "(inputs already in place), reporting the median, min and max latency. Inputs come from\n"
    "--inputs (ONNX test-data layout, as for 'axle run') or are random: floats uniform in\n"
    "[-1, 1], bools and integers 0 or 1, fixed seed.\n"
    "\n"
    "options:\n"
    "  --inputs DIR    folder holding input_<i>.pb for every model "
    "input\n" AXLE_CLI_EXECUTION_OPTIONS_HELP "  --warmup N      untimed runs first (default 3)\n"
    "  --runs N        timed runs (default 20)\n"
    "  --profile       also time every step: per step and per op kind (milliseconds per run)\n"
    "  --chips LIST    the chip-comparison benchmark instead: see 'axle bench --chips all --help'\n"
    "  --json          print one JSON object: model, threads, warmup, runs, inputs, median_ms,\n"
    "                  min_ms, max_ms, mean_ms; with --profile also steps [{index, op, name,\n"
    "                  ms}] and ops {op: {ms, steps, percent}}\n"
    "  -h, --help      show this help\n";

}  // namespace

int BenchMain(int argc, char** argv) {
  for (int i = 0; i < argc; ++i)
    if (std::string(argv[i]) == "--chips" || std::string(argv[i]).rfind("--chips=", 0) == 0)
      return ChipsMain(argc, argv);
  Args args("bench", argc, argv);
  for (const char* o : {"--inputs", "--warmup", "--runs"}) args.Option(o);
  DeclareExecutionOptions(&args);
  for (const char* f : {"--json", "--profile"}) args.Flag(f);
  std::string path;
  if (int rc; !args.ParseModelCommand(kHelp, &path, &rc)) return rc;
  int warmup = 3, runs = 20;
  ExecutionOptions exec;
  if (int rc = ParseExecutionOptions(args, &exec)) return rc;
  const int threads = exec.threads;
  if (int rc = ParseCount(args, "--warmup", 3, 0, &warmup)) return rc;
  if (int rc = ParseCount(args, "--runs", 20, 1, &runs)) return rc;

  LoadedModel model;
  if (const int rc = LoadModel(path, &model)) return rc;
  ExecutionContext context;
  if (ExecutionContext::Create(model, &context, &exec.context) != AXLE_OK)
    return Fail(axle_last_error());
  const std::string in_dir = args.Get("--inputs");
  if (const int rc = in_dir.empty() ? RandomInputs(model, context.get())
                                    : LoadInputs(model, context.get(), in_dir))
    return rc;

  const uint32_t num_steps = model.info().num_steps;
  std::vector<uint64_t> step_ns(num_steps, 0);
  for (int i = 0; i < warmup; ++i)
    if (context.Invoke() != AXLE_OK) return Fail(axle_last_error());
  if (args.Has("--profile") &&
      axle_context_set_profile(context.get(), step_ns.data(), num_steps) != AXLE_OK)
    return Fail(axle_last_error());
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    if (context.Invoke() != AXLE_OK) return Fail(axle_last_error());
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  axle_context_set_profile(context.get(), nullptr, 0);
  const double median = Median(ms), lo = *std::min_element(ms.begin(), ms.end()),
               hi = *std::max_element(ms.begin(), ms.end());
  double mean = 0;
  for (double m : ms) mean += m / runs;

  // Per op kind: milliseconds per run and step count, in plan order of first appearance.
  struct Kind {
    double ms = 0;
    int steps = 0;
  };
  std::map<std::string, Kind> kinds;
  double profiled = 0;
  std::vector<axle_step_info_t> steps(num_steps);
  for (uint32_t s = 0; s < num_steps; ++s) {
    axle_model_step_info(model.get(), s, &steps[s]);
    Kind& k = kinds[steps[s].op];
    k.ms += step_ns[s] / 1e6 / runs;
    ++k.steps;
    profiled += step_ns[s] / 1e6 / runs;
  }
  std::vector<std::pair<std::string, Kind>> by_time(kinds.begin(), kinds.end());
  std::sort(by_time.begin(), by_time.end(),
            [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });

  if (args.Has("--json")) {
    llvm::json::OStream j(llvm::outs(), 2);
    j.object([&] {
      j.attribute("model", JsonText(path));
      j.attribute("threads", threads);
      j.attribute("warmup", warmup);
      j.attribute("runs", runs);
      j.attribute("inputs", in_dir.empty() ? std::string("random") : in_dir);
      j.attribute("median_ms", median);
      j.attribute("min_ms", lo);
      j.attribute("max_ms", hi);
      j.attribute("mean_ms", mean);
      if (!args.Has("--profile")) return;
      j.attributeArray("steps", [&] {
        for (uint32_t s = 0; s < num_steps; ++s)
          j.object([&] {
            j.attribute("index", static_cast<int64_t>(s));
            j.attribute("op", JsonText(steps[s].op));
            j.attribute("name", JsonText(steps[s].name));
            j.attribute("ms", step_ns[s] / 1e6 / runs);
          });
      });
      j.attributeObject("ops", [&] {
        for (const auto& [op, k] : by_time)
          j.attributeObject(JsonText(op), [&] {
            j.attribute("ms", k.ms);
            j.attribute("steps", k.steps);
            j.attribute("percent", profiled > 0 ? 100.0 * k.ms / profiled : 0.0);
          });
      });
    });
    llvm::outs() << "\n";
    llvm::outs().flush();
    return kExitOk;
  }
  std::printf("%s: median %.3f ms (min %.3f, max %.3f) over %d runs, %d thread%s, %s inputs\n",
              Printable(path).c_str(), median, lo, hi, runs, threads, threads == 1 ? "" : "s",
              in_dir.empty() ? "random" : "given");
  if (args.Has("--profile")) {
    std::printf("  %-20s %10s %7s %6s\n", "op", "ms/run", "share", "steps");
    for (const auto& [op, k] : by_time)
      std::printf("  %-20s %10.3f %6.1f%% %6d\n", Printable(op).c_str(), k.ms,
                  profiled > 0 ? 100.0 * k.ms / profiled : 0.0, k.steps);
  }
  return kExitOk;
}

}  // namespace axle::cli
