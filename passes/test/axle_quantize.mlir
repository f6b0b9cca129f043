// axle-quantize: a calibrated axle.linear becomes quantize_linear + linear_int8.
// RUN: axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-quantize))" | FileCheck %s

// Range [-1, 3]: scale 4/255, zero point round(1 / (4/255)) = 64. Weight column 0 has
// max |w| 2 -> scale 2/127, values [127, -64]; column 1 max 0.5 -> [127, 127]; sums 63, 254.
// CHECK-LABEL: func.func @quantizes_calibrated_linear
// CHECK-DAG: %[[S:.*]] = axle.constant dense<0.0156862754> : tensor<f32>
// CHECK-DAG: %[[Z:.*]] = axle.constant dense<64> : tensor<ui8>
// CHECK-DAG: %[[W:.*]] = axle.constant dense<{{\[\[}}127, 127], [-64, 127]]> : tensor<2x2xi8>
// CHECK-DAG: %[[WS:.*]] = axle.constant dense<[0.0157480314, 0.00393700786]> : tensor<2xf32>
// CHECK-DAG: %[[CS:.*]] = axle.constant dense<[63, 254]> : tensor<2xi32>
// CHECK: %[[Q:.*]] = axle.quantize_linear %arg0, %[[S]], %[[Z]] : (tensor<3x2xf32>, tensor<f32>, tensor<ui8>) -> tensor<3x2xui8>
// CHECK: axle.linear_int8 %[[Q]], %[[W]], %[[WS]], %[[CS]], %{{.*}} {activation = "relu", {{.*}}input_scale = 0.0156862754 : f32, input_zero_point = 64 : i64{{.*}}}
// CHECK-NOT: axle.linear %
func.func @quantizes_calibrated_linear(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = axle.constant dense<[[2.0, 0.5], [-1.0, 0.5]]> : tensor<2x2xf32>
  %b = axle.constant dense<[0.1, 0.2]> : tensor<2xf32>
  %y = axle.linear %x, %w, %b {activation = "relu", axle.input_range = [-1.0 : f32, 3.0 : f32]} : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// A non-negative range still represents zero exactly: [0.5, 2] widens to [0, 2].
// CHECK-LABEL: func.func @range_includes_zero
// CHECK-DAG: axle.constant dense<0.00784313772> : tensor<f32>
// CHECK-DAG: axle.constant dense<0> : tensor<ui8>
func.func @range_includes_zero(%x: tensor<1x2xf32>) -> tensor<1x1xf32> {
  %w = axle.constant dense<[[1.0], [1.0]]> : tensor<2x1xf32>
  %y = axle.linear %x, %w {axle.input_range = [0.5 : f32, 2.0 : f32]} : (tensor<1x2xf32>, tensor<2x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// Negative: no range (not calibrated), kept in f32 by the user, or a weight computed at run time.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: linear_int8
// CHECK-COUNT-3: axle.linear %
func.func @left_alone(%x: tensor<1x2xf32>, %w2: tensor<2x1xf32>) -> (tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>) {
  %w = axle.constant dense<[[1.0], [1.0]]> : tensor<2x1xf32>
  %a = axle.linear %x, %w : (tensor<1x2xf32>, tensor<2x1xf32>) -> tensor<1x1xf32>
  %b = axle.linear %x, %w {axle.input_range = [-1.0 : f32, 1.0 : f32], axle.precision = "f32"} : (tensor<1x2xf32>, tensor<2x1xf32>) -> tensor<1x1xf32>
  %c = axle.linear %x, %w2 {axle.input_range = [-1.0 : f32, 1.0 : f32]} : (tensor<1x2xf32>, tensor<2x1xf32>) -> tensor<1x1xf32>
  return %a, %b, %c : tensor<1x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>
}

// -----

// A residual and its epilogue move over unchanged.
// CHECK-LABEL: func.func @keeps_residual
// CHECK: axle.linear_int8 %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} residual %arg1
func.func @keeps_residual(%x: tensor<1x2xf32>, %r: tensor<1x1xf32>) -> tensor<1x1xf32> {
  %w = axle.constant dense<[[1.0], [-1.0]]> : tensor<2x1xf32>
  %y = axle.linear %x, %w residual %r {axle.input_range = [-1.0 : f32, 1.0 : f32]} : (tensor<1x2xf32>, tensor<2x1xf32>, tensor<1x1xf32>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// SmoothQuant: weight rows times s ([2, 0.5]), the input divided by s (a mul by [0.5, 2])
// before it is quantized. Column 0 becomes [4, -0.5] -> scale 4/127, values [127, -16];
// column 1 [1, 0.25] -> scale 1/127, values [127, 32].
// CHECK-LABEL: func.func @smoothed
// CHECK-DAG: %[[INV:.*]] = axle.constant dense<[5.000000e-01, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: axle.constant dense<{{\[\[}}127, 127], [-16, 32]]> : tensor<2x2xi8>
// CHECK: %[[M:.*]] = axle.mul %arg0, %[[INV]]
// CHECK: axle.quantize_linear %[[M]]
func.func @smoothed(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = axle.constant dense<[[2.0, 0.5], [-1.0, 0.5]]> : tensor<2x2xf32>
  %y = axle.linear %x, %w {axle.input_range = [-1.0 : f32, 3.0 : f32], axle.smooth = dense<[2.0, 0.5]> : tensor<2xf32>} : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
