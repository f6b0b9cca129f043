// `axle compile`: ONNX -> `axle` dialect -> canonicalization, folding, DCE -> planned .axm.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "compiler/cli/cli.h"
#include "compiler/cli/quantize.h"
#include "compiler/cost/CostModel.h"
#include "compiler/dialect/AxleDialect.h"
#include "compiler/emitter/PlanEmitter.h"
#include "compiler/importer/OnnxImporter.h"
#include "compiler/targets/Target.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "onnx/onnx_pb.h"
#include "passes/Passes.h"
#include "runtime/writer/model_writer.h"

namespace axle::cli {
namespace {

constexpr const char* kHelp =
    "usage: axle compile MODEL.onnx -o OUT.axm [options]\n"
    "\n"
    "Compiles an ONNX model (default-domain opsets 7-21; opsets 1-6 are upgraded to 13 with\n"
    "ONNX's version converter first; binary protobuf, or ONNX's text syntax for files ending\n"
    "in .onnxtxt) into an .axm plan: import into the axle dialect, canonicalize and fold\n"
    "constants (shape subgraphs fold away), remove dead code, fuse (LayerNorm, GELU, linear\n"
    "epilogues, attention, QKV packing, elementwise chains), select kernels for the target,\n"
    "plan the arena, emit. Prints a summary: steps by op, parameters, arena bytes against the\n"
    "lower bound, compile time.\n"
    "\n"
    "options:\n"
    "  -o FILE                     the .axm file to write (required)\n"
    "  --target NAME               the chip to compile for (default host; `axle targets` lists\n"
    "                              them): checks that its main engine runs every op and the\n"
    "                              precision (an op it cannot run is an error naming the op),\n"
    "                              picks the precision when --precision is not given (int8 with\n"
    "                              --calib on int8 engines, else f32), checks the memory budget,\n"
    "                              and prints the kernel family and the modelled latency. The\n"
    "                              plan itself runs on this host (a functional model of the chip)\n"
    "  --targets-dir DIR           where the target files are (default $AXLE_TARGETS_DIR, else\n"
    "                              the source tree's targets/)\n"
    "  --cpu-features-optional     --target: record the target CPU's extensions (e.g. asimddp,\n"
    "                              i8mm) as preferred, not required: a host of that architecture\n"
    "                              without them runs the plan on the kernels it has instead of\n"
    "                              refusing it (by default the plan names what it needs)\n"
    "  --allow-cpu-fallback        --target: run ops the main engine cannot run on the chip's CPU\n"
    "                              cluster (modelled there) instead of failing\n"
    "  --memory-budget-mib N       --target: the weights + arena budget (default: the target's\n"
    "                              memory_budget_mib)\n"
    "  --input-shape NAME=AxBxC    pin the shape of graph input NAME (repeatable); required for\n"
    "                              inputs with symbolic dimensions\n"
    "  --freeze-input NAME=FILE.pb bind graph input NAME to the values of an ONNX TensorProto\n"
    "                              file (repeatable): it leaves the plan's inputs, and shape\n"
    "                              subgraphs reading it fold away\n"
    "  --no-fusion                 skip the fusion passes (LayerNorm, GELU, linear, attention,\n"
    "                              QKV packing, elementwise chains)\n"
    "  --no-pack-qkv               keep sibling Q/K/V projections as separate linears\n"
    "  --precision P               f32, int8, mixed, w8 or w4. int8: calibrated post-training "
    "quantization of the linear\n"
    "                              layers (u8 activations per tensor, s8 weights per output\n"
    "                              channel, int32 sums, f32 epilogue, bias correction); needs\n"
    "                              --calib. mixed: int8, but the layers whose quantization\n"
    "                              hurts most stay f32 until --max-error holds. Prints the\n"
    "                              per-layer precision table (default f32)\n"
    "                              w8 / w4: weight-only int8 / int4 (a scale per column /\n"
    "                              per --group-size rows and column), f32 activations, no\n"
    "                              calibration: for memory-bound (decode, M = 1) layers\n"
    "  --group-size G              w4: rows per int4 scale, 32 (default), 64 or 128\n"
    "  --max-error E               mixed: the budget, as the largest relative RMS error of any\n"
    "                              output against f32 over the calibration inputs (0.01)\n"
    "  --calib DIR                 calibration inputs: sub-folders of DIR each holding\n"
    "                              input_0.pb ... (the `axle run --inputs` layout), or DIR itself\n"
    "  --calib-method M            how activation ranges are chosen from the calibration\n"
    "                              statistics: minmax, percentile (default), entropy (KL), mse\n"
    "  --percentile P              the percentile for --calib-method percentile (99.99)\n"
    "  --smooth-alpha A            SmoothQuant: move activation range disparity between input\n"
    "                              channels into the weights, strength A in (0, 1] (0.5 is\n"
    "                              usual; smoothed layers take minmax ranges). Off by default\n"
    "  --keep-float PATTERN        keep the layers whose name contains PATTERN in f32\n"
    "                              (repeatable; int8, mixed, w8 and w4)\n"
    "  --debug-quant               int8/mixed: first print each linear layer's weight SQNR and\n"
    "                              its output SQNR in the int8 plan against the f32 plan over\n"
    "                              the calibration inputs (what `axle debug-quant` runs)\n"
    "  --dump-ir-after-all DIR     write the IR after every pass into DIR\n"
    "  --print-ir                  print the final IR on stdout\n"
    "  --print-import              print the IR as imported (before any pass) on stdout and\n"
    "                              stop (the importer's lit tests)\n"
    "  --json                      print the summary as one JSON object: model, output, target,\n"
    "                              compile_ms, steps, ops {name: count}, parameters,\n"
    "                              constant_bytes, arena_bytes, arena_lower_bound, and with\n"
    "                              --precision int8/mixed/w8/w4 layers [{name, k, n, precision,\n"
    "                              reason, range, scale, zero_point}]\n"
    "  -q, --quiet                 print no summary\n"
    "  -h, --help                  show this help\n";

std::string JoinWords(const std::vector<std::string>& words, const char* sep = "/") {
  std::string s;
  for (const std::string& w : words) s += (s.empty() ? "" : sep) + w;
  return s;
}

std::string Hex(llvm::ArrayRef<uint8_t> bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

// One line per diagnostic: "error: <node>: <message>".
std::string Where(mlir::Location loc) {
  if (auto n = llvm::dyn_cast<mlir::NameLoc>(loc)) return n.getName().str() + ": ";
  return "";
}

}  // namespace

int CompileMain(int argc, char** argv) {
  const auto start = std::chrono::steady_clock::now();
  Args args("compile", argc, argv);
  for (const char* o : {"-o", "--target", "--input-shape", "--freeze-input", "--dump-ir-after-all",
                        "--precision", "--calib", "--calib-method", "--percentile", "--keep-float",
                        "--max-error", "--smooth-alpha", "--group-size", "--targets-dir",
                        "--memory-budget-mib"})
    args.Option(o);
  for (const char* f :
       {"--print-ir", "--print-import", "--json", "--no-fusion", "--no-pack-qkv", "--quiet", "-q",
        "--debug-quant", "--allow-cpu-fallback", "--cpu-features-optional"})
    args.Flag(f);
  std::string path;
  if (int rc; !args.ParseModelCommand(kHelp, &path, &rc)) return rc;
  if (!args.Has("-o")) return UsageError("compile", "-o OUT.axm is required");
  // A chip target: its description from targets/; the plan itself is built for (and runs on)
  // this host, the chip's engines are checked and modelled.
  const std::string chip_name = args.Get("--target", "host");
  const bool has_chip = chip_name != "host";
  targets::Target chip;
  if (has_chip) {
    std::string error;
    if (!targets::LoadByName(args.Get("--targets-dir", targets::DefaultDir()), chip_name, &chip,
                             &error))
      return Fail(error);
  }
  const std::string target = "host";
  const bool quiet = args.Has("--quiet") || args.Has("-q");
  std::string precision = args.Get("--precision", "f32");
  if (has_chip && !args.Has("--precision")) {
    if (chip.Runs("int8") && args.Has("--calib"))
      precision = "int8";
    else if (chip.Runs("f32"))
      precision = "f32";
    else
      return UsageError("compile", "target '" + chip.name + "' runs " +
                                       JoinWords(chip.engines[0].precisions) + " on its " +
                                       chip.engines[0].name +
                                       ", not f32: give --calib DIR to compile it in int8");
  }
  if (has_chip) {
    const bool needs_int8 = precision == "int8" || precision == "mixed";
    const char* engine_precision = needs_int8 ? "int8" : "f32";
    if (!chip.Runs(engine_precision) && !(precision == "mixed" && chip.Runs("fp16")))
      return Fail("--precision " + precision + " needs " + engine_precision + " linear layers, " +
                  "but target '" + chip.name + "' runs " + JoinWords(chip.engines[0].precisions) +
                  " on its " + chip.engines[0].name);
  }
  if (precision != "f32" && precision != "int8" && precision != "mixed" && precision != "w8" &&
      precision != "w4")
    return UsageError("compile",
                      "--precision takes f32, int8, mixed, w8 or w4, got '" + precision + "'");
  const bool weight_only = precision == "w8" || precision == "w4";
  const bool quantize = precision == "int8" || precision == "mixed";
  QuantizeOptions qopts;
  qopts.target = target;
  qopts.calib_dir = args.Get("--calib");
  qopts.keep_float = args.GetAll("--keep-float");
  qopts.progress = !quiet && !args.Has("--json");
  if (auto m = quant::ParseCalibMethod(args.Get("--calib-method", "percentile")))
    qopts.method = *m;
  else
    return UsageError("compile", "--calib-method takes minmax, percentile, entropy or mse, got '" +
                                     args.Get("--calib-method") + "'");
  if (args.Has("--percentile")) {
    char* end = nullptr;
    const std::string text = args.Get("--percentile");
    qopts.percentile = std::strtod(text.c_str(), &end);
    if (text.empty() || *end || !(qopts.percentile > 50) || !(qopts.percentile <= 100))
      return UsageError("compile", "--percentile takes a number in (50, 100], got '" + text + "'");
  }
  if (args.Has("--smooth-alpha")) {
    char* end = nullptr;
    const std::string text = args.Get("--smooth-alpha");
    qopts.smooth_alpha = std::strtod(text.c_str(), &end);
    if (text.empty() || *end || !(qopts.smooth_alpha > 0) || qopts.smooth_alpha > 1)
      return UsageError("compile", "--smooth-alpha takes a number in (0, 1], got '" + text + "'");
  }
  if (precision == "mixed") {
    char* end = nullptr;
    const std::string text = args.Get("--max-error", "0.01");
    qopts.max_error = std::strtod(text.c_str(), &end);
    if (text.empty() || *end || !(qopts.max_error > 0))
      return UsageError("compile", "--max-error takes a number > 0, got '" + text + "'");
  } else if (args.Has("--max-error")) {
    return UsageError("compile", "--max-error needs --precision mixed");
  }
  int group = 32;
  if (args.Has("--group-size")) {
    const std::string text = args.Get("--group-size");
    if (precision != "w4") return UsageError("compile", "--group-size needs --precision w4");
    if (text != "32" && text != "64" && text != "128")
      return UsageError("compile", "--group-size takes 32, 64 or 128, got '" + text + "'");
    group = std::atoi(text.c_str());
  }
  if (weight_only && args.Has("--no-fusion"))
    return UsageError("compile", "--precision " + precision +
                                     " quantizes fused linear layers: drop --no-fusion");
  if (quantize && qopts.calib_dir.empty())
    return UsageError("compile",
                      "--precision " + precision + " needs --calib DIR (calibration inputs)");
  if (quantize && args.Has("--no-fusion"))
    return UsageError("compile", "--precision " + precision +
                                     " quantizes fused linear layers: drop --no-fusion");

  importer::ImportOptions options;
  for (const std::string& spec : args.GetAll("--input-shape")) {
    const size_t eq = spec.rfind('=');
    if (eq == std::string::npos || eq == 0)
      return UsageError("compile", "--input-shape takes NAME=AxBxC, got '" + spec + "'");
    std::vector<int64_t> dims;
    std::stringstream s(spec.substr(eq + 1));
    std::string d;
    while (std::getline(s, d, 'x')) {
      char* end = nullptr;
      const long long v = std::strtoll(d.c_str(), &end, 10);
      if (d.empty() || *end || v < 0)
        return UsageError("compile",
                          "--input-shape '" + spec + "': '" + d + "' is not a dimension");
      dims.push_back(v);
    }
    options.input_shapes[spec.substr(0, eq)] = dims;
  }

  for (const std::string& spec : args.GetAll("--freeze-input")) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      return UsageError("compile", "--freeze-input takes NAME=FILE.pb, got '" + spec + "'");
    options.frozen_inputs[spec.substr(0, eq)] = spec.substr(eq + 1);
  }

