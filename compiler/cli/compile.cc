// `axle compile`: ONNX -> `axle` dialect -> canonicalization, folding, DCE -> planned .axm.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "compiler/cli/cli.h"
#include "compiler/cli/quantize.h"
#include "compiler/dialect/AxleDialect.h"
#include "compiler/emitter/PlanEmitter.h"
#include "compiler/importer/OnnxImporter.h"
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
    "Compiles an ONNX model (opsets 13-21; binary protobuf, or ONNX's text syntax for files\n"
    "ending in .onnxtxt) into an .axm plan: import into the axle dialect, canonicalize and fold\n"
    "constants (shape subgraphs fold away), remove dead code, fuse (LayerNorm, GELU, linear\n"
    "epilogues, attention, QKV packing, elementwise chains), select kernels for the target,\n"
    "plan the arena, emit. Prints a summary: steps by op, parameters, arena bytes against the\n"
    "lower bound, compile time.\n"
    "\n"
    "options:\n"
    "  -o FILE                     the .axm file to write (required)\n"
    "  --target NAME               the target to compile for (only 'host' today)\n"
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
    "  --json                      print the summary as one JSON object: model, output, target,\n"
    "                              compile_ms, steps, ops {name: count}, parameters,\n"
    "                              constant_bytes, arena_bytes, arena_lower_bound, and with\n"
    "                              --precision int8/mixed/w8/w4 layers [{name, k, n, precision,\n"
    "                              reason, range, scale, zero_point}]\n"
    "  -q, --quiet                 print no summary\n"
    "  -h, --help                  show this help\n";

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
                        "--max-error", "--smooth-alpha", "--group-size"})
    args.Option(o);
  for (const char* f :
       {"--print-ir", "--json", "--no-fusion", "--no-pack-qkv", "--quiet", "-q", "--debug-quant"})
    args.Flag(f);
  std::string path;
  if (int rc; !args.ParseModelCommand(kHelp, &path, &rc)) return rc;
  if (!args.Has("-o")) return UsageError("compile", "-o OUT.axm is required");
  const std::string target = args.Get("--target", "host");
  if (target != "host")
    return Fail("unknown target '" + target + "' (known targets: " + passes::KnownTargets() + ")");
  const bool quiet = args.Has("--quiet") || args.Has("-q");
  const std::string precision = args.Get("--precision", "f32");
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
    if (first_error) std::fprintf(stderr, "error: %s\n", message.c_str());
    first_error = false;
  });

  mlir::OwningOpRef<mlir::ModuleOp> module = importer::ImportModel(model, &context, options);
  if (!module) {
    if (first_error) return Fail(path + ": import failed");
    return kExitFailure;
  }
  mlir::PassManager pm(&context);
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(mlir::createCanonicalizerPass());
  if (!args.Has("--no-fusion")) {
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
  AddBackendPasses(quantize || weight_only ? back : pm, target);
  if (args.Has("--dump-ir-after-all"))
    pm.enableIRPrintingToFileTree([](mlir::Pass*, mlir::Operation*) { return false; },
                                  [](mlir::Pass*, mlir::Operation*) { return true; },
                                  /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false,
                                  /*printAfterOnlyOnFailure=*/false,
                                  args.Get("--dump-ir-after-all"));
  if (mlir::failed(pm.run(*module))) return first_error ? Fail("the pass pipeline failed") : 1;
  std::vector<LayerReport> layers;
  double mixed_error = 0;
  if (quantize && args.Has("--debug-quant")) {
    std::vector<DebugRow> rows;
    if (const int rc = DebugQuantize(*module, qopts, ListInputSets(qopts.calib_dir), &rows))
      return rc;
    if (args.Has("--json")) {
      llvm::json::OStream j(llvm::outs(), 2);
      j.object([&] {
        j.attribute("model", path);
        j.attribute("calib_method", quant::CalibMethodName(qopts.method));
        j.attributeArray("layers", [&] {
          for (const DebugRow& r : rows)
            j.object([&] {
              j.attribute("name", r.name);
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
      std::printf("  %-40s %11s  %-9s %14.1f %14.1f\n", r.name.c_str(), kn, r.precision.c_str(),
                  r.weight_sqnr_db, r.output_sqnr_db);
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
  emit.target = target;
  const auto digest = llvm::SHA256::hash(
      llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t*>(source.data()), source.size()));
  emit.source_model_hash = "sha256:" + Hex(digest);
  for (int i = 0; i < argc; ++i) emit.compile_options += (i ? " " : "") + std::string(argv[i]);
  std::vector<uint8_t> bytes;
  emitter::EmitStats stats;
  if (mlir::failed(emitter::EmitPlan(*module, emit, &bytes, &stats)))
    return first_error ? Fail("emission failed") : kExitFailure;
  const std::string out = args.Get("-o");
  if (!WriteFile(out, bytes)) return Fail("cannot write '" + out + "': " + std::strerror(errno));

  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (args.Has("--json")) {
    llvm::json::OStream j(llvm::outs(), 2);
    j.object([&] {
      j.attribute("model", path);
      j.attribute("output", out);
      j.attribute("target", target);
      j.attribute("compile_ms", ms);
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
              j.attribute("name", l.name);
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
    std::printf("compiled %s -> %s for %s in %.0f ms\n", path.c_str(), out.c_str(), target.c_str(),
                ms);
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
        std::printf("    %-40s %11s  %-9s %-24s %s\n", l.name.c_str(), kn, l.precision.c_str(),
                    range, detail);
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
