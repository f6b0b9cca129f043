// `axle bench` / `axle-run bench`: inference latency of a compiled model, and where the time goes
// (per step: its time and the CPU kernel variant that ran it, or why it fell back).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "runtime/cli/cli_common.h"

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
    "  --profile       also time every step: per op kind (milliseconds per run), and per kernel\n"
    "                  implementation: the CPU variant (e.g. avx512f+amx, neon+dotprod) or\n"
    "                  'reference: <why>' where an op fell back\n"
    "  --chips LIST    (axle only) the chip-comparison benchmark instead: see\n"
    "                  'axle bench --chips all --help'\n"
    "  --json          print one JSON object: model, arch, cpu_variant, threads, warmup, runs,\n"
    "                  inputs, median_ms, min_ms, max_ms, mean_ms; with --profile also steps\n"
    "                  [{index, op, name, impl, ms}] and ops {op: {ms, steps, percent}}\n"
    "  -h, --help      show this help\n";

}  // namespace

int BenchMain(int argc, char** argv) {
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
  // The implementation each step ran (the last timed run's).
  std::vector<const char*> impls(num_steps, "");
  for (uint32_t s = 0; s < num_steps; ++s) axle_context_step_impl(context.get(), s, &impls[s]);
  std::vector<std::pair<std::string, Kind>> by_time(kinds.begin(), kinds.end());
  std::sort(by_time.begin(), by_time.end(),
            [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });

  if (args.Has("--json")) {
    JsonWriter j;
    j.Begin('{');
    j.Key("model").String(path);
    j.Key("arch").String(axle_cpu_arch());
    j.Key("cpu_variant").String(axle_cpu_variant());
    j.Key("threads").Int(threads);
    j.Key("warmup").Int(warmup);
    j.Key("runs").Int(runs);
    j.Key("inputs").String(in_dir.empty() ? std::string("random") : in_dir);
    j.Key("median_ms").Number(median);
    j.Key("min_ms").Number(lo);
    j.Key("max_ms").Number(hi);
    j.Key("mean_ms").Number(mean);
    if (args.Has("--profile")) {
      j.Key("steps").Begin('[');
      for (uint32_t s = 0; s < num_steps; ++s) {
        j.Begin('{');
        j.Key("index").Int(s);
        j.Key("op").String(steps[s].op);
        j.Key("name").String(steps[s].name);
        j.Key("impl").String(impls[s]);
        j.Key("ms").Number(step_ns[s] / 1e6 / runs);
        j.End('}');
      }
      j.End(']');
      j.Key("ops").Begin('{');
      for (const auto& [op, k] : by_time) {
        j.Key(op).Begin('{');
        j.Key("ms").Number(k.ms);
        j.Key("steps").Int(k.steps);
        j.Key("percent").Number(profiled > 0 ? 100.0 * k.ms / profiled : 0.0);
        j.End('}');
      }
      j.End('}');
    }
    j.End('}');
    std::fputs(j.text().c_str(), stdout);
    std::fputs("\n", stdout);
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
    // Where the time went by kernel implementation: which CPU variant ran, and every fallback
    // with its reason.
    std::map<std::pair<std::string, std::string>, Kind> by_impl;
    for (uint32_t s = 0; s < num_steps; ++s) {
      Kind& k = by_impl[{impls[s], steps[s].op}];
      k.ms += step_ns[s] / 1e6 / runs;
      ++k.steps;
    }
    std::printf("  kernels (%s, CPU variant %s):\n", axle_cpu_arch(), axle_cpu_variant());
    std::printf("  %-20s %10s %6s  %s\n", "op", "ms/run", "steps", "implementation");
    for (const auto& [key, k] : by_impl)
      std::printf("  %-20s %10.3f %6d  %s\n", Printable(key.second).c_str(), k.ms, k.steps,
                  key.first.c_str());
  }
  return kExitOk;
}

}  // namespace axle::cli
