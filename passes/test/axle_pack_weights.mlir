// axle-pack-weights: constant linear weights in the host GEMM's 16-column panel layout.
// RUN: axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-pack-weights))" | FileCheck %s

// N = 17: two panels, the second zero-padded past column 16.
// CHECK-LABEL: func.func @packs_constant_weight
// CHECK: %[[P:.*]] = axle.constant dense<{{.*}}> : tensor<2x2x16xf32>
// CHECK: axle.linear %arg0, %[[P]] {activation = "relu", weight_layout = "panel16"} : (tensor<3x2xf32>, tensor<2x2x16xf32>) -> tensor<3x17xf32>
func.func @packs_constant_weight(%x: tensor<3x2xf32>) -> tensor<3x17xf32> {
  %w = axle.constant dense<1.0> : tensor<2x17xf32>
  %y = axle.linear %x, %w {activation = "relu"} : (tensor<3x2xf32>, tensor<2x17xf32>) -> tensor<3x17xf32>
  return %y : tensor<3x17xf32>
}

// -----

// The packed values: column 1 of row 0 lands at panel 0, row 0, lane 1; padding is zero.
// CHECK-LABEL: func.func @packed_values
// CHECK: axle.constant dense<{{\[\[\[}}1.000000e+00, 2.000000e+00, 0.000000e+00,
func.func @packed_values(%x: tensor<1x1xf32>) -> tensor<1x2xf32> {
  %w = axle.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  %y = axle.linear %x, %w : (tensor<1x1xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Negative: a weight computed at run time is not packed.
// CHECK-LABEL: func.func @runtime_weight
// CHECK: axle.linear %arg0, %arg1 : (tensor<2x3xf32>, tensor<3x4xf32>)
// CHECK-NOT: panel16
func.func @runtime_weight(%x: tensor<2x3xf32>, %w: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %y = axle.linear %x, %w : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// The int8 weight of a linear_int8 -> s8panel16x4: [ceil(N/16), ceil(K/64) * 16, 64] bytes.
// CHECK-LABEL: func.func @packs_int8_weight
// CHECK: %[[P:.*]] = axle.constant dense<{{.*}}> : tensor<1x16x64xi8>
// CHECK: axle.linear_int8 %arg0, %[[P]], %{{.*}}, %{{.*}} {{{.*}}weight_layout = "s8panel16x4"}
func.func @packs_int8_weight(%x: tensor<3x2xui8>) -> tensor<3x2xf32> {
  %w = axle.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>
  %s = axle.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %c = axle.constant dense<[4, 6]> : tensor<2xi32>
  %y = axle.linear_int8 %x, %w, %s, %c {input_scale = 0.1 : f32, input_zero_point = 3 : i64} : (tensor<3x2xui8>, tensor<2x2xi8>, tensor<2xf32>, tensor<2xi32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
