#include "compiler/cost/CostModel.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "compiler/targets/Yaml.h"
#include "llvm/Support/YAMLTraits.h"
#include "llvm/Support/raw_ostream.h"

namespace axle::cost {
namespace {

struct EfficiencyFile {
  std::string source;
  double fallback = 0.5;
  std::map<std::string, KindFit> kinds;
};

}  // namespace
}  // namespace axle::cost

// std::map<std::string, T> as a YAML mapping keyed by name (LLVM's own traits).
LLVM_YAML_IS_STRING_MAP(axle::cost::KindFit)

namespace llvm::yaml {
template <>
struct MappingTraits<axle::cost::KindFit> {
  static void mapping(IO& io, axle::cost::KindFit& k) {
    io.mapRequired("efficiency", k.efficiency);
    io.mapRequired("step_us", k.step_us);
  }
};
template <>
struct MappingTraits<axle::cost::EfficiencyFile> {
  static void mapping(IO& io, axle::cost::EfficiencyFile& f) {
    io.mapRequired("source", f.source);
    io.mapRequired("fallback", f.fallback);
    io.mapRequired("kinds", f.kinds);
  }
};
}  // namespace llvm::yaml


namespace axle::cost {
namespace {

bool IsMatmul(const std::string& op) {
  return op == "linear" || op == "linear_int8" || op == "linear_weight_only" || op == "matmul" ||
         op == "gemm" || op == "attention" || op == "conv" || op == "conv_transpose";
}

// FLOPs per output element of the non-matmul ops (exp, rsqrt and friends counted as a few).
double FlopsPerElement(const std::string& op) {
  if (op == "layer_norm" || op == "rms_norm") return 8;
  if (op == "softmax") return 6;
  if (op == "gelu" || op == "fused_elementwise" || op == "erf" || op == "tanh" || op == "exp")
    return 8;
  if (op == "reshape" || op == "slice" || op == "concat" || op == "transpose" || op == "gather" ||
      op == "cast" || op == "expand" || op == "pad" || op == "gather_elements" ||
      op == "gather_nd" || op == "im2col")
    return 0;
  if (op == "pool" || op == "resample" || op == "grid_sample" || op == "depthwise_conv")
    return 9;  // a 3x3 window
  return 1;
}

double ElemBytes(const std::string& p) {
  if (p == "int8" || p == "fp8") return 1;
  if (p == "int4" || p == "fp4") return 0.5;
  if (p == "fp16" || p == "bf16" || p == "int16") return 2;
  return 4;
}

bool IsFloat(axle_dtype_t d) {
  return d == AXLE_DTYPE_F32 || d == AXLE_DTYPE_F16 || d == AXLE_DTYPE_BF16 || d == AXLE_DTYPE_F64;
}

int64_t Elements(const axle_tensor_info_t& t) {
  int64_t n = 1;
  for (int i = 0; i < t.rank; ++i) n *= t.dims[i];
  return n;
}

}  // namespace

PlanCost Analyze(const LoadedModel& model) {
  PlanCost plan;
  const axle_model_info_t info = model.info();
  plan.weight_bytes = static_cast<double>(info.constant_bytes);
  plan.arena_bytes = static_cast<double>(info.arena_bytes);
  for (uint32_t i = 0; i < info.num_tensors; ++i) {
    const axle_tensor_info_t t = model.tensor(i);
    if (t.storage == AXLE_STORAGE_CONSTANT) plan.parameters += static_cast<double>(Elements(t));
  }
  // Tensors written by a matmul-class step and not read since (the deferred write-back).
  std::vector<bool> pending_write_back(info.num_tensors, false);
  for (uint32_t s = 0; s < info.num_steps; ++s) {
    axle_step_info_t st;
    if (axle_model_step_info(model.get(), s, &st) != AXLE_OK) continue;
    StepCost c;
    c.op = st.op;
    c.name = st.name;
    c.matmul = IsMatmul(c.op);
    auto tensor = [&](uint32_t idx) { return model.tensor(idx); };
    for (uint32_t k = 0; k < st.num_inputs; ++k) {
      if (st.inputs[k] == AXLE_ABSENT_TENSOR) continue;
      const axle_tensor_info_t t = tensor(st.inputs[k]);
      const bool constant = t.storage == AXLE_STORAGE_CONSTANT;
      (constant ? c.weight_bytes : c.act_bytes) += static_cast<double>(t.size_bytes);
      if (IsFloat(t.dtype))
        (constant ? c.weight_elems : c.act_elems) += static_cast<double>(Elements(t));
      else
        (constant ? c.weight_fixed_bytes : c.act_fixed_bytes) += static_cast<double>(t.size_bytes);
      if (st.inputs[k] < info.num_tensors && pending_write_back[st.inputs[k]]) {
        c.fresh_matmul_input_elems.push_back(static_cast<double>(Elements(t)));
        pending_write_back[st.inputs[k]] = false;
      }
    }
    double out_elems = 0;
    for (uint32_t k = 0; k < st.num_outputs; ++k) {
      if (st.outputs[k] == AXLE_ABSENT_TENSOR) continue;
      const axle_tensor_info_t t = tensor(st.outputs[k]);
      c.act_bytes += static_cast<double>(t.size_bytes);
      if (IsFloat(t.dtype))
        c.act_elems += static_cast<double>(Elements(t));
      else
        c.act_fixed_bytes += static_cast<double>(t.size_bytes);
      out_elems += static_cast<double>(Elements(t));
      if (st.outputs[k] < info.num_tensors) pending_write_back[st.outputs[k]] = c.matmul;
    }
    if (c.matmul && st.num_inputs >= 1 && st.num_outputs >= 1) {
      const axle_tensor_info_t x = tensor(st.inputs[0]);
      const axle_tensor_info_t y = tensor(st.outputs[0]);
      const double k = x.rank ? static_cast<double>(x.dims[x.rank - 1]) : 0;
      if (c.op == "attention" && st.num_inputs >= 3) {
        const axle_tensor_info_t kk = tensor(st.inputs[1]);
        const axle_tensor_info_t v = tensor(st.inputs[2]);
        // Q K^T and P V: 2 * B * Sq * Sk * (H dk + H dv), plus the softmax on the scores.
        const double b = x.rank >= 3 ? static_cast<double>(x.dims[0]) : 1;
        const double sq = x.rank >= 2 ? static_cast<double>(x.dims[x.rank - 2]) : 1;
        const double sk = kk.rank >= 2 ? static_cast<double>(kk.dims[kk.rank - 2]) : 1;
        const double hdv = v.rank ? static_cast<double>(v.dims[v.rank - 1]) : 0;
        c.flops = 2 * b * sq * sk * (k + hdv);
      } else if ((c.op == "conv" || c.op == "conv_transpose") && st.num_inputs >= 2) {
        // Each output (conv) or input (transpose) element meets one weight slice of
        // C / group (or M / group) channels times the kernel.
        const axle_tensor_info_t w = tensor(st.inputs[1]);
        const double per_filter =
            w.rank && w.dims[0] ? static_cast<double>(Elements(w)) / w.dims[0] : 0;
        c.flops = 2 * static_cast<double>(Elements(c.op == "conv" ? y : x)) * per_filter;
      } else {
        c.flops = 2 * static_cast<double>(Elements(y)) * k;
      }
    } else {
      c.flops = FlopsPerElement(c.op) * out_elems;
    }
    plan.flops += c.flops;
    plan.steps.push_back(std::move(c));
  }
  return plan;
}

double WriteBackBytes(const StepCost& s, double elem_bytes, double onchip_bytes) {
  if (!(onchip_bytes > 0)) return 0;
  double bytes = 0;
  for (double e : s.fresh_matmul_input_elems) bytes += std::max(0.0, e * elem_bytes - onchip_bytes);
  return bytes;
}

double Efficiency::Of(const std::string& op) const {
  auto it = kinds.find(op);
  return it != kinds.end() && it->second.efficiency > 0 ? it->second.efficiency : fallback;
}

double Efficiency::StepUs(const std::string& op) const {
  auto it = kinds.find(op);
  return it != kinds.end() ? it->second.step_us : 0.0;
}

namespace {

// Weighted least squares of measured ~ a * ideal + b * steps over the points in `use`, w = 1 /
// measured: between absolute error (the big models dominate) and relative error (a microsecond
// model counts as much as a 300 ms one). form: 0 both (a, b >= 0; one alone when the pair would
// go negative), 1 a only, 2 b only.
std::pair<double, double> SolveKind(const std::vector<double>& ideal,
                                    const std::vector<double>& steps,
                                    const std::vector<double>& measured,
                                    const std::vector<bool>& use, int form) {
  double s11 = 0, s12 = 0, s22 = 0, r1 = 0, r2 = 0, tt = 0;
  for (size_t i = 0; i < measured.size(); ++i) {
    if (!use[i] || !(measured[i] > 0)) continue;
    const double w = 1 / measured[i];
    const double x1 = ideal[i], x2 = steps[i], t = measured[i];
    s11 += w * x1 * x1, s12 += w * x1 * x2, s22 += w * x2 * x2, r1 += w * x1 * t,
        r2 += w * x2 * t, tt += w * t * t;
  }
  const double a_only = s11 > 0 ? r1 / s11 : 0, b_only = s22 > 0 ? r2 / s22 : 0;
  if (form == 1) return {a_only, 0};
  if (form == 2) return {0, b_only};
  double a = 0, b = 0;
  const double det = s11 * s22 - s12 * s12;
  if (det > 1e-12 * s11 * s22) {
    a = (r1 * s22 - r2 * s12) / det;
    b = (r2 * s11 - r1 * s12) / det;
  }
  if (!(a > 0) || b < 0) {  // one parameter alone, whichever fits better
    const double err_a = tt - 2 * a_only * r1 + a_only * a_only * s11;
    const double err_b = tt - 2 * b_only * r2 + b_only * b_only * s22;
    if (a_only > 0 && (err_a <= err_b || !(b_only > 0))) return {a_only, 0};
    return {0, b_only};
  }
  return {a, b};
}

}  // namespace

KindFit FitKind(const std::vector<double>& ideal, const std::vector<double>& steps,
                const std::vector<double>& measured) {
  // The form (roofline and step cost, roofline only, step cost only) with the smallest
  // leave-one-out relative error: with a handful of calibration plans, two parameters fitted to
  // microsecond steps whose size barely varies extrapolate the noise; one parameter does not.
  const size_t n = measured.size();
  std::vector<bool> all(n, true);
  int best_form = 0;
  size_t points = 0;
  for (size_t i = 0; i < n; ++i) points += measured[i] > 0;
  if (points >= 3) {
    double best = 1e300;
    for (int form = 0; form < 3; ++form) {
      double err = 0;
      for (size_t i = 0; i < n; ++i) {
        if (!(measured[i] > 0)) continue;
        std::vector<bool> use(all);
        use[i] = false;
        const auto [a, b] = SolveKind(ideal, steps, measured, use, form);
        err += std::fabs((a * ideal[i] + b * steps[i]) / measured[i] - 1);
      }
      if (err < best * (1 - 1e-9)) best = err, best_form = form;
    }
  }
  const auto [a, b] = SolveKind(ideal, steps, measured, all, best_form);
  KindFit k;
  k.efficiency = a > 0 ? 1 / a : 1e6;  // no roofline term: the step cost is all
  k.step_us = b * 1e3;
  return k;
}

std::string EfficiencyPath(const std::string& targets_dir) {
  return targets_dir + "/calibration/efficiency.yaml";
}

bool LoadEfficiency(const std::string& path, Efficiency* out, std::string* error) {
  EfficiencyFile f;
  if (!targets::ReadYaml(path, &f, error)) {
    *error += " (calibrate with `axle bench --chips host --calibrate MODEL.onnx ...`)";
    return false;
  }
  for (const auto& [k, v] : f.kinds)
    if (!(v.efficiency > 0) || v.step_us < 0) {
      *error = path + ": efficiency of '" + k + "' must be > 0";
      return false;
    }
  out->kinds = f.kinds;
  out->fallback = f.fallback;
  out->source = f.source;
  return true;
}

bool SaveEfficiency(const std::string& path, const Efficiency& e, std::string* error) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec) {
    *error = "cannot write '" + path + "': " + ec.message();
    return false;
  }
  os << "# Per-op-kind efficiency of the cost model: the fraction of its roofline (max of FLOPs at\n"
        "# the host's measured FMA peak, bytes at its measured read bandwidth) the host reaches,\n"
        "# measured by running plans with the per-step profile. Written by\n"
        "# `axle bench --chips host --calibrate MODEL.onnx ... --write-efficiency FILE`;\n"
        "# docs/chips.md validates it on models it was not calibrated on.\n";
  EfficiencyFile f{e.source, e.fallback, e.kinds};
  llvm::yaml::Output out(os);
  out << f;
  return true;
}

