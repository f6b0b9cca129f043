// `axle targets` and `axle bench --chips`: the chip descriptions in targets/, and the
// chip-comparison benchmark (cost model per target; the host also measured).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "compiler/cli/cli.h"
#include "compiler/cost/CostModel.h"
#include "compiler/targets/Target.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#ifndef AXLE_PYTHON_EXECUTABLE
#define AXLE_PYTHON_EXECUTABLE "python3"
#endif
#ifndef AXLE_SOURCE_DIR
#define AXLE_SOURCE_DIR "."
#endif

namespace axle::cli {
namespace {

constexpr const char* kTargetsHelp =
    "usage: axle targets [--json] [--targets-dir DIR]\n"
    "\n"
    "Lists the chip targets (targets/*.yaml): main engine and the precisions it runs, dense\n"
    "INT8 / FP16 throughput (sparse figures halved; '?' where the file has none), DRAM\n"
    "bandwidth, and how many of the file's figures are verified against their source.\n"
    "\n"
    "options:\n"
    "  --json             one JSON object: targets [{name, display, vendor, kind, kernel_family,\n"
    "                     tile, engines, figures {key: {value|text, unit, basis, source,\n"
    "                     verified}}, unsupported_ops}]\n"
    "  --targets-dir DIR  where the target files are (default $AXLE_TARGETS_DIR, else the\n"
    "                     source tree's targets/)\n"
    "  -h, --help         show this help\n";

constexpr const char* kChipsHelp =
    "usage: axle bench --chips all|NAME[,NAME...] MODEL.onnx|MODEL.axm [MODEL ...] [options]\n"
    "\n"
    "Compiles each model once (f32 plan for this host) and estimates it on every chip target\n"
    "with the cost model (roofline per target x per-op-kind efficiency calibrated on the host,\n"
    "targets/calibration/efficiency.yaml): latency, fps, fraction of the dense peak, weight and\n"
    "arena bytes at the modelled precision, whether 10 Hz and 20 Hz fit. Every chip number is\n"
    "labelled 'modelled'; the host's latency is also 'measured' by running the plan, with a\n"
    "per-op-kind table of modelled against measured time. Progress on stderr.\n"
    "\n"
    "options:\n"
    "  --precision P          the matmul precision to model: int8, fp16, f32, or all (default:\n"
    "                         every one the chip's main engine runs)\n"
    "  --threads N            threads for the host's measured runs (default: every core)\n"
    "  --runs N               timed host runs per model (default 5, over up to 3 contexts, each\n"
    "                         after 2 warm-ups), and as many profiled ones (per step: the\n"
    "                         median over them)\n"
    "  --frontier             also, per chip and precision, the largest model (by parameters)\n"
    "                         whose modelled latency meets --budget-ms\n"
    "  --budget-ms MS         the latency budget of --frontier (default 50: 20 Hz)\n"
    "  --md FILE              write the Markdown tables to FILE as well\n"
    "  --json-out FILE        write the JSON to FILE as well\n"
    "  --plot FILE.png        plot latency against chip INT8 TOPS, a line per model (runs\n"
    "                         scripts/plot_chips.py with " AXLE_PYTHON_EXECUTABLE ")\n"
    "  --json                 print JSON instead of Markdown\n"
    "  --calibrate            host only: fit the per-op-kind efficiencies to the measured per-op\n"
    "                         times of the models and write them (--write-efficiency); models\n"
    "                         whose weights and arena fit in the host's onchip_mib are left out\n"
    "  --write-efficiency F   where --calibrate writes (default: the targets folder's\n"
    "                         calibration/efficiency.yaml)\n"
    "  --targets-dir DIR      where the target files are\n"
    "  -h, --help             show this help\n";

std::string TargetsDir(const Args& args) {
  return args.Get("--targets-dir", targets::DefaultDir());
}

std::string Num(std::optional<double> v, const char* fmt = "%.0f") {
  if (!v) return "?";
  char b[32];
  std::snprintf(b, sizeof b, fmt, *v);
  return b;
}

std::string Join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

void FigureJson(llvm::json::OStream& j, const targets::Figure& f) {
  j.object([&] {
    if (f.value) j.attribute("value", *f.value);
    if (!f.text.empty()) j.attribute("text", f.text);
    if (!f.unit.empty()) j.attribute("unit", f.unit);
    if (!f.basis.empty()) j.attribute("basis", f.basis);
    j.attribute("source", f.source);
    j.attribute("verified", f.verified);
  });
}

// One model's host measurement: median latency and per-op-kind ms per run.
struct Measured {
  double ms = 0;
  std::map<std::string, double> kinds;
  std::map<std::string, int> steps;
};

int MeasureHost(const LoadedModel& model, int threads, int runs, Measured* out) {
  axle_context_options_t options = {};
  options.num_threads = threads;
  const uint32_t n = model.info().num_steps;
  std::vector<uint64_t> step_ns(n, 0);
  std::vector<double> ms;
  std::vector<std::vector<double>> per_step(n);
  // The runs spread over up to 3 execution contexts, one after the other: each has its own arena
  // where the allocator put it, and a microsecond step's time depends on where its tensors
  // landed (cache sets, pages); the medians below are over every context's runs.
  const int contexts = std::max(1, std::min(3, runs));
  for (int c = 0; c < contexts; ++c) {
    const int share = runs * (c + 1) / contexts - runs * c / contexts;
    ExecutionContext context;
    if (ExecutionContext::Create(model, &context, &options) != AXLE_OK)
      return Fail(axle_last_error());
    if (const int rc = RandomInputs(model, context.get())) return rc;
    for (int i = 0; i < 2; ++i)
      if (context.Invoke() != AXLE_OK) return Fail(axle_last_error());
    for (int i = 0; i < share; ++i) {
      const auto start = std::chrono::steady_clock::now();
      if (context.Invoke() != AXLE_OK) return Fail(axle_last_error());
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
    }
    // The per-step profile in separate runs (its clock reads would tax the timed ones), one run
    // at a time: each step's median over the runs, so that one preempted run (a noisy 2-vCPU
    // VM) does not move the per-kind times the calibration fits.
    for (int i = 0; i < share; ++i) {
      std::fill(step_ns.begin(), step_ns.end(), 0);
      if (axle_context_set_profile(context.get(), step_ns.data(), n) != AXLE_OK)
        return Fail(axle_last_error());
      if (context.Invoke() != AXLE_OK) return Fail(axle_last_error());
      for (uint32_t s = 0; s < n; ++s) per_step[s].push_back(step_ns[s] / 1e6);
    }
    axle_context_set_profile(context.get(), nullptr, 0);
  }
  out->ms = Median(ms);
  double profiled = 0;
  for (uint32_t s = 0; s < n; ++s) {
    axle_step_info_t st;
    axle_model_step_info(model.get(), s, &st);
    const double step_ms = Median(per_step[s]);
    out->kinds[st.op] += step_ms;
    ++out->steps[st.op];
    profiled += step_ms;
  }
  // Scale the profile to the timed median (the profile's own overhead is not the model's).
  if (profiled > 0)
    for (auto& [k, v] : out->kinds) v *= out->ms / profiled;
  return kExitOk;
}

struct ModelEntry {
  std::string path, name;
  LoadedModel plan;
  cost::PlanCost cost;
  bool measured = false;
  Measured host;
};

std::string BaseName(const std::string& path) {
  std::string b = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  const size_t dot = b.rfind('.');
  return dot == std::string::npos ? b : b.substr(0, dot);
}

// Compiles an ONNX model for the host (f32) into `axm`, quietly. 0 or the exit code.
int CompileQuietly(const std::string& onnx, const std::string& axm) {
  std::vector<std::string> a = {onnx, "-o", axm, "-q"};
  std::vector<char*> argv;
  for (std::string& s : a) argv.push_back(s.data());
  return CompileMain(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

int TargetsMain(int argc, char** argv) {
  Args args("targets", argc, argv);
  args.Option("--targets-dir");
  args.Flag("--json");
  if (!args.Parse()) return args.usage_status();
  if (args.help()) {
    std::fputs(kTargetsHelp, stdout);
    return kExitOk;
  }
  if (!args.positionals().empty())
    return UsageError("targets", "takes no positional arguments");
  std::vector<targets::Target> all;
  std::string error;
  if (!targets::LoadAll(TargetsDir(args), &all, &error)) return Fail(error);
  if (args.Has("--json")) {
    llvm::json::OStream j(llvm::outs(), 2);
    j.object([&] {
      j.attribute("targets_dir", TargetsDir(args));
      j.attributeArray("targets", [&] {
        for (const targets::Target& t : all)
          j.object([&] {
            j.attribute("name", t.name);
            j.attribute("display", t.display);
            j.attribute("vendor", t.vendor);
            j.attribute("kind", t.kind);
            j.attribute("kernel_family", t.kernel_family);
            j.attribute("tile", t.tile);
            j.attribute("measured", t.measured);
            j.attributeArray("engines", [&] {
              for (const targets::Engine& e : t.engines)
                j.object([&] {
                  j.attribute("name", e.name);
                  j.attribute("kind", e.kind);
                  j.attributeArray("precisions", [&] {
                    for (const std::string& p : e.precisions) j.value(p);
                  });
                  j.attribute("source", e.source);
                  j.attribute("verified", e.verified);
                });
            });
            j.attributeObject("figures", [&] {
              for (const auto& [k, f] : t.figures) {
                j.attributeBegin(k);
                FigureJson(j, f);
                j.attributeEnd();
              }
            });
            j.attributeArray("unsupported_ops", [&] {
              for (const targets::UnsupportedOp& u : t.unsupported_ops)
                j.object([&] {
                  j.attribute("op", u.op);
                  j.attribute("why", u.why);
                  j.attribute("source", u.source);
                  j.attribute("verified", u.verified);
                });
            });
          });
      });
    });
    llvm::outs() << "\n";
    llvm::outs().flush();
    return kExitOk;
  }
  std::printf("%-13s %-30s %-4s %-26s %9s %9s %8s %9s\n", "target", "chip", "kind",
              "main engine runs", "INT8 TOPS", "FP16 TF", "DRAM GB/s", "verified");
  for (const targets::Target& t : all) {
    int verified = 0;
    for (const auto& [k, f] : t.figures) verified += f.verified;
    char v[16];
    std::snprintf(v, sizeof v, "%d/%zu", verified, t.figures.size());
    std::printf("%-13s %-30.30s %-4s %-26.26s %9s %9s %8s %9s\n", t.name.c_str(),
                t.display.c_str(), t.kind.c_str(), Join(t.engines[0].precisions, " ").c_str(),
                Num(t.Dense("int8_tops"), "%.1f").c_str(),
                Num(t.Dense("fp16_tflops"), "%.1f").c_str(), Num(t.Value("dram_gbs")).c_str(), v);
  }
  std::printf("(dense basis: sparse figures halved; 'unstated' taken as dense. Sources: each file "
              "in %s)\n",
              TargetsDir(args).c_str());
  return kExitOk;
}

int ChipsMain(int argc, char** argv) {
  Args args("bench", argc, argv);
  for (const char* o : {"--chips", "--precision", "--threads", "--runs", "--budget-ms", "--md",
                        "--json-out", "--plot", "--write-efficiency", "--targets-dir"})
    args.Option(o);
  for (const char* f : {"--json", "--frontier", "--calibrate"}) args.Flag(f);
  if (!args.Parse()) return args.usage_status();
  if (args.help()) {
    std::fputs(kChipsHelp, stdout);
    return kExitOk;
  }
  if (args.positionals().empty()) return UsageError("bench", "--chips needs at least one MODEL");
  const std::string dir = TargetsDir(args);
  std::vector<targets::Target> all, chosen;
  std::string error;
  if (!targets::LoadAll(dir, &all, &error)) return Fail(error);
  const std::string list = args.Get("--chips");
  if (list == "all") {
    chosen = all;
  } else {
    std::stringstream s(list);
    std::string name;
    while (std::getline(s, name, ',')) {
      targets::Target t;
      if (!targets::LoadByName(dir, name, &t, &error)) return Fail(error);
      chosen.push_back(t);
    }
  }
  if (chosen.empty()) return UsageError("bench", "--chips names no target");
  const std::string want = args.Get("--precision", "all");
  if (want != "all" && want != "int8" && want != "fp16" && want != "f32")
    return UsageError("bench", "--precision takes int8, fp16, f32 or all, got '" + want + "'");
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (args.Has("--threads") && ParseThreads(args, &threads)) return kExitUsage;
  int runs = 5;
  if (const int rc = ParseCount(args, "--runs", 5, 1, &runs)) return rc;
  const double budget = std::atof(args.Get("--budget-ms", "50").c_str());
  if (!(budget > 0)) return UsageError("bench", "--budget-ms takes a positive number");
  const bool calibrate = args.Has("--calibrate");
  const auto host_it = std::find_if(chosen.begin(), chosen.end(),
                                    [](const targets::Target& t) { return t.measured; });
  if (calibrate && host_it == chosen.end())
    return UsageError("bench", "--calibrate needs the host among --chips");

  cost::Efficiency eff;
  if (!calibrate && !cost::LoadEfficiency(cost::EfficiencyPath(dir), &eff, &error))
    return Fail(error);

  // Compile (ONNX) or load (.axm) every model; measure it on the host when the host is chosen.
  std::vector<ModelEntry> models;
  char tmpl[] = "/tmp/axle-chips-XXXXXX";
  const char* tmp = mkdtemp(tmpl);
  if (!tmp) return Fail("cannot create a temporary folder");
  for (size_t i = 0; i < args.positionals().size(); ++i) {
    ModelEntry m;
    m.path = args.positionals()[i];
    m.name = BaseName(m.path);
    std::string axm = m.path;
    if (m.path.size() < 4 || m.path.substr(m.path.size() - 4) != ".axm") {
      std::fprintf(stderr, "[%zu/%zu] compiling %s\n", i + 1, args.positionals().size(),
                   m.path.c_str());
      axm = std::string(tmp) + "/" + std::to_string(i) + ".axm";
      if (const int rc = CompileQuietly(m.path, axm)) return rc;
    }
    if (const int rc = LoadModel(axm, &m.plan)) return rc;
    m.cost = cost::Analyze(m.plan);
    if (host_it != chosen.end()) {
      std::fprintf(stderr, "[%zu/%zu] measuring %s on the host (%d thread%s, %d runs)\n", i + 1,
                   args.positionals().size(), m.name.c_str(), threads, threads == 1 ? "" : "s",
                   runs);
      if (const int rc = MeasureHost(m.plan, threads, runs, &m.host)) return rc;
      m.measured = true;
    }
    if (axm != m.path) std::remove(axm.c_str());
    models.push_back(std::move(m));
  }
  rmdir(tmp);

  if (calibrate) {
    // efficiency[kind] = sum of its roofline time / sum of its measured time less the launch.
    const targets::Target& host = *host_it;
    // Plans whose weights and arena fit in the host's on-chip memory run every step from cache:
    // they would fit efficiencies (and step costs) no larger plan reaches, so they are left out.
    const double onchip = host.Value("onchip_mib").value_or(0) * 1048576.0;
    std::vector<const ModelEntry*> fitted;
    std::string left_out;
    for (const ModelEntry& m : models) {
      if (onchip > 0 && m.cost.weight_bytes + m.cost.arena_bytes <= onchip) {
        left_out += (left_out.empty() ? "" : ", ") + m.name;
        continue;
      }
      fitted.push_back(&m);
    }
    if (fitted.empty())
      return Fail("--calibrate: every model fits in the host's on-chip memory (" +
                  std::to_string(onchip / 1048576.0) +
                  " MiB); give at least one larger plan");
    if (!left_out.empty())
      std::fprintf(stderr, "left out of the fit (weights + arena fit in the host's %.0f MiB of "
                   "on-chip memory): %s\n", onchip / 1048576.0, left_out.c_str());
    // No separate per-step launch: each kind's own step cost carries its fixed cost, dispatch
    // included. (Taking the cheapest kind's time per step as a launch cost for every step made
    // that kind's own fit start from its smallest calibration value.)
    // Per kind and model: the roofline time, the step count, the measured time.
    std::map<std::string, std::vector<double>> ideal, steps, measured;
    double total_ideal = 0, total_measured = 0;
    for (const ModelEntry* mp : fitted) {
      const ModelEntry& m = *mp;
      std::map<std::string, double> mi;
      for (const cost::StepCost& s : m.cost.steps) mi[s.op] += cost::IdealHostMs(s, host);
      for (const auto& [k, ms] : m.host.kinds) {
        const int n = m.host.steps.at(k);
        ideal[k].push_back(mi[k]);
        steps[k].push_back(n);
        measured[k].push_back(std::max(1e-6, ms));
        total_ideal += mi[k];
        total_measured += measured[k].back();
      }
    }
    for (const auto& [k, v] : ideal) eff.kinds[k] = cost::FitKind(v, steps[k], measured[k]);
    eff.fallback = total_measured > 0 ? total_ideal / total_measured : 0.5;
    std::string names;
    for (const ModelEntry* mp : fitted) names += (names.empty() ? "" : ", ") + mp->name;
    if (!left_out.empty()) names += " (left out, fit in on-chip memory: " + left_out + ")";
    char when[64];
    const time_t now = time(nullptr);
    std::strftime(when, sizeof when, "%Y-%m-%d", gmtime(&now));
    eff.source = "measured on " + host.display + ", " + when + ", " + std::to_string(threads) +
                 " threads, models: " + names;
    const std::string out = args.Get("--write-efficiency", cost::EfficiencyPath(dir));
    if (!cost::SaveEfficiency(out, eff, &error)) return Fail(error);
    std::fprintf(stderr, "wrote %s (%zu op kinds)\n", out.c_str(), eff.kinds.size());
  }

  // Rows: model x chip x precision.
  struct Row {
    const ModelEntry* model;
    const targets::Target* target;
    cost::Estimate e;
  };
  std::vector<Row> rows;
  size_t done = 0;
  for (const targets::Target& t : chosen) {
    std::fprintf(stderr, "[%zu/%zu] modelling %s\n", ++done, chosen.size(), t.name.c_str());
    std::vector<std::string> precisions = cost::ModelPrecisions(t);
    if (t.measured) precisions = {"f32"};  // the host runs the f32 plan it measures
    if (want != "all")
      precisions.erase(std::remove_if(precisions.begin(), precisions.end(),
                                      [&](const std::string& p) { return p != want; }),
                       precisions.end());
    for (const ModelEntry& m : models)
      for (const std::string& p : precisions) rows.push_back({&m, &t, cost::Model(m.cost, t, p, eff)});
  }

  // Host: modelled against measured per op kind.
  struct KindError {
    std::string model, op;
    double measured, modelled;
  };
  std::vector<KindError> errors;
  for (const Row& r : rows)
    if (r.target->measured && r.model->measured)
      for (const auto& [op, ms] : r.model->host.kinds) {
        auto it = r.e.kinds.find(op);
        errors.push_back({r.model->name, op, ms, it == r.e.kinds.end() ? 0.0 : it->second.ms});
      }

  // Frontier: per chip and precision, the largest model meeting the budget.
  struct Frontier {
    const targets::Target* target;
    std::string precision;
    const ModelEntry* model = nullptr;
    double ms = 0;
  };
  std::vector<Frontier> frontier;
  if (args.Has("--frontier"))
    for (const targets::Target& t : chosen)
      for (const Row& r : rows) {
        if (r.target != &t) continue;
        auto f = std::find_if(frontier.begin(), frontier.end(), [&](const Frontier& x) {
          return x.target == &t && x.precision == r.e.precision;
        });
        if (f == frontier.end()) {
          frontier.push_back({&t, r.e.precision});
          f = frontier.end() - 1;
        }
        if (r.e.ms <= budget && r.e.fits_memory &&
            (!f->model || r.model->cost.parameters > f->model->cost.parameters)) {
          f->model = r.model;
          f->ms = r.e.ms;
        }
      }

  std::string json;
  {
    llvm::raw_string_ostream os(json);
    llvm::json::OStream j(os, 2);
    j.object([&] {
      j.attribute("targets_dir", dir);
      j.attribute("efficiency", eff.source);
      j.attribute("host_threads", threads);
      j.attributeArray("models", [&] {
        for (const ModelEntry& m : models)
          j.object([&] {
            j.attribute("name", m.name);
            j.attribute("path", m.path);
            j.attribute("parameters", m.cost.parameters);
            j.attribute("gflop", m.cost.flops / 1e9);
            if (m.measured) j.attribute("host_measured_ms", m.host.ms);
          });
      });
      j.attributeArray("rows", [&] {
        for (const Row& r : rows)
          j.object([&] {
            j.attribute("model", r.model->name);
            j.attribute("target", r.target->name);
            j.attribute("chip", r.target->display);
            j.attribute("int8_tops_dense", r.target->Dense("int8_tops").value_or(0));
            j.attribute("precision", r.e.precision);
            j.attribute("float_precision", r.e.float_precision);
            j.attribute("latency_ms", r.e.ms);
            j.attribute("latency_label", "modelled");
            if (r.target->measured && r.model->measured) {
              j.attribute("measured_ms", r.model->host.ms);
            }
            j.attribute("fps", 1e3 / r.e.ms);
            j.attribute("peak_fraction", r.e.peak_fraction);
            j.attribute("weight_bytes", r.e.weight_bytes);
            j.attribute("arena_bytes", r.e.arena_bytes);
            j.attribute("fits_memory", r.e.fits_memory);
            j.attribute("fits_10hz", r.e.ms <= 100 && r.e.fits_memory);
            j.attribute("fits_20hz", r.e.ms <= 50 && r.e.fits_memory);
            j.attributeArray("cpu_fallback_ops", [&] {
              for (const std::string& o : r.e.fallback_ops) j.value(o);
            });
            j.attributeObject("ops", [&] {
              for (const auto& [op, k] : r.e.kinds)
                j.attributeObject(op, [&] {
                  j.attribute("modelled_ms", k.ms);
                  j.attribute("steps", k.steps);
                  j.attribute("gflop", k.flops / 1e9);
                  j.attribute("mbytes", k.bytes / 1e6);
                });
            });
          });
      });
      j.attributeArray("host_validation", [&] {
        for (const KindError& k : errors)
          j.object([&] {
            j.attribute("model", k.model);
            j.attribute("op", k.op);
            j.attribute("measured_ms", k.measured);
            j.attribute("modelled_ms", k.modelled);
            j.attribute("error", k.measured > 0 ? k.modelled / k.measured - 1 : 0.0);
          });
      });
      if (args.Has("--frontier")) {
        j.attribute("budget_ms", budget);
        j.attributeArray("frontier", [&] {
          for (const Frontier& f : frontier)
            j.object([&] {
              j.attribute("target", f.target->name);
              j.attribute("precision", f.precision);
              if (f.model) {
                j.attribute("model", f.model->name);
                j.attribute("parameters", f.model->cost.parameters);
                j.attribute("latency_ms", f.ms);
              } else {
                j.attribute("model", nullptr);
              }
            });
        });
      }
    });
  }
  json += "\n";

  std::string md;
  {
    char line[512];
    md += "| model | chip | precision | latency (ms) | | fps | % of dense peak | weights (MB) | "
          "arena (MB) | 10 Hz | 20 Hz | notes |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const Row& r : rows) {
      std::string note;
      if (!r.e.fallback_ops.empty()) note = "CPU fallback: " + Join(r.e.fallback_ops);
      if (!r.e.fits_memory) note += std::string(note.empty() ? "" : "; ") + "over memory budget";
      if (r.target->measured && r.model->measured) {
        std::snprintf(line, sizeof line, "| %s | %s | %s | %.2f | measured | %.1f | | | | %s | %s | |\n",
                      r.model->name.c_str(), r.target->display.c_str(), r.e.precision.c_str(),
                      r.model->host.ms, 1e3 / r.model->host.ms,
                      r.model->host.ms <= 100 ? "yes" : "no", r.model->host.ms <= 50 ? "yes" : "no");
        md += line;
      }
      std::snprintf(line, sizeof line,
                    "| %s | %s | %s | %.2f | modelled | %.1f | %.0f%% | %.1f | %.1f | %s | %s | %s |\n",
                    r.model->name.c_str(), r.target->display.c_str(), r.e.precision.c_str(), r.e.ms,
                    1e3 / r.e.ms, 100 * r.e.peak_fraction, r.e.weight_bytes / 1e6,
                    r.e.arena_bytes / 1e6, r.e.ms <= 100 && r.e.fits_memory ? "yes" : "no",
                    r.e.ms <= 50 && r.e.fits_memory ? "yes" : "no", note.c_str());
      md += line;
    }
    if (!errors.empty()) {
      md += "\nHost, per op kind: modelled against measured (ms per inference)\n\n"
            "| model | op kind | measured | modelled | error |\n|---|---|---|---|---|\n";
      for (const KindError& k : errors) {
        std::snprintf(line, sizeof line, "| %s | %s | %.3f | %.3f | %+.0f%% |\n", k.model.c_str(),
                      k.op.c_str(), k.measured, k.modelled,
                      k.measured > 0 ? 100 * (k.modelled / k.measured - 1) : 0.0);
        md += line;
      }
    }
    if (args.Has("--frontier")) {
      std::snprintf(line, sizeof line,
                    "\nLargest model meeting %.0f ms (modelled), per chip and precision\n\n"
                    "| chip | precision | model | parameters | latency (ms) |\n|---|---|---|---|---|\n",
                    budget);
      md += line;
      for (const Frontier& f : frontier) {
        if (f.model)
          std::snprintf(line, sizeof line, "| %s | %s | %s | %s | %.2f |\n",
                        f.target->display.c_str(), f.precision.c_str(), f.model->name.c_str(),
                        Grouped(static_cast<uint64_t>(f.model->cost.parameters)).c_str(), f.ms);
        else
          std::snprintf(line, sizeof line, "| %s | %s | none | | |\n", f.target->display.c_str(),
                        f.precision.c_str());
        md += line;
      }
    }
  }
  if (args.Has("--md")) {
    std::ofstream(args.Get("--md")) << md;
  }
  std::string json_path = args.Get("--json-out");
  if (!json_path.empty()) std::ofstream(json_path) << json;
  if (args.Has("--plot")) {
    std::string jp = json_path;
    if (jp.empty()) {
      jp = args.Get("--plot") + ".json";
      std::ofstream(jp) << json;
    }
    const std::string cmd = std::string(AXLE_PYTHON_EXECUTABLE) + " '" + AXLE_SOURCE_DIR +
                            "/scripts/plot_chips.py' '" + jp + "' '" + args.Get("--plot") + "'";
    if (std::system(cmd.c_str()) != 0)
      return Fail("the plot failed: " + cmd + " (needs python3)");
    if (json_path.empty()) std::remove(jp.c_str());
  }
  std::fputs(args.Has("--json") ? json.c_str() : md.c_str(), stdout);
  return kExitOk;
}

}  // namespace axle::cli
