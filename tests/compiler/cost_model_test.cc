// The cost model's fit and its deferred write-back term, against closed-form values.
#include <gtest/gtest.h>

#include <vector>

#include "compiler/cost/CostModel.h"
#include "compiler/targets/Target.h"

namespace axle::cost {
namespace {

// Data made exactly of both terms (efficiency 0.5, 3 us per step): both are recovered.
TEST(FitKind, RecoversRooflineAndStepCost) {
  const std::vector<double> ideal = {1, 2, 5, 10, 20}, steps = {1, 3, 2, 8, 4};
  std::vector<double> measured;
  for (size_t i = 0; i < ideal.size(); ++i) measured.push_back(ideal[i] / 0.5 + steps[i] * 0.003);
  const KindFit k = FitKind(ideal, steps, measured);
  EXPECT_NEAR(k.efficiency, 0.5, 1e-9);
  EXPECT_NEAR(k.step_us, 3, 1e-6);
}

// A kind whose steps take the same 2 us whatever their size (a latency-bound microsecond step):
// leave-one-out picks the step cost alone; two parameters would chase the noise of the sizes.
TEST(FitKind, ConstantStepsGetAStepCostOnly) {
  // Least squares on both terms would give efficiency 0.30 and 1.85 us per step here.
  const std::vector<double> ideal = {1e-5, 2e-5, 4e-5, 5e-5, 9e-5}, steps = {1, 1, 1, 1, 1};
  const std::vector<double> measured = {0.0020, 0.0018, 0.0021, 0.0019, 0.0022};
  const KindFit k = FitKind(ideal, steps, measured);
  EXPECT_GT(k.efficiency, 1e5);  // no roofline term
  EXPECT_NEAR(k.step_us, 2.0, 0.05);
}

// Time proportional to the roofline (a bandwidth-bound kind): no step cost.
TEST(FitKind, ProportionalDataGetsAnEfficiencyOnly) {
  const std::vector<double> ideal = {0.1, 0.4, 1.5, 3.0}, steps = {4, 4, 6, 6};
  std::vector<double> measured;
  for (double x : ideal) measured.push_back(x / 0.25);
  const KindFit k = FitKind(ideal, steps, measured);
  EXPECT_NEAR(k.efficiency, 0.25, 1e-9);
  EXPECT_NEAR(k.step_us, 0, 1e-9);
}

// The bytes beyond the on-chip memory of each fresh matmul-written input, once.
TEST(WriteBack, ChargesOnlyWhatExceedsOnChipMemory) {
  StepCost s;
  s.fresh_matmul_input_elems = {1e6, 10};  // 4 MB and 40 B in f32
  EXPECT_DOUBLE_EQ(WriteBackBytes(s, 4, 1048576), 4e6 - 1048576);
  EXPECT_DOUBLE_EQ(WriteBackBytes(s, 2, 4e6), 0);       // fp16: 2 MB fits
  EXPECT_DOUBLE_EQ(WriteBackBytes(s, 4, 0), 0);         // no on-chip figure: nothing
  EXPECT_DOUBLE_EQ(WriteBackBytes(StepCost(), 4, 1), 0);
}

// An op the main engine cannot run goes to the CPU cluster at cores x GHz x 16 fp32 FLOP/cycle
// times the NEON GEMM's llvm-mca issue fraction (0.91, docs/kernels-arm64.md); without a cpu:
// section's cores and GHz, at the cpu_gflops figure times the same fraction.
TEST(CpuFallback, UsesTheCpuSectionAndTheMicrokernelFraction) {
  targets::Target t;
  t.name = "chip";
  t.engines.push_back({"npu", "npu", "", {"int8"}, false});
  t.unsupported_ops.push_back({"layer_norm", "no", "", false});
  t.figures["dram_gbs"].value = 1e9;  // never the bound here
  t.figures["int8_tops"].value = 100;
  t.figures["cpu_gflops"].value = 1000;
  t.launch_us = 0;
  PlanCost plan;
  StepCost s;
  s.op = "layer_norm";
  s.flops = 1e9;
  plan.steps.push_back(s);
  Efficiency eff;
  eff.fallback = 1.0;
  const double expect_figure = 1e9 / (1000e9 * 0.91) * 1e3;
  EXPECT_NEAR(Model(plan, t, "int8", eff).ms, expect_figure, 1e-9);
  targets::Cpu cpu;
  cpu.arch = "aarch64";
  cpu.core = "Cortex-A78AE";
  cpu.cores = 12;
  cpu.ghz = 2.2;
  t.cpu = cpu;
  const double expect_cores = 1e9 / (12 * 2.2e9 * 16 * 0.91) * 1e3;
  EXPECT_NEAR(Model(plan, t, "int8", eff).ms, expect_cores, 1e-9);
  t.cpu->core = "Neoverse-V3AE";  // four 128-bit pipes
  EXPECT_NEAR(Model(plan, t, "int8", eff).ms, expect_cores / 2, 1e-9);
}

}  // namespace
}  // namespace axle::cost
