// Post-training quantization inside `axle compile`: calibration on the fp32 plan, then the
// axle-quantize pass, and the per-layer precision report.
#ifndef AXLE_COMPILER_CLI_QUANTIZE_H_
#define AXLE_COMPILER_CLI_QUANTIZE_H_

#include <string>
#include <vector>

#include "compiler/quant/Calibration.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

namespace axle::cli {

// The passes after fusion (and quantization): weight packing, outputs, kernels, memory plan.
// int8_layout: the int8 weight layout the target CPU's kernels read (s8panel16x4, s8panel16x8).
void AddBackendPasses(mlir::PassManager& pm, const std::string& target,
                      const std::string& int8_layout = "s8panel16x4");

// The input sets of a calibration or evaluation folder: its sub-folders holding input_0.pb
// (sorted by name), or the folder itself when it holds input_0.pb. Empty when there are none.
std::vector<std::string> ListInputSets(const std::string& dir);

// The name of a linear layer in reports: its MatMul node's module path, else its op's name.
std::string LayerName(mlir::Location loc);

struct QuantizeOptions {
  std::string target = "host";
  std::string calib_dir;
  quant::CalibMethod method = quant::CalibMethod::kPercentile;
  double percentile = 99.99;
  std::vector<std::string> keep_float;  // substrings of layer names kept in f32
  bool progress = true;                 // a progress line on stderr while calibrating
  // --precision mixed: the error budget (> 0 enables the search): the largest relative RMS
  // error of any model output against f32 over the calibration sets.
  double max_error = 0;
  // SmoothQuant's migration strength (0 = off): s_k = max|x_k|^a / max_n |w[k][n]|^(1 - a).
  double smooth_alpha = 0;
};

struct LayerReport {
  std::string name;
  int64_t k = 0, n = 0;
  std::string precision;  // "int8", "f32", or weight-only "w8" / "w4 g<group>"
  std::string reason;     // why f32
  float lo = 0, hi = 0, scale = 0;
  int32_t zero_point = 0;
  double sensitivity = -1;  // mixed: the output error with only this layer in int8
};

// Calibrates every axle.linear of `module` (fused, not yet packed) on the input sets of
// options.calib_dir, annotates the chosen ranges and runs axle-quantize; with max_error, first
// keeps the most sensitive layers in f32 until the output error is within it (*achieved_error:
// the error of the final mix). Returns 0, or the exit code after printing the error.
int QuantizeModule(mlir::ModuleOp module, const QuantizeOptions& options,
                   std::vector<LayerReport>* report, double* achieved_error);

// --precision w8 / w4: marks the layers matching options.keep_float with axle.precision = "f32"
// (axle-quantize-weights leaves them alone) and reports each linear layer: `precision` ("w8",
// "w4 g32", ...) or "f32" with the reason.
void MarkWeightOnly(mlir::ModuleOp module, const QuantizeOptions& options, int bits, int group,
                    std::vector<LayerReport>* report);

// One row of `axle debug-quant`: a linear layer's weight SQNR (per-channel int8 against f32)
// and its output's SQNR in the int8 plan against the f32 plan (errors of every earlier layer
// included), over the input sets.
struct DebugRow {
  std::string name;
  int64_t k = 0, n = 0;
  std::string precision;
  double weight_sqnr_db = 0, output_sqnr_db = 0;
};

// `module` fused, not quantized: quantizes a copy as QuantizeModule does, runs both plans on
// `sets` with every linear layer's output exposed, and fills rows in program order.
int DebugQuantize(mlir::ModuleOp module, const QuantizeOptions& options,
                  const std::vector<std::string>& sets, std::vector<DebugRow>* rows);

}  // namespace axle::cli

#endif  // AXLE_COMPILER_CLI_QUANTIZE_H_
