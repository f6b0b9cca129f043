// Chip targets: the data files in targets/ (one YAML file per chip, comments allowed), each
// figure with its source and whether it was checked. Loaded by `axle compile --target`,
// `axle targets` and `axle bench --chips`.
#ifndef AXLE_COMPILER_TARGETS_TARGET_H_
#define AXLE_COMPILER_TARGETS_TARGET_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace axle::targets {

// One figure: a number (value, unit) or a fact (text), where it comes from, whether checked.
// Throughput figures say their basis: dense, sparse (2:4 structured sparsity: dense = half)
// or unstated (taken as dense by the cost model, i.e. optimistic).
struct Figure {
  std::optional<double> value;
  std::string text, unit, basis, source, note;
  bool verified = false;
};

// An engine of the chip (GPU, NPU, DSP, CPU) and the precisions it runs: f32 fp16 bf16 fp8
// fp4 int16 int8 int4.
struct Engine {
  std::string name, kind, source;
  std::vector<std::string> precisions;
  bool verified = false;
};

// An op kind of an Axle plan (as the runtime names it: attention, layer_norm, gelu, ...) the
// main engine cannot run, and why.
struct UnsupportedOp {
  std::string op, why, source;
  bool verified = false;
};

// The CPU cluster of a chip, as Axle's CPU kernels see it (the `cpu:` section of a target file).
struct Cpu {
  std::string arch;                   // "aarch64" or "x86_64"
  std::string core, source;           // e.g. "Cortex-A78AE"
  std::optional<double> cores, ghz;   // where known
  std::vector<std::string> features;  // /proc/cpuinfo flag names, e.g. asimd asimddp i8mm
  bool verified = false;

  bool Has(const std::string& feature) const;
  // The CPU kernel variant Axle runs there (the names of kernels/<arch>/config.cc), and the
  // features a plan's kernels need on it (`int8`: the plan has int8 GEMMs), space-separated.
  std::string KernelVariant(bool int8) const;
  std::string PlanFeatures(bool int8) const;
};

struct Target {
  std::string name, display, vendor, kind;  // kind of the main engine: gpu npu dsp cpu
  std::string kernel_family, tile;          // what Axle would emit for it, and its tiling
  double launch_us = 5;                     // per-step dispatch overhead the cost model adds
  bool measured = false;                    // the host: plans run here
  std::vector<Engine> engines;              // engines[0] runs the network
  std::map<std::string, Figure> figures;
  std::vector<UnsupportedOp> unsupported_ops;
  std::optional<Cpu> cpu;  // absent: the file does not describe the CPU cluster
  std::string path;        // the file it came from

  // A figure's value, or nullopt when absent or text-only.
  std::optional<double> Value(const std::string& key) const;
  // A throughput figure on the dense basis (sparse halved), in units of 1e12 per second.
  std::optional<double> Dense(const std::string& key) const;
  // Whether the main engine runs `precision`.
  bool Runs(const std::string& precision) const;
  // Why the main engine cannot run op kind `op`, or "" when it can.
  std::string Unsupported(const std::string& op) const;
};

// The folder of the target files: $AXLE_TARGETS_DIR, else the source tree's targets/.
std::string DefaultDir();
// Loads one target file, checking it: known keys, a `source` for every verified figure, a
// basis on every throughput figure (*_tops, *_tflops). False with *error naming the file.
bool LoadTarget(const std::string& path, Target* out, std::string* error);
// Every *.yaml in `dir`, sorted by name; false with *error on the first bad file.
bool LoadAll(const std::string& dir, std::vector<Target>* out, std::string* error);
// "orin-x" -> DIR/orin-x.yaml; false with *error listing the known names when absent.
bool LoadByName(const std::string& dir, const std::string& name, Target* out,
                std::string* error);

}  // namespace axle::targets

#endif  // AXLE_COMPILER_TARGETS_TARGET_H_
