// Calibration and quantization for `axle compile --precision int8`.
#include "compiler/cli/quantize.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "axle/axle.hpp"
#include "compiler/cli/cli.h"
#include "compiler/dialect/AxleDialect.h"
#include "compiler/emitter/PlanEmitter.h"
#include "kernels/common/quant.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "passes/FusionUtils.h"
#include "passes/Passes.h"

namespace axle::cli {
namespace {

bool IsFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// A linear the quantizer may take: a constant f32 [K, N] weight and a computed f32 input.
const char* WhyNotQuantizable(ir::LinearOp op) {
  if (op.getWeightLayout() != "kn" || !passes::ConstantValue(op.getWeight()))
    return "weight is not a constant";
  if (!passes::IsF32Tensor(op.getInput())) return "input is not f32";
  if (op.getInput().getDefiningOp<ir::ConstantOp>()) return "input is a constant";
  return nullptr;
}

// A plan compiled from a module and loaded from memory, with one context.
struct MemoryPlan {
  std::unique_ptr<uint8_t, void (*)(void*)> buffer{nullptr, std::free};
  LoadedModel model;
  ExecutionContext context;
};

// Runs the backend passes on `module` (consumed), emits, loads. 0 or the exit code.
int CompilePlan(mlir::ModuleOp module, const std::string& target, MemoryPlan* plan) {
  mlir::PassManager pm(module.getContext());
  AddBackendPasses(pm, target);
  if (mlir::failed(pm.run(module))) return Fail("an intermediate plan failed to compile");
  std::vector<uint8_t> bytes;
  emitter::EmitOptions emit;
  emit.target = target;
  emitter::EmitStats stats;
  if (mlir::failed(emitter::EmitPlan(module, emit, &bytes, &stats)))
    return Fail("an intermediate plan failed to emit");
  // The runtime reads the plan in place: a 64-byte aligned copy.
  plan->buffer.reset(static_cast<uint8_t*>(std::aligned_alloc(64, (bytes.size() + 63) / 64 * 64)));
  std::memcpy(plan->buffer.get(), bytes.data(), bytes.size());
  if (LoadedModel::FromBuffer(plan->buffer.get(), bytes.size(), &plan->model) != AXLE_OK)
    return Fail(std::string("intermediate plan: ") + axle_last_error());
  axle_context_options_t copts = {};
  copts.num_threads = 2;
  if (ExecutionContext::Create(plan->model, &plan->context, &copts) != AXLE_OK)
    return Fail(axle_last_error());
  return kExitOk;
}

// Adds `values` to @main's returned values, after the existing ones (with empty attributes).
void ExposeValues(mlir::ModuleOp module, llvm::ArrayRef<mlir::Value> values) {
  mlir::MLIRContext* ctx = module.getContext();
  auto func = module.lookupSymbol<mlir::func::FuncOp>("main");
  auto ret = llvm::cast<mlir::func::ReturnOp>(func.getBody().front().getTerminator());
  ret.getOperandsMutable().append(values);
  llvm::SmallVector<mlir::Type> results(func.getResultTypes());
  for (mlir::Value v : values) results.push_back(v.getType());
  llvm::SmallVector<mlir::DictionaryAttr> res_attrs;
  func.getAllResultAttrs(res_attrs);
  res_attrs.resize(results.size(), mlir::DictionaryAttr::get(ctx));
  func.setType(mlir::FunctionType::get(ctx, func.getArgumentTypes(), results));
  func.setAllResultAttrs(res_attrs);
}

const float* OutputData(MemoryPlan& plan, uint32_t i, size_t* count) {
  const void* data = nullptr;
  size_t size = 0;
  if (axle_context_output_buffer(plan.context.get(), i, &data, &size) != AXLE_OK) return nullptr;
  *count = size / sizeof(float);
  return static_cast<const float*>(data);
}

}  // namespace

void AddBackendPasses(mlir::PassManager& pm, const std::string& target,
                      const std::string& int8_layout) {
  pm.addNestedPass<mlir::func::FuncOp>(passes::createAxlePackWeights({target, int8_layout}));
  pm.addNestedPass<mlir::func::FuncOp>(passes::createAxleFuseIm2Col());
  pm.addNestedPass<mlir::func::FuncOp>(passes::createAxleMaterializeOutputs());
  pm.addNestedPass<mlir::func::FuncOp>(passes::createAxleSelectKernels({target}));
  pm.addNestedPass<mlir::func::FuncOp>(passes::createAxlePlanMemory());
}

std::string LayerName(mlir::Location loc) {
  // A fused linear carries its MatMul (or Gemm) node's name: "encoder.0.ffn.fc1/MatMul_62",
  // "/encoder/layers.0/linear1/MatMul" from PyTorch. The module path before it names the layer.
  llvm::SmallVector<mlir::Location> locs;
  if (auto f = llvm::dyn_cast<mlir::FusedLoc>(loc))
    locs.assign(f.getLocations().begin(), f.getLocations().end());
  else
    locs.push_back(loc);
  for (mlir::Location l : locs)
    if (auto n = llvm::dyn_cast<mlir::NameLoc>(l)) {
      llvm::StringRef name = n.getName().getValue();
      for (llvm::StringRef node : {"/MatMul", "/Gemm"}) {
        const size_t at = name.rfind(node);
        if (at == llvm::StringRef::npos || at == 0) continue;
        llvm::StringRef rest = name.drop_front(at + node.size());
        if (rest.empty() || (rest.consume_front("_") && !rest.empty() &&
                             rest.find_first_not_of("0123456789") == llvm::StringRef::npos))
          return name.take_front(at).str();
      }
    }
  return emitter::NameOf(loc);
}

std::vector<std::string> ListInputSets(const std::string& dir) {
  if (IsFile(dir + "/input_0.pb")) return {dir};
  std::vector<std::string> sets;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      if (IsFile(dir + "/" + name + "/input_0.pb")) sets.push_back(dir + "/" + name);
    }
    closedir(d);
  }
  std::sort(sets.begin(), sets.end());
  return sets;
}