std::vector<std::string> ModelPrecisions(const targets::Target& t) {
  std::vector<std::string> p;
  if (t.Runs("int8") && t.Dense("int8_tops")) p.push_back("int8");
  if ((t.Runs("fp16") || t.Runs("bf16")) && (t.Dense("fp16_tflops") || t.Dense("bf16_tflops")))
    p.push_back("fp16");
  if (t.Runs("f32") && (t.Dense("f32_tflops") || t.Value("cpu_gflops"))) p.push_back("f32");
  return p;
}

namespace {

double MatmulPeak(const targets::Target& t, const std::string& precision) {
  if (precision == "int8") return t.Dense("int8_tops").value_or(0) * 1e12;
  if (precision == "fp16")
    return t.Dense("fp16_tflops").value_or(t.Dense("bf16_tflops").value_or(0)) * 1e12;
  if (auto f = t.Dense("f32_tflops")) return *f * 1e12;
  return t.Value("cpu_gflops").value_or(0) * 1e9;
}

// What Axle's CPU kernels attain on the chip's CPU cluster, for ops that fall back to it: with a
// `cpu:` section giving cores and GHz, cores x GHz x fp32 FLOP/cycle per core (two 128-bit FMA
// pipes, 16; four on Neoverse-V3AE, 32: ../shared/arm64.md), else the cpu_gflops figure (the
// same peak, precomputed), times the fraction of the FMA issue peak the 4x16 NEON GEMM
// microkernel reaches in llvm-mca on the Cortex-A78AE stand-in (docs/kernels-arm64.md,
// scripts/arm64_mca.py: 91%).
constexpr double kCpuGemmIssueFraction = 0.91;
double CpuPeak(const targets::Target& t) {
  double peak = t.Value("cpu_gflops").value_or(1) * 1e9;
  if (t.cpu && t.cpu->cores && t.cpu->ghz) {
    const double per_cycle = t.cpu->core.find("V3AE") != std::string::npos ? 32 : 16;
    peak = *t.cpu->cores * *t.cpu->ghz * 1e9 * per_cycle;
  }
  return peak * kCpuGemmIssueFraction;
}

// Element-wise, normalization and data-movement ops: the engine's vector throughput.
double VectorPeak(const targets::Target& t) {
  if (auto v = t.Dense("vector_tflops")) return *v * 1e12;
  if (t.Runs("f32") && t.Dense("f32_tflops")) return *t.Dense("f32_tflops") * 1e12;
  // NPUs and DSPs: an eighth of their float (else half their int8) matrix rate; an Axle
  // assumption (docs/chips.md), most of these ops are bound by memory, not by this.
  const double base = t.Dense("fp16_tflops").value_or(t.Dense("int8_tops").value_or(0) / 2);
  return base * 1e12 / 8;
}

}  // namespace

