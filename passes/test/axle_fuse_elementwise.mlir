// axle-fuse-elementwise: single-use f32 elementwise trees -> one fused_elementwise program.
// RUN: axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-fuse-elementwise))" | FileCheck %s

// The additive mask from a 0/1 validity mask: (1 - valid) * -1e9, then a residual add + relu.
// CHECK-LABEL: func.func @mask_and_chain
// CHECK: %[[M:.*]] = axle.fused_elementwise %arg0 {constants = array<f32: 1.000000e+00, -1.000000e+09>, program = ["const 0", "input 0", "sub", "const 1", "mul"]}
// CHECK: %[[R:.*]] = axle.fused_elementwise %arg1, %arg2 {constants = array<f32>, program = ["input 0", "input 1", "add", "relu", "tanh"]}
// CHECK: return %[[M]], %[[R]]
func.func @mask_and_chain(%valid: tensor<1x7xf32>, %a: tensor<3x7xf32>, %b: tensor<7xf32>) -> (tensor<1x7xf32>, tensor<3x7xf32>) {
  %one = axle.constant dense<1.0> : tensor<f32>
  %big = axle.constant dense<-1.0e9> : tensor<f32>
  %0 = axle.sub %one, %valid : (tensor<f32>, tensor<1x7xf32>) -> tensor<1x7xf32>
  %1 = axle.mul %0, %big : (tensor<1x7xf32>, tensor<f32>) -> tensor<1x7xf32>
  %2 = axle.add %a, %b : (tensor<3x7xf32>, tensor<7xf32>) -> tensor<3x7xf32>
  %3 = axle.relu %2 : (tensor<3x7xf32>) -> tensor<3x7xf32>
  %4 = axle.tanh %3 : (tensor<3x7xf32>) -> tensor<3x7xf32>
  return %1, %4 : tensor<1x7xf32>, tensor<3x7xf32>
}

// -----

// Negative: a single op, an intermediate with two uses, and an integer op stay as they are.
// CHECK-LABEL: func.func @untouched
// CHECK-NOT: axle.fused_elementwise
func.func @untouched(%a: tensor<4xf32>, %i: tensor<4xi32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xi32>) {
  %0 = axle.relu %a : (tensor<4xf32>) -> tensor<4xf32>
  %1 = axle.neg %0 : (tensor<4xf32>) -> tensor<4xf32>
  %2 = axle.add %i, %i : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %3 = axle.abs %2 : (tensor<4xi32>) -> tensor<4xi32>
  return %0, %1, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4xi32>
}
