// `axle compile`: ONNX -> `axle` dialect -> canonicalization, folding, DCE -> planned .axm.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "compiler/cli/cli.h"
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
    "  --dump-ir-after-all DIR     write the IR after every pass into DIR\n"
    "  --print-ir                  print the final IR on stdout\n"
    "  --json                      print the summary as one JSON object: model, output, target,\n"
    "                              compile_ms, steps, ops {name: count}, parameters,\n"
    "                              constant_bytes, arena_bytes, arena_lower_bound\n"
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
  for (const char* o : {"-o", "--target", "--input-shape", "--freeze-input", "--dump-ir-after-all"})
    args.Option(o);
  for (const char* f : {"--print-ir", "--json", "--no-fusion", "--no-pack-qkv", "--quiet", "-q"})
    args.Flag(f);
  std::string path;
  if (int rc; !args.ParseModelCommand(kHelp, &path, &rc)) return rc;
  if (!args.Has("-o")) return UsageError("compile", "-o OUT.axm is required");
  const std::string target = args.Get("--target", "host");
  if (target != "host")
    return Fail("unknown target '" + target + "' (known targets: " + passes::KnownTargets() + ")");
  const bool quiet = args.Has("--quiet") || args.Has("-q");

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
    pm.addPass(mlir::createCanonicalizerPass());
  }
  pm.addNestedPass<mlir::func::FuncOp>(passes::createAxlePackWeights({target}));
  pm.addNestedPass<mlir::func::FuncOp>(passes::createAxleMaterializeOutputs());
  pm.addNestedPass<mlir::func::FuncOp>(passes::createAxleSelectKernels({target}));
  pm.addNestedPass<mlir::func::FuncOp>(passes::createAxlePlanMemory());
  if (args.Has("--dump-ir-after-all"))
    pm.enableIRPrintingToFileTree([](mlir::Pass*, mlir::Operation*) { return false; },
                                  [](mlir::Pass*, mlir::Operation*) { return true; },
                                  /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false,
                                  /*printAfterOnlyOnFailure=*/false,
                                  args.Get("--dump-ir-after-all"));
  if (mlir::failed(pm.run(*module))) return first_error ? Fail("the pass pipeline failed") : 1;
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
  }
  return kExitOk;
}

}  // namespace axle::cli