  const size_t slash = path.rfind('/');
  options.model_dir = slash == std::string::npos ? "." : path.substr(0, slash);
  onnx::ModelProto model;
  std::string source, error;
  const bool text = path.size() > 8 && path.substr(path.size() - 8) == ".onnxtxt";
  if (!importer::ReadModel(path, text, &model, &source, &error)) return Fail(error);

  mlir::MLIRContext context;
  context.disableMultithreading();
  context.loadDialect<ir::AxleDialect, mlir::func::FuncDialect>();
  bool first_error = true;
  context.getDiagEngine().registerHandler([&](mlir::Diagnostic& d) {
    if (d.getSeverity() != mlir::DiagnosticSeverity::Error) return;
    std::string message = d.str();
    if (message.rfind("node '", 0) != 0) message = Where(d.getLocation()) + message;
    for (char& c : message)
      if (c == '\n') c = ' ';
    if (first_error) std::fprintf(ErrorStream(), "error: %s\n", Printable(message).c_str());
    first_error = false;
  });

  mlir::OwningOpRef<mlir::ModuleOp> module = importer::ImportModel(model, &context, options);
  if (!module) {
    if (first_error) return Fail(path + ": import failed");
    return kExitFailure;
  }
  if (args.Has("--print-import")) {
    module->print(llvm::outs());
    llvm::outs() << "\n";
    return 0;
  }
  mlir::PassManager pm(&context);
  pm.addPass(mlir::createCanonicalizerPass());
  const bool allow_fallback = args.Has("--allow-cpu-fallback");
  pm.addPass(mlir::createCSEPass());
  pm.addPass(mlir::createCanonicalizerPass());
  if (!args.Has("--no-fusion")) {
    pm.addNestedPass<mlir::func::FuncOp>(passes::createAxleConvToGemm());
    pm.addPass(mlir::createCanonicalizerPass());
    pm.addNestedPass<mlir::func::FuncOp>(passes::createAxleFuseLayerNorm());
    pm.addNestedPass<mlir::func::FuncOp>(passes::createAxleFuseGelu());
    pm.addNestedPass<mlir::func::FuncOp>(passes::createAxleFuseLinear());
    pm.addNestedPass<mlir::func::FuncOp>(passes::createAxleFuseAttention());
    if (!args.Has("--no-pack-qkv"))
      pm.addNestedPass<mlir::func::FuncOp>(passes::createAxlePackQkv());
    pm.addNestedPass<mlir::func::FuncOp>(passes::createAxleFuseElementwise());
    pm.addNestedPass<mlir::func::FuncOp>(passes::createAxleFuseQdq());
    pm.addPass(mlir::createCanonicalizerPass());
  }
  // With --precision int8 the pipeline stops after fusion for calibration and quantization.
  mlir::PassManager back(&context);
  if (weight_only)
    back.addNestedPass<mlir::func::FuncOp>(
        passes::createAxleQuantizeWeights({precision == "w8" ? 8 : 4, group}));
  // The int8 weight layout the target CPU's kernels read: the i8mm one where the chip's CPU has
  // I8MM (kernels/arm64: USMMLA without weight shuffles), else the one every other kernel reads.
  const bool i8mm_layout =
      has_chip && chip.cpu && chip.cpu->arch == "aarch64" && chip.cpu->Has("i8mm");
  AddBackendPasses(quantize || weight_only ? back : pm, target,
                   i8mm_layout ? "s8panel16x8" : "s8panel16x4");
  if (args.Has("--dump-ir-after-all"))
    pm.enableIRPrintingToFileTree([](mlir::Pass*, mlir::Operation*) { return false; },
                                  [](mlir::Pass*, mlir::Operation*) { return true; },
                                  /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false,
                                  /*printAfterOnlyOnFailure=*/false,
                                  args.Get("--dump-ir-after-all"));
  if (mlir::failed(pm.run(*module))) return first_error ? Fail("the pass pipeline failed") : 1;
  // The chip's main engine must run every op of the fused plan (no silent fallback).
  std::vector<std::string> fallback_ops;
  if (has_chip) {
    bool ok = true;
    module->walk([&](mlir::Operation* op) {
      if (!op->getDialect() || op->getDialect()->getNamespace() != "axle" ||
          llvm::isa<ir::ConstantOp>(op))
        return;
      const std::string kind = op->getName().stripDialect().str();
      const std::string why = chip.Unsupported(kind);
      if (why.empty()) return;
      if (allow_fallback) {
        if (std::find(fallback_ops.begin(), fallback_ops.end(), kind) == fallback_ops.end())
          fallback_ops.push_back(kind);
        return;
      }
      if (ok)
        op->emitError() << "op '" << kind << "' cannot run on target '" << chip.name << "' ("
                        << chip.engines[0].name << "): " << why
                        << "; --allow-cpu-fallback runs it on the CPU cluster ("
                        << (chip.figures.count("cpu") ? chip.figures.at("cpu").text : "CPU")
                        << ")";
      ok = false;
    });
    if (!ok) return kExitFailure;
  }
  std::vector<LayerReport> layers;
  double mixed_error = 0;
  if (quantize && args.Has("--debug-quant")) {
    std::vector<DebugRow> rows;
    if (const int rc = DebugQuantize(*module, qopts, ListInputSets(qopts.calib_dir), &rows))
      return rc;
    if (args.Has("--json")) {
      llvm::json::OStream j(llvm::outs(), 2);
      j.object([&] {
        j.attribute("model", JsonText(path));
        j.attribute("calib_method", quant::CalibMethodName(qopts.method));
        j.attributeArray("layers", [&] {
          for (const DebugRow& r : rows)
            j.object([&] {
              j.attribute("name", JsonText(r.name));
              j.attribute("k", r.k);
              j.attribute("n", r.n);
              j.attribute("precision", r.precision);
              j.attribute("weight_sqnr_db", r.weight_sqnr_db);
              j.attribute("output_sqnr_db", r.output_sqnr_db);
            });
        });
      });
      llvm::outs() << "\n";
      llvm::outs().flush();
      return kExitOk;
    }
    std::printf("per-layer SQNR, int8 (%s calibration) against f32, over %zu input sets:\n",
                quant::CalibMethodName(qopts.method), ListInputSets(qopts.calib_dir).size());
    std::printf("  %-40s %11s  %-9s %14s %14s\n", "layer", "K x N", "precision", "weight (dB)",
                "output (dB)");
    for (const DebugRow& r : rows) {
      char kn[32];
      std::snprintf(kn, sizeof kn, "%lld x %lld", static_cast<long long>(r.k),
                    static_cast<long long>(r.n));
      std::printf("  %-40s %11s  %-9s %14.1f %14.1f\n", Printable(r.name).c_str(), kn,
                  r.precision.c_str(), r.weight_sqnr_db, r.output_sqnr_db);
    }
    std::printf("(output SQNR includes the error of every earlier layer: the first large drop "
                "names the layer that breaks)\n");
    return kExitOk;
  }
  if (quantize || weight_only) {
    if (quantize) {
      if (const int rc = QuantizeModule(*module, qopts, &layers, &mixed_error)) return rc;
    } else {
      MarkWeightOnly(*module, qopts, precision == "w8" ? 8 : 4, group, &layers);
    }
    if (mlir::failed(back.run(*module))) return first_error ? Fail("the pass pipeline failed") : 1;
  }
  if (args.Has("--print-ir")) {
    module->print(llvm::outs());
    llvm::outs() << "\n";
    llvm::outs().flush();
  }

