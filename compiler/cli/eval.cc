// `axle eval`: a compiled model against a reference (an fp32 .axm, or the ONNX file compiled
// in f32) on a set of inputs: agreement of every output, and for planners the trajectory
// error against the ground truth.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "compiler/cli/cli.h"
#include "compiler/cli/quantize.h"
#include "compiler/onnx/tensor_proto.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace axle::cli {
namespace {

constexpr const char* kHelp =
    "usage: axle eval MODEL.axm --inputs DIR --reference REF [options]\n"
    "\n"
    "Runs MODEL and a reference on every input set of DIR (sub-folders holding input_0.pb ...,\n"
    "the `axle run --inputs` layout) and reports, per output, the cosine similarity and the\n"
    "largest absolute difference. REF is an .axm plan (e.g. the fp32 compile of the same\n"
    "model) or the .onnx file, which is compiled in f32 first.\n"
    "\n"
    "Planners (outputs `trajectories` [1, K, T, 3] and `mode_scores` [1, K]): when an input set\n"
    "also holds expected_trajectory.pb ([T, 3] or [1, T, 3], metres), eval prints ADE and FDE\n"
    "(mean and final displacement error over x, y) against it for both models, best-of-K\n"
    "(minADE/minFDE) and of the top-scored mode (top-1), the top-1 trajectory's ADE against\n"
    "the reference's top-1, and how often both pick the same top mode.\n"
    "\n"
    "options:\n"
    "  --inputs DIR      the input sets (required)\n"
    "  --reference REF   the reference .axm or .onnx (required)\n"
    "  --threads N       threads per inference (default 1)\n"
    "  --json            print the results as one JSON object\n"
    "  -h, --help        show this help\n";

struct Run {
  LoadedModel model;
  ExecutionContext context;
};

int Open(const std::string& path, int threads, Run* run) {
  if (const int rc = LoadModel(path, &run->model)) return rc;
  axle_context_options_t options = {};
  options.num_threads = threads;
  if (ExecutionContext::Create(run->model, &run->context, &options) != AXLE_OK)
    return Fail(axle_last_error());
  return kExitOk;
}

std::vector<float> OutputFloats(Run& run, uint32_t i) {
  const void* data = nullptr;
  size_t size = 0;
  if (axle_context_output_buffer(run.context.get(), i, &data, &size) != AXLE_OK) return {};
  const axle_tensor_info_t t = run.model.tensor(run.model.output_tensor(i));
  if (t.dtype != AXLE_DTYPE_F32) return {};
  const float* f = static_cast<const float*>(data);
  return std::vector<float>(f, f + size / sizeof(float));
}

int OutputIndex(const LoadedModel& m, const char* name) {
  for (uint32_t i = 0; i < m.info().num_outputs; ++i)
    if (std::string(m.tensor(m.output_tensor(i)).name) == name) return static_cast<int>(i);
  return -1;
}

struct OutputStats {
  std::string name;
  double dot = 0, na = 0, nb = 0, max_abs = 0;
};

struct Displacement {
  double min_ade = 0, min_fde = 0, top_ade = 0, top_fde = 0;
};

// traj [K, T, 3], scores [K], truth [T, 3].
void Score(const std::vector<float>& traj, const std::vector<float>& scores,
           const std::vector<float>& truth, int64_t k, int64_t t, Displacement* d, int* top) {
  double best_ade = 1e30, best_fde = 1e30;
  *top = static_cast<int>(std::max_element(scores.begin(), scores.end()) - scores.begin());
  for (int64_t m = 0; m < k; ++m) {
    double ade = 0, fde = 0;
    for (int64_t s = 0; s < t; ++s) {
      const double dx = traj[(m * t + s) * 3] - truth[s * 3];
      const double dy = traj[(m * t + s) * 3 + 1] - truth[s * 3 + 1];
      const double e = std::sqrt(dx * dx + dy * dy);
      ade += e / t;
      if (s == t - 1) fde = e;
    }
    best_ade = std::min(best_ade, ade);
    best_fde = std::min(best_fde, fde);
    if (m == *top) {
      d->top_ade += ade;
      d->top_fde += fde;
    }
  }
  d->min_ade += best_ade;
  d->min_fde += best_fde;
}

}  // namespace