// A linear layer's report row before any precision is chosen: name and K x N.
static LayerReport Describe(ir::LinearOp op) {
  LayerReport r;
  r.name = LayerName(op.getLoc());
  auto wt = passes::TensorTypeOf(op.getWeight());
  r.k = wt.getRank() == 2 ? wt.getDimSize(0) : 0;
  r.n = wt.getRank() == 2 ? wt.getDimSize(1) : 0;
  return r;
}

static bool KeptFloat(const QuantizeOptions& options, const std::string& name) {
  return std::any_of(options.keep_float.begin(), options.keep_float.end(),
                     [&](const std::string& p) { return name.find(p) != std::string::npos; });
}

void MarkWeightOnly(mlir::ModuleOp module, const QuantizeOptions& options, int bits, int group,
                    std::vector<LayerReport>* report) {
  report->clear();
  module.walk([&](ir::LinearOp op) {
    LayerReport r = Describe(op);
    r.precision = bits == 8 ? "w8" : "w4 g" + std::to_string(group);
    if (const char* why = WhyNotQuantizable(op)) {
      r.precision = "f32";
      r.reason = why;
    } else if (KeptFloat(options, r.name)) {
      r.precision = "f32";
      r.reason = "--keep-float";
      op->setAttr("axle.precision", mlir::StringAttr::get(module.getContext(), "f32"));
    }
    report->push_back(r);
  });
}