  emitter::EmitOptions emit;
  emit.target = has_chip ? chip.name : target;
  // The target's CPU cluster: the plan records the features its kernels need there (a host of
  // that arch without them refuses it, unless --cpu-features-optional).
  std::string cpu_variant;
  if (has_chip && chip.cpu) {
    emit.cpu_arch = chip.cpu->arch;
    emit.cpu_features = chip.cpu->PlanFeatures(quantize);
    emit.cpu_features_optional = args.Has("--cpu-features-optional");
    cpu_variant = chip.cpu->KernelVariant(quantize);
  }
  const auto digest = llvm::SHA256::hash(
      llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t*>(source.data()), source.size()));
  emit.source_model_hash = "sha256:" + Hex(digest);
  for (int i = 0; i < argc; ++i) emit.compile_options += (i ? " " : "") + std::string(argv[i]);
  std::vector<uint8_t> bytes;
  emitter::EmitStats stats;
  if (mlir::failed(emitter::EmitPlan(*module, emit, &bytes, &stats)))
    return first_error ? Fail("emission failed") : kExitFailure;
  const std::string out = args.Get("-o");
  double budget_mib = 0;
  if (has_chip) {
    budget_mib = chip.Value("memory_budget_mib").value_or(0);
    if (args.Has("--memory-budget-mib")) {
      budget_mib = std::atof(args.Get("--memory-budget-mib").c_str());
      if (!(budget_mib > 0))
        return UsageError("compile", "--memory-budget-mib takes a positive number");
    }
    const double need = static_cast<double>(stats.constant_bytes + stats.arena_bytes);
    if (budget_mib > 0 && need > budget_mib * 1024 * 1024) {
      char text[256];
      std::snprintf(text, sizeof text,
                    "the plan needs %.1f MiB (weights %.1f + arena %.1f), over target '%s''s "
                    "memory budget of %.0f MiB (--memory-budget-mib overrides)",
                    need / 1048576.0, stats.constant_bytes / 1048576.0,
                    stats.arena_bytes / 1048576.0, chip.name.c_str(), budget_mib);
      return Fail(text);
    }
  }
  if (!WriteFile(out, bytes)) return Fail("cannot write '" + out + "': " + std::strerror(errno));
  // The chip: what Axle would run there, and the cost model's latency (modelled, not measured).
  std::optional<cost::Estimate> modelled;
  std::string model_note;
  if (has_chip) {
    cost::Efficiency eff;
    std::string error;
    LoadedModel plan;
    if (!cost::LoadEfficiency(cost::EfficiencyPath(args.Get("--targets-dir", targets::DefaultDir())),
                              &eff, &error))
      model_note = error;
    else if (LoadedModel::FromFile(out.c_str(), &plan) != AXLE_OK)
      model_note = axle_last_error();
    else
      modelled = cost::Model(cost::Analyze(plan), chip, quantize ? "int8" : "f32", eff);
  }

  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (args.Has("--json")) {
    llvm::json::OStream j(llvm::outs(), 2);
    j.object([&] {
      j.attribute("model", JsonText(path));
      j.attribute("output", out);
      j.attribute("target", has_chip ? chip.name : target);
      j.attribute("compile_ms", ms);
      if (has_chip && chip.cpu)
        j.attributeObject("cpu", [&] {
          j.attribute("arch", chip.cpu->arch);
          j.attribute("core", chip.cpu->core);
          j.attribute("kernels", cpu_variant);
          j.attribute("int8_layout", i8mm_layout ? "s8panel16x8" : "s8panel16x4");
          j.attribute("features", emit.cpu_features);
          j.attribute("features_optional", emit.cpu_features_optional);
        });
      if (has_chip)
        j.attributeObject("chip", [&] {
          j.attribute("display", chip.display);
          j.attribute("engine", chip.engines[0].name);
          j.attribute("kernel_family", chip.kernel_family);
          j.attribute("tile", chip.tile);
          j.attribute("memory_budget_mib", budget_mib);
          j.attributeArray("cpu_fallback_ops", [&] {
            for (const std::string& o : fallback_ops) j.value(o);
          });
          if (modelled) {
            j.attribute("modelled_ms", modelled->ms);
            j.attribute("modelled_precision", modelled->precision);
            j.attribute("modelled_float_precision", modelled->float_precision);
          } else {
            j.attribute("modelled_ms", nullptr);
            j.attribute("model_note", model_note);
          }
        });
      j.attribute("steps", static_cast<int64_t>(stats.steps));
      j.attributeObject("ops", [&] {
        for (const auto& [name, n] : stats.ops) j.attribute(name, n);
      });
      j.attribute("parameters", static_cast<int64_t>(stats.parameters));
      j.attribute("constant_bytes", static_cast<int64_t>(stats.constant_bytes));
      j.attribute("arena_bytes", static_cast<int64_t>(stats.arena_bytes));
      j.attribute("arena_lower_bound", static_cast<int64_t>(stats.arena_lower_bound));
      j.attribute("precision", precision);
      if (precision == "w4") j.attribute("group_size", static_cast<int64_t>(group));
      if (quantize || weight_only) {
        if (quantize) j.attribute("calib_method", quant::CalibMethodName(qopts.method));
        if (precision == "mixed") {
          j.attribute("max_error", qopts.max_error);
          j.attribute("achieved_error", mixed_error);
        }
        j.attributeArray("layers", [&] {
          for (const LayerReport& l : layers)
            j.object([&] {
              j.attribute("name", JsonText(l.name));
              j.attribute("k", l.k);
              j.attribute("n", l.n);
              j.attribute("precision", l.precision);
              if (!l.reason.empty()) j.attribute("reason", l.reason);
              if (l.precision == "int8") {
                j.attributeArray("range", [&] {
                  j.value(static_cast<double>(l.lo));
                  j.value(static_cast<double>(l.hi));
                });
                j.attribute("scale", static_cast<double>(l.scale));
                j.attribute("zero_point", static_cast<int64_t>(l.zero_point));
              }
              if (l.sensitivity >= 0) j.attribute("sensitivity", l.sensitivity);
            });
        });
      }
    });
    llvm::outs() << "\n";
    llvm::outs().flush();
  } else if (!quiet) {
    std::string ops;
    for (const auto& [name, n] : stats.ops)
      ops += (ops.empty() ? "" : ", ") + name + " " + std::to_string(n);
    std::printf("compiled %s -> %s for %s in %.0f ms\n", path.c_str(), out.c_str(),
                has_chip ? chip.name.c_str() : target.c_str(), ms);
    if (has_chip) {
      std::printf("  chip       %s: %s; %s\n", chip.display.c_str(), chip.engines[0].name.c_str(),
                  chip.kernel_family.c_str());
      std::printf("             tiles %s; memory %.1f of %.0f MiB budget%s%s\n", chip.tile.c_str(),
                  (stats.constant_bytes + stats.arena_bytes) / 1048576.0, budget_mib,
                  fallback_ops.empty() ? "" : "; on the CPU cluster: ",
                  JoinWords(fallback_ops, ", ").c_str());
      if (chip.cpu)
        std::printf("  cpu        %s %s: CPU kernels %s%s; the plan needs %s%s\n",
                    chip.cpu->arch.c_str(), chip.cpu->core.c_str(), cpu_variant.c_str(),
                    quantize && i8mm_layout ? " (int8 weights in s8panel16x8)" : "",
                    emit.cpu_features.empty() ? "nothing" : emit.cpu_features.c_str(),
                    emit.cpu_features_optional ? " (optional: --cpu-features-optional)" : "");
      if (modelled)
        std::printf("             modelled latency %.2f ms (%s matmuls, %s others; cost model, "
                    "not measured); the .axm runs on this host\n",
                    modelled->ms, modelled->precision.c_str(), modelled->float_precision.c_str());
      else
        std::printf("             no modelled latency: %s\n", model_note.c_str());
    }
    std::printf("  steps      %zu (%s)\n", stats.steps, ops.c_str());
    std::printf("  parameters %s (%s constant bytes)\n", Grouped(stats.parameters).c_str(),
                Grouped(stats.constant_bytes).c_str());
    std::printf("  arena      %s bytes, lower bound %s (%.2fx)\n",
                Grouped(stats.arena_bytes).c_str(), Grouped(stats.arena_lower_bound).c_str(),
                stats.arena_lower_bound ? double(stats.arena_bytes) / stats.arena_lower_bound
                                        : 1.0);
    if (quantize || weight_only) {
      size_t n8 = 0;
      for (const LayerReport& l : layers) n8 += l.precision != "f32";
      if (quantize)
        std::printf("  precision  %s (%s calibration): %zu of %zu linear layers in int8\n",
                    precision.c_str(), quant::CalibMethodName(qopts.method), n8, layers.size());
      else
        std::printf("  precision  %s (weight-only%s): %zu of %zu linear layers quantized\n",
                    precision.c_str(),
                    precision == "w4" ? (", group " + std::to_string(group)).c_str() : "", n8,
                    layers.size());
      if (precision == "mixed")
        std::printf("             output error %.4g (relative RMS, worst output) within the "
                    "budget %.4g\n",
                    mixed_error, qopts.max_error);
      std::printf("    %-40s %11s  %-9s %-24s %s\n", "layer", "K x N", "precision", "input range",
                  "scale / zero point or why f32");
      for (const LayerReport& l : layers) {
        char kn[32], range[48], detail[64];
        std::snprintf(kn, sizeof kn, "%lld x %lld", static_cast<long long>(l.k),
                      static_cast<long long>(l.n));
        if (l.precision == "int8") {
          std::snprintf(range, sizeof range, "[%.4g, %.4g]", l.lo, l.hi);
          std::snprintf(detail, sizeof detail, "%.4g / %d%s%s", l.scale, l.zero_point,
                        l.reason.empty() ? "" : " (",
                        l.reason.empty() ? "" : (l.reason + ")").c_str());
        } else {
          range[0] = 0;
          std::snprintf(detail, sizeof detail, "%s", l.reason.c_str());
        }
        std::printf("    %-40s %11s  %-9s %-24s %s\n", Printable(l.name).c_str(), kn,
                    l.precision.c_str(), range, detail);
      }
    }
  }
  return kExitOk;
}

