// `axle inspect`: what a compiled model holds, as a table for people or JSON for machines.
#include <cstdio>
#include <string>

#include "compiler/cli/cli.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace axle::cli {
namespace {

constexpr const char* kHelp =
    "usage: axle inspect MODEL.axm [--json]\n"
    "\n"
    "Loads and validates a compiled model, then describes it: provenance, inputs and outputs,\n"
    "the execution plan (one line per step), every tensor, and the memory it needs (arena bytes\n"
    "per execution context, constant bytes used in place from the file).\n"
    "\n"
    "options:\n"
    "  --json       print one JSON object instead of the table:\n"
    "               {file, file_bytes, schema_version, producer, producer_version, target,\n"
    "                cpu: {arch, features, features_optional, host_arch, host_variant},\n"
    "                source_model_hash, compile_options, arena_bytes, constant_bytes,\n"
    "                inputs: [{index, tensor, name, dtype, shape}], outputs: [...],\n"
    "                steps: [{index, op, name, inputs: [names], outputs: [names]}],\n"
    "                tensors: [{index, name, dtype, shape, storage, offset, size}]}\n"
    "  -h, --help   show this help\n";

std::string OperandName(const LoadedModel& model, uint32_t t) {
  return t == AXLE_ABSENT_TENSOR ? std::string("-") : Printable(model.tensor(t).name);
}

void WriteJson(const std::string& path, const LoadedModel& model) {
  const axle_model_info_t info = model.info();
  axle_cpu_target_t cpu{};
  axle_model_cpu_target(model.get(), &cpu);
  llvm::json::OStream j(llvm::outs(), 2);
  auto shape = [&](const axle_tensor_info_t& t) {
    j.attributeArray("shape", [&] {
      for (int i = 0; i < t.rank; ++i) j.value(t.dims[i]);
    });
  };
  auto io_list = [&](const char* key, uint32_t n, bool inputs) {
    j.attributeArray(key, [&] {
      for (uint32_t i = 0; i < n; ++i) {
        const uint32_t t = inputs ? model.input_tensor(i) : model.output_tensor(i);
        const axle_tensor_info_t ti = model.tensor(t);
        j.object([&] {
          j.attribute("index", i);
          j.attribute("tensor", t);
          j.attribute("name", JsonText(ti.name));
          j.attribute("dtype", axle_dtype_name(ti.dtype));
          shape(ti);
        });
      }
    });
  };
  // Operand names of a step; null for an absent optional operand.
  auto operands = [&](const char* key, const uint32_t* tensors, uint32_t n) {
    j.attributeArray(key, [&] {
      for (uint32_t k = 0; k < n; ++k) {
        if (tensors[k] == AXLE_ABSENT_TENSOR)
          j.value(nullptr);
        else
          j.value(JsonText(model.tensor(tensors[k]).name));
      }
    });
  };
  j.object([&] {
    j.attribute("file", JsonText(path));
    j.attribute("file_bytes", info.file_bytes);
    j.attribute("schema_version", info.schema_version);
    j.attribute("producer", JsonText(info.producer));
    j.attribute("producer_version", JsonText(info.producer_version));
    j.attribute("target", JsonText(info.target));
    j.attributeObject("cpu", [&] {
      j.attribute("arch", JsonText(cpu.arch));
      j.attribute("features", JsonText(cpu.features));
      j.attribute("features_optional", cpu.features_optional != 0);
      j.attribute("host_arch", axle_cpu_arch());
      j.attribute("host_variant", axle_cpu_variant());
    });
    j.attribute("source_model_hash", JsonText(info.source_model_hash));
    j.attribute("compile_options", JsonText(info.compile_options));
    j.attribute("arena_bytes", info.arena_bytes);
    j.attribute("constant_bytes", info.constant_bytes);
    io_list("inputs", info.num_inputs, true);
    io_list("outputs", info.num_outputs, false);
    j.attributeArray("steps", [&] {
      for (uint32_t s = 0; s < info.num_steps; ++s) {
        axle_step_info_t si{};
        axle_model_step_info(model.get(), s, &si);
        j.object([&] {
          j.attribute("index", s);
          j.attribute("op", JsonText(si.op));
          j.attribute("name", JsonText(si.name));
          operands("inputs", si.inputs, si.num_inputs);
          operands("outputs", si.outputs, si.num_outputs);
        });
      }
    });
    j.attributeArray("tensors", [&] {
      for (uint32_t t = 0; t < info.num_tensors; ++t) {
        const axle_tensor_info_t ti = model.tensor(t);
        j.object([&] {
          j.attribute("index", t);
          j.attribute("name", JsonText(ti.name));
          j.attribute("dtype", axle_dtype_name(ti.dtype));
          shape(ti);
          j.attribute("storage", StorageName(ti.storage));
          j.attribute("offset", ti.offset);
          j.attribute("size", ti.size_bytes);
        });
      }
    });
  });
  llvm::outs() << "\n";
  llvm::outs().flush();
}

void WriteText(const std::string& path, const LoadedModel& model) {
  const axle_model_info_t info = model.info();
  axle_cpu_target_t cpu{};
  axle_model_cpu_target(model.get(), &cpu);
  std::printf("model      %s (%s bytes, schema %u)\n", Printable(path).c_str(),
              Grouped(info.file_bytes).c_str(), info.schema_version);
  std::printf("producer   %s%s%s\n", Printable(info.producer).c_str(),
              *info.producer_version ? " / " : "", Printable(info.producer_version).c_str());
  std::printf("target     %s\n", *info.target ? Printable(info.target).c_str() : "(none)");
  std::printf("cpu        plan: %s%s%s%s; this host: %s, CPU kernels %s\n",
              *cpu.arch ? Printable(cpu.arch).c_str() : "any arch",
              *cpu.features ? " needing " : "", Printable(cpu.features).c_str(),
              cpu.features_optional ? " (optional)" : "", axle_cpu_arch(), axle_cpu_variant());
  if (*info.source_model_hash)
    std::printf("source     %s\n", Printable(info.source_model_hash).c_str());
  if (*info.compile_options)
    std::printf("options    %s\n", Printable(info.compile_options).c_str());
  std::printf("memory     arena %s bytes per context, constants %s bytes (in place)\n",
              Grouped(info.arena_bytes).c_str(), Grouped(info.constant_bytes).c_str());
  for (int io = 0; io < 2; ++io) {
    const uint32_t n = io == 0 ? info.num_inputs : info.num_outputs;
    std::printf("%s (%u)\n", io == 0 ? "inputs" : "outputs", n);
    for (uint32_t i = 0; i < n; ++i) {
      const uint32_t t = io == 0 ? model.input_tensor(i) : model.output_tensor(i);
      const axle_tensor_info_t ti = model.tensor(t);
      std::printf("  %-3u %-24s %s\n", i, Printable(ti.name).c_str(),
                  TensorShapeString(ti).c_str());
    }
  }
  std::printf("steps (%u)\n", info.num_steps);
  for (uint32_t s = 0; s < info.num_steps; ++s) {
    axle_step_info_t si{};
    axle_model_step_info(model.get(), s, &si);
    std::string operands = "(";
    for (uint32_t k = 0; k < si.num_inputs; ++k)
      operands += (k ? ", " : "") + OperandName(model, si.inputs[k]);
    operands += ") -> (";
    for (uint32_t k = 0; k < si.num_outputs; ++k)
      operands += (k ? ", " : "") + OperandName(model, si.outputs[k]);
    operands += ")";
    std::printf("  %-4u %-18s %-24s %s\n", s, Printable(si.op).c_str(), Printable(si.name).c_str(),
                operands.c_str());
  }
  std::printf("tensors (%u)\n", info.num_tensors);
  std::printf("  %-4s %-24s %-20s %-9s %12s %12s\n", "#", "name", "type", "storage", "offset",
              "bytes");
  for (uint32_t t = 0; t < info.num_tensors; ++t) {
    const axle_tensor_info_t ti = model.tensor(t);
    std::printf("  %-4u %-24s %-20s %-9s %12s %12s\n", t, Printable(ti.name).c_str(),
                TensorShapeString(ti).c_str(), StorageName(ti.storage), Grouped(ti.offset).c_str(),
                Grouped(ti.size_bytes).c_str());
  }
}

}  // namespace

int InspectMain(int argc, char** argv) {
  Args args("inspect", argc, argv);
  args.Flag("--json");
  std::string path;
  if (int rc; !args.ParseModelCommand(kHelp, &path, &rc)) return rc;
  LoadedModel model;
  if (const int rc = LoadModel(path, &model)) return rc;
  if (args.Has("--json"))
    WriteJson(path, model);
  else
    WriteText(path, model);
  return kExitOk;
}

}  // namespace axle::cli
