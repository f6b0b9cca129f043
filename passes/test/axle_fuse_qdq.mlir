// axle-fuse-qdq: QDQ-marked linears of an imported QDQ model -> linear_int8 on the u8 tensor.
// RUN: axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-fuse-qdq))" | FileCheck %s

// Column 0: [1.27, -0.64] with scale 0.01 = [127, -64]; column 1: [0.5, 0.25], scale 0.5/127
// gives [127, 63.5] (not exact), 0.5/128 gives [128, 64] (out of range): not recoverable, so
// the whole weight is quantized as axle-quantize does (column 1 -> [127, 64]). The linear
// reads the u8 tensor; the dequantize_linear is gone.
// CHECK-LABEL: func.func @fuses_qdq_linear
// CHECK-DAG: axle.constant dense<{{\[\[}}127, 127], [-64, 64]]> : tensor<2x2xi8>
// CHECK: %[[Q:.*]] = axle.quantize_linear %arg0
// CHECK-NOT: dequantize_linear
// CHECK: axle.linear_int8 %[[Q]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {activation = "relu", input_scale = 2.000000e-02 : f32, input_zero_point = 128 : i64}
func.func @fuses_qdq_linear(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %s = axle.constant dense<0.02> : tensor<f32>
  %z = axle.constant dense<128> : tensor<ui8>
  %q = axle.quantize_linear %x, %s, %z : (tensor<3x2xf32>, tensor<f32>, tensor<ui8>) -> tensor<3x2xui8>
  %d = axle.dequantize_linear %q, %s, %z : (tensor<3x2xui8>, tensor<f32>, tensor<ui8>) -> tensor<3x2xf32>
  %w = axle.constant dense<[[1.27, 0.5], [-0.64, 0.25]]> : tensor<2x2xf32>
  %b = axle.constant dense<[0.1, 0.2]> : tensor<2xf32>
  %y = axle.linear %d, %w, %b {activation = "relu"} : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Exact recovery: both columns are integer multiples of max|w| / 127.
// CHECK-LABEL: func.func @recovers_the_model_weights
// CHECK-DAG: axle.constant dense<{{\[\[}}127, 127], [-64, 1]]> : tensor<2x2xi8>
// CHECK-DAG: axle.constant dense<[0.00999999977, 5.000000e-01]> : tensor<2xf32>
func.func @recovers_the_model_weights(%q: tensor<3x2xui8>) -> tensor<3x2xf32> {
  %s = axle.constant dense<0.02> : tensor<f32>
  %d = axle.dequantize_linear %q, %s : (tensor<3x2xui8>, tensor<f32>) -> tensor<3x2xf32>
  %w = axle.constant dense<[[1.27, 63.5], [-0.64, 0.5]]> : tensor<2x2xf32>
  %y = axle.linear %d, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Negative: an int8 (signed) activation, or a plain f32 input.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: linear_int8
func.func @left_alone(%q: tensor<1x2xi8>, %x: tensor<1x2xf32>) -> (tensor<1x1xf32>, tensor<1x1xf32>) {
  %s = axle.constant dense<0.02> : tensor<f32>
  %d = axle.dequantize_linear %q, %s : (tensor<1x2xi8>, tensor<f32>) -> tensor<1x2xf32>
  %w = axle.constant dense<[[1.0], [1.0]]> : tensor<2x1xf32>
  %a = axle.linear %d, %w : (tensor<1x2xf32>, tensor<2x1xf32>) -> tensor<1x1xf32>
  %b = axle.linear %x, %w : (tensor<1x2xf32>, tensor<2x1xf32>) -> tensor<1x1xf32>
  return %a, %b : tensor<1x1xf32>, tensor<1x1xf32>
}