int DebugQuantMain(int argc, char** argv) {
  static const char* kDebugHelp =
      "usage: axle debug-quant MODEL.onnx --calib DIR [--calib-method M] [--percentile P]\n"
      "                        [--keep-float NAME] [--json]\n"
      "\n"
      "Quantizes MODEL to int8 as `axle compile --precision int8` would (calibration on the input\n"
      "sets of DIR), then runs the int8 and the f32 plans side by side on those sets and prints,\n"
      "per linear layer, the SQNR of its int8 weights and of its output against f32\n"
      "(10 log10 of signal over error power, dB; the output's includes the error of every\n"
      "earlier layer). Writes no file.\n";
  for (int i = 0; i < argc; ++i)
    if (!std::strcmp(argv[i], "-h") || !std::strcmp(argv[i], "--help")) {
      std::fputs(kDebugHelp, stdout);
      return kExitOk;
    }
  std::vector<std::string> words(argv, argv + argc);
  for (const std::string& w : words)
    if (w == "-o" || w.rfind("--precision", 0) == 0)
      return UsageError("debug-quant", "'" + w + "' is not an option of debug-quant");
  words.insert(words.end(), {"-o", "/dev/null", "--precision", "int8", "--debug-quant"});
  std::vector<char*> cargv;
  for (std::string& w : words) cargv.push_back(w.data());
  return CompileMain(static_cast<int>(cargv.size()), cargv.data());
}

}  // namespace axle::cli