int EvalMain(int argc, char** argv) {
  Args args("eval", argc, argv);
  for (const char* o : {"--inputs", "--reference", "--threads"}) args.Option(o);
  args.Flag("--json");
  std::string path;
  if (int rc; !args.ParseModelCommand(kHelp, &path, &rc)) return rc;
  if (!args.Has("--inputs")) return UsageError("eval", "--inputs DIR is required");
  if (!args.Has("--reference")) return UsageError("eval", "--reference REF is required");
  int threads = 1;
  if (const int rc = ParseThreads(args, &threads)) return rc;
  const std::vector<std::string> sets = ListInputSets(args.Get("--inputs"));
  if (sets.empty()) return Fail("--inputs '" + args.Get("--inputs") + "' holds no input set");

  std::string ref = args.Get("--reference");
  std::string temp;
  if (ref.size() > 5 && ref.substr(ref.size() - 5) == ".onnx") {
    temp = "/tmp/axle-eval-" + std::to_string(getpid()) + ".axm";
    std::vector<std::string> words = {ref, "-o", temp, "-q"};
    std::vector<char*> cargv;
    for (std::string& w : words) cargv.push_back(w.data());
    if (const int rc = CompileMain(static_cast<int>(cargv.size()), cargv.data())) return rc;
    ref = temp;
  }
  Run a, b;
  if (const int rc = Open(path, threads, &a)) return rc;
  const int ref_rc = Open(ref, threads, &b);
  if (!temp.empty()) unlink(temp.c_str());
  if (ref_rc) return ref_rc;
  const uint32_t outputs = a.model.info().num_outputs;
  if (b.model.info().num_outputs != outputs)
    return Fail("the model has " + std::to_string(outputs) + " outputs, the reference " +
                std::to_string(b.model.info().num_outputs));

  std::vector<OutputStats> stats(outputs);
  for (uint32_t i = 0; i < outputs; ++i)
    stats[i].name = a.model.tensor(a.model.output_tensor(i)).name;
  const int traj_i = OutputIndex(a.model, "trajectories"),
            score_i = OutputIndex(a.model, "mode_scores");
  int64_t modes = 0, steps = 0;
  if (traj_i >= 0 && score_i >= 0) {
    const axle_tensor_info_t t = a.model.tensor(a.model.output_tensor(traj_i));
    if (t.rank == 4 && t.dims[3] == 3) {
      modes = t.dims[1];
      steps = t.dims[2];
    }
  }
  Displacement da, db;
  double top_vs_ref = 0;
  int agree = 0, scored = 0;
  for (size_t s = 0; s < sets.size(); ++s) {
    if (const int rc = LoadInputs(a.model, a.context.get(), sets[s])) return rc;
    if (const int rc = LoadInputs(b.model, b.context.get(), sets[s])) return rc;
    if (a.context.Invoke() != AXLE_OK || b.context.Invoke() != AXLE_OK)
      return Fail(sets[s] + ": " + axle_last_error());
    for (uint32_t i = 0; i < outputs; ++i) {
      const std::vector<float> x = OutputFloats(a, i), y = OutputFloats(b, i);
      if (x.size() != y.size()) return Fail("output " + stats[i].name + " differs in size");
      for (size_t e = 0; e < x.size(); ++e) {
        stats[i].dot += double(x[e]) * y[e];
        stats[i].na += double(x[e]) * x[e];
        stats[i].nb += double(y[e]) * y[e];
        stats[i].max_abs = std::max(stats[i].max_abs, std::fabs(double(x[e]) - y[e]));
      }
    }
    onnx_io::HostTensor truth;
    std::string error;
    if (!modes || access((sets[s] + "/expected_trajectory.pb").c_str(), R_OK) != 0) continue;
    if (!onnx_io::ReadTensorFile(sets[s] + "/expected_trajectory.pb", &truth, &error))
      return Fail(error);
    if (truth.dtype != DType::kF32 || truth.bytes.size() != static_cast<size_t>(steps * 3 * 4))
      return Fail(sets[s] + "/expected_trajectory.pb is not f32 [" + std::to_string(steps) +
                  ", 3]");
    std::vector<float> gt(steps * 3);
    std::memcpy(gt.data(), truth.bytes.data(), truth.bytes.size());
    const std::vector<float> ta = OutputFloats(a, traj_i), tb = OutputFloats(b, traj_i);
    int top_a = 0, top_b = 0;
    Score(ta, OutputFloats(a, score_i), gt, modes, steps, &da, &top_a);
    Score(tb, OutputFloats(b, score_i), gt, modes, steps, &db, &top_b);
    agree += top_a == top_b;
    double ade = 0;
    for (int64_t st = 0; st < steps; ++st) {
      const double dx = ta[(top_a * steps + st) * 3] - tb[(top_b * steps + st) * 3];
      const double dy = ta[(top_a * steps + st) * 3 + 1] - tb[(top_b * steps + st) * 3 + 1];
      ade += std::sqrt(dx * dx + dy * dy) / steps;
    }
    top_vs_ref += ade;
    ++scored;
  }
  auto cosine = [](const OutputStats& o) {
    return o.na > 0 && o.nb > 0 ? o.dot / std::sqrt(o.na * o.nb) : (o.na == o.nb ? 1.0 : 0.0);
  };
  auto avg = [&](Displacement d) {
    if (scored) {
      d.min_ade /= scored;
      d.min_fde /= scored;
      d.top_ade /= scored;
      d.top_fde /= scored;
    }
    return d;
  };
  da = avg(da);
  db = avg(db);
  if (args.Has("--json")) {
    llvm::json::OStream j(llvm::outs(), 2);
    j.object([&] {
      j.attribute("model", JsonText(path));
      j.attribute("reference", args.Get("--reference"));
      j.attribute("input_sets", static_cast<int64_t>(sets.size()));
      j.attributeArray("outputs", [&] {
        for (const OutputStats& o : stats)
          j.object([&] {
            j.attribute("name", JsonText(o.name));
            j.attribute("cosine", cosine(o));
            j.attribute("max_abs_error", o.max_abs);
          });
      });
      if (scored) {
        auto disp = [&](const char* key, const Displacement& d) {
          j.attributeObject(key, [&] {
            j.attribute("minADE", d.min_ade);
            j.attribute("minFDE", d.min_fde);
            j.attribute("top1_ADE", d.top_ade);
            j.attribute("top1_FDE", d.top_fde);
          });
        };
        j.attribute("scenes_with_ground_truth", static_cast<int64_t>(scored));
        disp("model_vs_ground_truth", da);
        disp("reference_vs_ground_truth", db);
        j.attribute("top1_ADE_vs_reference", top_vs_ref / scored);
        j.attribute("top1_mode_agreement", double(agree) / scored);
      }
    });
    llvm::outs() << "\n";
    llvm::outs().flush();
    return kExitOk;
  }
  std::printf("eval %s vs %s on %zu input sets\n", path.c_str(), args.Get("--reference").c_str(),
              sets.size());
  std::printf("  %-24s %12s %14s\n", "output", "cosine", "max |error|");
  for (const OutputStats& o : stats)
    std::printf("  %-24s %12.6f %14.4g\n", Printable(o.name).c_str(), cosine(o), o.max_abs);
  if (scored) {
    std::printf("  planner, %d scenes with ground truth (metres):\n", scored);
    std::printf("    %-10s %8s %8s %9s %9s\n", "", "minADE", "minFDE", "top1 ADE", "top1 FDE");
    std::printf("    %-10s %8.3f %8.3f %9.3f %9.3f\n", "model", da.min_ade, da.min_fde, da.top_ade,
                da.top_fde);
    std::printf("    %-10s %8.3f %8.3f %9.3f %9.3f\n", "reference", db.min_ade, db.min_fde,
                db.top_ade, db.top_fde);
    std::printf("    model / reference: minADE %+.2f%%, minFDE %+.2f%%, top1 ADE %+.2f%%, top1 FDE "
                "%+.2f%%\n",
                100 * (da.min_ade / db.min_ade - 1), 100 * (da.min_fde / db.min_fde - 1),
                100 * (da.top_ade / db.top_ade - 1), 100 * (da.top_fde / db.top_fde - 1));
    std::printf(
        "    top-1 trajectory vs the reference's: ADE %.4f m; top-1 mode agreement %.1f%%\n",
        top_vs_ref / scored, 100.0 * agree / scored);
  }
  return kExitOk;
}

}  // namespace axle::cli
