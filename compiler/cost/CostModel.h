// The cost model: FLOPs and bytes of every step of a compiled plan, and a roofline per target
// with per-op-kind efficiency factors calibrated on the host. Every latency it gives is
// `modelled`; the host's, from running the plan, `measured` (`axle bench --chips`).
//
//   step time = max(FLOPs / peak, bytes / DRAM bandwidth) / efficiency[op kind] + launch
//
// bytes: every tensor the step reads and writes, plus the deferred write-back of its inputs: a
// matmul-class step's output beyond the target's on-chip memory (`onchip_mib`) is still being
// written back to DRAM when the step that first reads it runs (the writes overlapped the
// producer's compute; they cost bandwidth in the consumer), so that consumer pays those bytes
// once more. On the host, a 24 MB map-encoder output read by its max-pool: measured 1.8 ms,
// 0.9x its roofline with the write-back and 1.7x without.
//
// peak: the target's dense throughput at the step's precision (matmul-class ops: linear,
// matmul, gemm, attention) or its vector throughput (other ops); efficiency: the fraction of
// that roofline the host reaches for the op kind, measured (targets/calibration/); launch:
// the target's per-step dispatch overhead. docs/chips.md states the assumptions.
#ifndef AXLE_COMPILER_COST_COSTMODEL_H_
#define AXLE_COMPILER_COST_COSTMODEL_H_

#include <map>
#include <string>
#include <vector>

#include "axle/axle.hpp"
#include "compiler/targets/Target.h"

namespace axle::cost {

struct StepCost {
  std::string op, name;
  double flops = 0;
  double act_bytes = 0;     // non-constant tensors read and written, as planned
  double weight_bytes = 0;  // constants read, as stored in the plan
  // The floating-point ones in elements (re-typed per target: 1 byte int8, 2 fp16, 4 f32), and
  // the others (bool, integer: masks, indices) in bytes, which no target changes.
  double act_elems = 0, weight_elems = 0;
  double act_fixed_bytes = 0, weight_fixed_bytes = 0;
  bool matmul = false;      // runs on the matrix engine (linear, matmul, gemm, attention)
  // Elements of each input this step is the first to read that a matmul-class step wrote.
  std::vector<double> fresh_matmul_input_elems;
};

// Bytes of the deferred write-back a step pays (see above), its activations `elem_bytes` each,
// on a target with `onchip_bytes` of on-chip memory (0: none given, nothing charged).
double WriteBackBytes(const StepCost& s, double elem_bytes, double onchip_bytes);

struct PlanCost {
  std::vector<StepCost> steps;
  double flops = 0, weight_bytes = 0, arena_bytes = 0, parameters = 0;
};

// Per step FLOPs and bytes from the plan's tensor shapes.
PlanCost Analyze(const LoadedModel& model);

// Per op kind, fitted on the host: the fraction of the roofline reached (efficiency) and a
// fixed cost per step (step_us: thread wake-up, setup; added on the host only, where it was
// measured; chips add their own launch_us), with a fallback efficiency for kinds not calibrated.
struct KindFit {
  double efficiency = 0.5;
  double step_us = 0;
};
struct Efficiency {
  std::map<std::string, KindFit> kinds;
  double fallback = 0.5;
  std::string source;  // how it was calibrated
  double Of(const std::string& op) const;
  double StepUs(const std::string& op) const;
};
// Fits one kind: measured_ms[i] ~ ideal_ms[i] / efficiency + steps[i] * step_us, weighted least
// squares (w = 1 / measured), parameters >= 0; with 3 or more points, the form (both terms,
// efficiency only, step cost only) whose leave-one-out relative error is smallest.
KindFit FitKind(const std::vector<double>& ideal_ms, const std::vector<double>& steps,
                const std::vector<double>& measured_ms);
bool LoadEfficiency(const std::string& path, Efficiency* out, std::string* error);
bool SaveEfficiency(const std::string& path, const Efficiency& e, std::string* error);
// targets/calibration/efficiency.yaml under the targets folder.
std::string EfficiencyPath(const std::string& targets_dir);

// The roofline of one step kind without efficiency or launch: its ideal time on `t`.
struct Roofline {
  double peak_ops = 0;  // per second
  double bandwidth = 0; // bytes per second
};

struct KindEstimate {
  double ms = 0, flops = 0, bytes = 0;
  int steps = 0;
  bool cpu_fallback = false;
};

struct Estimate {
  std::string target, precision;  // precision of the matmul-class ops
  std::string float_precision;    // of the other ops
  double ms = 0, flops = 0;
  double peak_fraction = 0;       // achieved matmul-class throughput / the dense peak
  double weight_bytes = 0, arena_bytes = 0;
  bool fits_memory = true;
  std::vector<std::string> fallback_ops;  // op kinds run on the CPU cluster (NPU cannot)
  std::map<std::string, KindEstimate> kinds;
};

// The precisions `t` can run the matmul-class ops in, best first, among int8 fp16 f32.
std::vector<std::string> ModelPrecisions(const targets::Target& t);

// Models `plan` on `t`, the matmul-class ops in `precision` (int8, fp16 or f32), the others in
// the best float the main engine runs (fp16, else f32, else int8 for integer-only engines).
// Op kinds the main engine cannot run are modelled on the CPU cluster (cpu_gflops) and listed.
Estimate Model(const PlanCost& plan, const targets::Target& t, const std::string& precision,
               const Efficiency& eff);

// The host roofline an op kind is calibrated against (all cores, f32 plan).
double IdealHostMs(const StepCost& s, const targets::Target& host);

}  // namespace axle::cost

#endif  // AXLE_COMPILER_COST_COSTMODEL_H_