int QuantizeModule(mlir::ModuleOp module, const QuantizeOptions& options,
                   std::vector<LayerReport>* report, double* achieved_error) {
  *achieved_error = 0;
  mlir::MLIRContext* ctx = module.getContext();
  auto func = module.lookupSymbol<mlir::func::FuncOp>("main");
  if (!func) return Fail("no func @main to quantize");
  const std::vector<std::string> sets = ListInputSets(options.calib_dir);
  if (sets.empty())
    return Fail("--calib '" + options.calib_dir +
                "' holds no input set (input_0.pb ... in the folder or in its sub-folders)");

  // The layers, in program order; candidates get calibrated.
  std::vector<ir::LinearOp> linears;
  func.walk([&](ir::LinearOp op) { linears.push_back(op); });
  std::vector<size_t> candidates;
  report->clear();
  for (size_t i = 0; i < linears.size(); ++i) {
    ir::LinearOp op = linears[i];
    LayerReport r = Describe(op);
    r.precision = "f32";
    if (const char* why = WhyNotQuantizable(op)) {
      r.reason = why;
    } else if (KeptFloat(options, r.name)) {
      r.reason = "--keep-float";
      op->setAttr("axle.precision", mlir::StringAttr::get(ctx, "f32"));
    } else {
      candidates.push_back(i);
    }
    report->push_back(r);
  }
  if (candidates.empty()) return kExitOk;

  // The calibration plan: the module with every candidate's input as an extra output.
  mlir::OwningOpRef<mlir::ModuleOp> probe = module.clone();
  auto pfunc = probe->lookupSymbol<mlir::func::FuncOp>("main");
  std::vector<ir::LinearOp> plinears;
  pfunc.walk([&](ir::LinearOp op) { plinears.push_back(op); });
  const unsigned base_outputs = pfunc.getNumResults();
  llvm::SmallVector<mlir::Value> extra;
  for (size_t c : candidates) extra.push_back(plinears[c].getInput());
  ExposeValues(*probe, extra);
  MemoryPlan probe_plan;
  if (const int rc = CompilePlan(*probe, options.target, &probe_plan)) return rc;
  LoadedModel& model = probe_plan.model;
  ExecutionContext& context = probe_plan.context;
  // The f32 outputs of every set (the reference of --precision mixed), kept from pass 1.
  std::vector<std::vector<std::vector<float>>> reference(sets.size());

  std::vector<quant::TensorStats> tensor_stats(candidates.size());
  std::vector<size_t> channels(candidates.size());
  for (size_t j = 0; j < candidates.size(); ++j)
    channels[j] = static_cast<size_t>(
        passes::TensorTypeOf(linears[candidates[j]].getInput()).getShape().back());
  const bool tty = isatty(fileno(stderr));
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t s = 0; s < sets.size(); ++s) {
      if (options.progress && (tty || s == 0))
        std::fprintf(stderr,
                     tty ? "\rcalibrating (%s): pass %d/2, input set %zu/%zu "
                         : "calibrating (%s): pass %d/2 over %zu input sets\n",
                     quant::CalibMethodName(options.method), pass + 1, tty ? s + 1 : sets.size(),
                     sets.size());
      if (const int rc = LoadInputs(model, context.get(), sets[s])) return rc;
      if (context.Invoke() != AXLE_OK) return Fail(axle_last_error());
      if (pass == 0 && options.max_error > 0)
        for (uint32_t o = 0; o < base_outputs; ++o) {
          size_t count = 0;
          const float* y = OutputData(probe_plan, o, &count);
          reference[s].emplace_back(y, y + (y ? count : 0));
        }
      for (size_t j = 0; j < candidates.size(); ++j) {
        const void* data = nullptr;
        size_t size = 0;
        if (axle_context_output_buffer(context.get(), base_outputs + static_cast<uint32_t>(j),
                                       &data, &size) != AXLE_OK)
          return Fail(axle_last_error());
        const float* x = static_cast<const float*>(data);
        if (pass == 0)
          tensor_stats[j].ObserveRange(x, size / sizeof(float), channels[j]);
        else
          tensor_stats[j].ObserveHistogram(x, size / sizeof(float));
      }
    }
    if (options.method == quant::CalibMethod::kMinMax) break;  // no histogram needed
  }
  if (options.progress && tty) std::fprintf(stderr, "\n");

  for (size_t j = 0; j < candidates.size(); ++j) {
    ir::LinearOp op = linears[candidates[j]];
    // A graph input's range is the sensor's: clipping its tails (entropy, percentile) clips
    // real values (speeds, positions), so graph inputs always take minmax.
    const bool graph_input = llvm::isa<mlir::BlockArgument>(op.getInput());
    auto [lo, hi] = tensor_stats[j].Range(
        graph_input ? quant::CalibMethod::kMinMax : options.method, options.percentile);
    std::vector<double> means = tensor_stats[j].ChannelMeans();
    const std::vector<float>& cmin = tensor_stats[j].ChannelMin();
    const std::vector<float>& cmax = tensor_stats[j].ChannelMax();
    auto w = passes::ConstantValue(op.getWeight());
    if (options.smooth_alpha > 0 && !cmin.empty() && w) {
      // SmoothQuant (Xiao et al. 2023): divide input channel k by s_k and multiply weight
      // row k by it, moving range disparity between channels from the activation (one scale
      // per tensor) into the weights (one scale per column). The range of the smoothed input
      // is its per-channel min/max over s (minmax: the histogram was of the raw input).
      const size_t k = cmin.size(),
                   n = static_cast<size_t>(passes::TensorTypeOf(op.getWeight()).getDimSize(1));
      std::vector<float> wv(w.getValues<float>().begin(), w.getValues<float>().end());
      std::vector<float> smooth(k);
      lo = 0.0f;
      hi = 0.0f;
      for (size_t c = 0; c < k; ++c) {
        float wmax = 0.0f;
        for (size_t col = 0; col < n; ++col) wmax = std::max(wmax, std::fabs(wv[c * n + col]));
        const double xmax = std::max(std::fabs(cmin[c]), std::fabs(cmax[c]));
        double sc = std::pow(std::max(xmax, 1e-5), options.smooth_alpha) /
                    std::pow(std::max<double>(wmax, 1e-5), 1.0 - options.smooth_alpha);
        sc = std::min(1e5, std::max(1e-5, sc));
        smooth[c] = static_cast<float>(sc);
        lo = std::min(lo, static_cast<float>(cmin[c] / sc));
        hi = std::max(hi, static_cast<float>(cmax[c] / sc));
        means[c] /= sc;
      }
      op->setAttr("axle.smooth", mlir::DenseElementsAttr::get(
                                     mlir::RankedTensorType::get({static_cast<int64_t>(k)},
                                                                 mlir::Float32Type::get(ctx)),
                                     llvm::ArrayRef<float>(smooth)));
    }
    if (!means.empty())
      op->setAttr("axle.input_mean",
                  mlir::DenseElementsAttr::get(
                      mlir::RankedTensorType::get({static_cast<int64_t>(means.size())},
                                                  mlir::Float32Type::get(ctx)),
                      llvm::ArrayRef<float>(std::vector<float>(means.begin(), means.end()))));
    op->setAttr("axle.input_range",
                mlir::ArrayAttr::get(ctx, {mlir::FloatAttr::get(mlir::Float32Type::get(ctx), lo),
                                           mlir::FloatAttr::get(mlir::Float32Type::get(ctx), hi)}));
    LayerReport& r = (*report)[candidates[j]];
    const QuantParams qp = AsymmetricU8(lo, hi);
    r.precision = "int8";
    if (graph_input) r.reason = "graph input: minmax";
    if (op->hasAttr("axle.smooth")) r.reason += r.reason.empty() ? "smoothed" : ", smoothed";
    r.lo = lo;
    r.hi = hi;
    r.scale = qp.scale;
    r.zero_point = qp.zero_point;
  }
  if (options.max_error > 0) {
    // --precision mixed: the output error (the largest relative RMS error of any output
    // against f32, over the calibration sets) with only the layers of `int8` quantized.
    auto error_with = [&](const std::vector<bool>& int8, double* error) -> int {
      mlir::OwningOpRef<mlir::ModuleOp> trial = module.clone();
      std::vector<ir::LinearOp> tl;
      trial->walk([&](ir::LinearOp op) { tl.push_back(op); });
      for (size_t j = 0; j < candidates.size(); ++j)
        if (!int8[j])
          tl[candidates[j]]->setAttr("axle.precision", mlir::StringAttr::get(ctx, "f32"));
      mlir::PassManager tpm(ctx);
      tpm.addNestedPass<mlir::func::FuncOp>(passes::createAxleQuantize());
      if (mlir::failed(tpm.run(*trial))) return Fail("axle-quantize failed");
      MemoryPlan plan;
      if (const int rc = CompilePlan(*trial, options.target, &plan)) return rc;
      std::vector<double> num(base_outputs, 0.0), den(base_outputs, 0.0);
      for (size_t st = 0; st < sets.size(); ++st) {
        if (const int rc = LoadInputs(plan.model, plan.context.get(), sets[st])) return rc;
        if (plan.context.Invoke() != AXLE_OK) return Fail(axle_last_error());
        for (uint32_t o = 0; o < base_outputs; ++o) {
          size_t count = 0;
          const float* y = OutputData(plan, o, &count);
          const std::vector<float>& want = reference[st][o];
          if (!y || count != want.size()) continue;
          for (size_t e = 0; e < count; ++e) {
            num[o] += (double(y[e]) - want[e]) * (double(y[e]) - want[e]);
            den[o] += double(want[e]) * want[e];
          }
        }
      }
      *error = 0;
      for (uint32_t o = 0; o < base_outputs; ++o)
        *error = std::max(*error, den[o] > 0 ? std::sqrt(num[o] / den[o]) : std::sqrt(num[o]));
      return kExitOk;
    };
    // Sensitivity: the error with one layer quantized, the others f32.
    std::vector<double> sensitivity(candidates.size());
    for (size_t j = 0; j < candidates.size(); ++j) {
      if (options.progress && (tty || j == 0))
        std::fprintf(stderr,
                     tty ? "\rmixed precision: sensitivity of layer %zu/%zu "
                         : "mixed precision: sensitivity of %zu layers\n",
                     tty ? j + 1 : candidates.size(), candidates.size());
      std::vector<bool> one(candidates.size(), false);
      one[j] = true;
      if (const int rc = error_with(one, &sensitivity[j])) return rc;
      (*report)[candidates[j]].sensitivity = sensitivity[j];
    }
    if (options.progress && tty) std::fprintf(stderr, "\n");
    // Keep the most sensitive layers in f32 until the budget holds.
    std::vector<size_t> order(candidates.size());
    for (size_t j = 0; j < order.size(); ++j) order[j] = j;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return sensitivity[a] > sensitivity[b]; });
    std::vector<bool> int8(candidates.size(), true);
    double error = 0;
    if (const int rc = error_with(int8, &error)) return rc;
    size_t kept = 0;
    while (error > options.max_error && kept < order.size()) {
      int8[order[kept++]] = false;
      if (const int rc = error_with(int8, &error)) return rc;
    }
    *achieved_error = error;
    for (size_t j = 0; j < candidates.size(); ++j) {
      if (int8[j]) continue;
      linears[candidates[j]]->setAttr("axle.precision", mlir::StringAttr::get(ctx, "f32"));
      LayerReport& r = (*report)[candidates[j]];
      r.precision = "f32";
      char why[96];
      std::snprintf(why, sizeof why, "mixed: sensitivity %.3g", sensitivity[j]);
      r.reason = why;
    }
  }
  mlir::PassManager qpm(ctx);
  qpm.addNestedPass<mlir::func::FuncOp>(passes::createAxleQuantize());
  if (mlir::failed(qpm.run(module))) return Fail("axle-quantize failed");
  return kExitOk;
}