Estimate Model(const PlanCost& plan, const targets::Target& t, const std::string& precision,
               const Efficiency& eff) {
  Estimate e;
  e.target = t.name;
  e.precision = precision;
  e.float_precision = t.Runs("fp16") ? "fp16" : t.Runs("f32") ? "f32" : t.Runs("int16") ? "int16" : "int8";
  if (precision == "f32") e.float_precision = "f32";
  const double mm_peak = MatmulPeak(t, precision), vec_peak = VectorPeak(t);
  const double bw = t.Value("dram_gbs").value_or(1) * 1e9;
  const double cpu_peak = CpuPeak(t);
  // On the host, each kind's fitted step cost carries the dispatch; chips add their own.
  const double launch = t.measured ? 0.0 : t.launch_us * 1e-6;
  const double onchip = t.Value("onchip_mib").value_or(0) * 1024.0 * 1024.0;
  const double w_elem = ElemBytes(precision), a_elem = ElemBytes(e.float_precision);
  double mm_flops = 0;
  for (const StepCost& s : plan.steps) {
    const std::string why = t.Unsupported(s.op);
    const bool fallback = !why.empty();
    double peak, bytes;
    if (fallback) {
      peak = cpu_peak;
      // f32 on the CPU cluster, its caches unknown.
      bytes = 4 * (s.act_elems + s.weight_elems) + s.act_fixed_bytes + s.weight_fixed_bytes;
      e.weight_bytes += 4 * s.weight_elems + s.weight_fixed_bytes;
      if (std::find(e.fallback_ops.begin(), e.fallback_ops.end(), s.op) == e.fallback_ops.end())
        e.fallback_ops.push_back(s.op);
    } else {
      peak = s.matmul ? mm_peak : vec_peak;
      bytes = s.act_elems * a_elem + s.weight_elems * (s.matmul ? w_elem : a_elem) +
              s.act_fixed_bytes + s.weight_fixed_bytes + WriteBackBytes(s, a_elem, onchip);
      e.weight_bytes += s.weight_elems * (s.matmul ? w_elem : a_elem) + s.weight_fixed_bytes;
    }
    const double ideal = std::max(peak > 0 ? s.flops / peak : 0.0, bytes / bw);
    const double seconds =
        ideal / eff.Of(s.op) + launch + (t.measured ? eff.StepUs(s.op) * 1e-6 : 0.0);
    KindEstimate& k = e.kinds[s.op];
    k.ms += seconds * 1e3;
    k.flops += s.flops;
    k.bytes += bytes;
    ++k.steps;
    k.cpu_fallback = k.cpu_fallback || fallback;
    e.ms += seconds * 1e3;
    if (s.matmul && !fallback) mm_flops += s.flops;
  }
  e.flops = plan.flops;
  e.peak_fraction = mm_peak > 0 && e.ms > 0 ? mm_flops / (e.ms * 1e-3) / mm_peak : 0;
  e.arena_bytes = plan.arena_bytes * a_elem / 4;
  e.fits_memory = e.weight_bytes + e.arena_bytes <=
                  t.Value("memory_budget_mib").value_or(1e12) * 1024.0 * 1024.0;
  return e;
}

double IdealHostMs(const StepCost& s, const targets::Target& host) {
  const double peak = host.Dense("f32_tflops").value_or(0) * 1e12;
  const double bw = host.Value("dram_gbs").value_or(1) * 1e9;
  const double bytes = s.act_bytes + s.weight_bytes +
                       WriteBackBytes(s, 4, host.Value("onchip_mib").value_or(0) * 1048576.0);
  return std::max(peak > 0 ? s.flops / peak : 0.0, bytes / bw) * 1e3;
}

}  // namespace axle::cost