namespace {

// The linear layers of a module in program order, whatever their precision.
std::vector<mlir::Operation*> LinearLayers(mlir::ModuleOp module) {
  std::vector<mlir::Operation*> ops;
  module.walk([&](mlir::Operation* op) {
    if (llvm::isa<ir::LinearOp, ir::LinearInt8Op>(op)) ops.push_back(op);
  });
  return ops;
}

double Db(double signal, double noise) {
  if (noise <= 0) return 999.0;
  return 10.0 * std::log10(signal / noise);
}

}  // namespace

int DebugQuantize(mlir::ModuleOp module, const QuantizeOptions& options,
                  const std::vector<std::string>& sets, std::vector<DebugRow>* rows) {
  mlir::OwningOpRef<mlir::ModuleOp> f32 = module.clone();
  mlir::OwningOpRef<mlir::ModuleOp> q8 = module.clone();
  std::vector<LayerReport> report;
  double unused = 0;
  if (const int rc = QuantizeModule(*q8, options, &report, &unused)) return rc;
  std::vector<mlir::Operation*> a = LinearLayers(*f32), b = LinearLayers(*q8);
  if (a.size() != b.size() || a.size() != report.size())
    return Fail("internal: the quantized module's layers do not match the f32 module's");
  rows->clear();
  for (size_t i = 0; i < a.size(); ++i) {
    DebugRow r;
    r.name = report[i].name;
    r.k = report[i].k;
    r.n = report[i].n;
    r.precision = report[i].precision;
    auto w = passes::ConstantValue(llvm::cast<ir::LinearOp>(a[i]).getWeight());
    if (w && w.getElementType().isF32() && r.k > 0) {
      std::vector<float> dense(w.getValues<float>().begin(), w.getValues<float>().end());
      std::vector<int8_t> q(dense.size());
      std::vector<float> scales(r.n);
      QuantizeWeightsPerColumn(dense.data(), r.k, r.n, q.data(), scales.data(), nullptr);
      double sig = 0, noise = 0;
      for (size_t e = 0; e < dense.size(); ++e) {
        const double d = dense[e] - static_cast<double>(q[e]) * scales[e % r.n];
        sig += double(dense[e]) * dense[e];
        noise += d * d;
      }
      r.weight_sqnr_db = Db(sig, noise);
    }
    rows->push_back(r);
  }
  const unsigned base = llvm::cast<mlir::func::FuncOp>(f32->lookupSymbol("main")).getNumResults();
  auto results = [](const std::vector<mlir::Operation*>& ops) {
    llvm::SmallVector<mlir::Value> v;
    for (mlir::Operation* op : ops) v.push_back(op->getResult(0));
    return v;
  };
  ExposeValues(*f32, results(a));
  ExposeValues(*q8, results(b));
  MemoryPlan pf, pq;
  if (const int rc = CompilePlan(*f32, options.target, &pf)) return rc;
  if (const int rc = CompilePlan(*q8, options.target, &pq)) return rc;
  std::vector<double> sig(a.size(), 0.0), noise(a.size(), 0.0);
  for (const std::string& set : sets) {
    if (const int rc = LoadInputs(pf.model, pf.context.get(), set)) return rc;
    if (const int rc = LoadInputs(pq.model, pq.context.get(), set)) return rc;
    if (pf.context.Invoke() != AXLE_OK || pq.context.Invoke() != AXLE_OK)
      return Fail(set + ": " + axle_last_error());
    for (size_t i = 0; i < a.size(); ++i) {
      size_t nf = 0, nq = 0;
      const float* yf = OutputData(pf, base + static_cast<uint32_t>(i), &nf);
      const float* yq = OutputData(pq, base + static_cast<uint32_t>(i), &nq);
      if (!yf || !yq || nf != nq)
        return Fail("internal: layer " + (*rows)[i].name + " outputs differ");
      for (size_t e = 0; e < nf; ++e) {
        sig[i] += double(yf[e]) * yf[e];
        noise[i] += (double(yq[e]) - yf[e]) * (double(yq[e]) - yf[e]);
      }
    }
  }
  for (size_t i = 0; i < a.size(); ++i) (*rows)[i].output_sqnr_db = Db(sig[i], noise[i]);
  return kExitOk;
}

}  // namespace axle::cli
