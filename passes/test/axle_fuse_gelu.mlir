// axle-fuse-gelu: erf and tanh GELU as exporters decompose them -> axle.gelu.
// RUN: axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-fuse-gelu))" | FileCheck %s

// PyTorch's erf form: x * (erf(x / sqrt 2) + 1) * 0.5.
// CHECK-LABEL: func.func @erf_form
// CHECK: %[[G:.*]] = axle.gelu %arg0 : (tensor<2x7xf32>) -> tensor<2x7xf32>
// CHECK-NOT: axle.erf
// CHECK: return %[[G]]
func.func @erf_form(%x: tensor<2x7xf32>) -> tensor<2x7xf32> {
  %sqrt2 = axle.constant dense<1.41421354> : tensor<f32>
  %one = axle.constant dense<1.0> : tensor<f32>
  %half = axle.constant dense<0.5> : tensor<f32>
  %0 = axle.div %x, %sqrt2 : (tensor<2x7xf32>, tensor<f32>) -> tensor<2x7xf32>
  %1 = axle.erf %0 : (tensor<2x7xf32>) -> tensor<2x7xf32>
  %2 = axle.add %1, %one : (tensor<2x7xf32>, tensor<f32>) -> tensor<2x7xf32>
  %3 = axle.mul %x, %2 : (tensor<2x7xf32>, tensor<2x7xf32>) -> tensor<2x7xf32>
  %4 = axle.mul %3, %half : (tensor<2x7xf32>, tensor<f32>) -> tensor<2x7xf32>
  return %4 : tensor<2x7xf32>
}

// -----

// The tanh form with x^3 as pow, 0.5 applied to x first.
// CHECK-LABEL: func.func @tanh_form
// CHECK: axle.gelu %arg0 {approximate = "tanh"}
// CHECK-NOT: axle.tanh
func.func @tanh_form(%x: tensor<13xf32>) -> tensor<13xf32> {
  %three = axle.constant dense<3.0> : tensor<f32>
  %c = axle.constant dense<0.044715> : tensor<f32>
  %k = axle.constant dense<0.797884583> : tensor<f32>
  %one = axle.constant dense<1.0> : tensor<f32>
  %half = axle.constant dense<0.5> : tensor<f32>
  %0 = axle.pow %x, %three : (tensor<13xf32>, tensor<f32>) -> tensor<13xf32>
  %1 = axle.mul %c, %0 : (tensor<f32>, tensor<13xf32>) -> tensor<13xf32>
  %2 = axle.add %x, %1 : (tensor<13xf32>, tensor<13xf32>) -> tensor<13xf32>
  %3 = axle.mul %2, %k : (tensor<13xf32>, tensor<f32>) -> tensor<13xf32>
  %4 = axle.tanh %3 : (tensor<13xf32>) -> tensor<13xf32>
  %5 = axle.add %one, %4 : (tensor<f32>, tensor<13xf32>) -> tensor<13xf32>
  %6 = axle.mul %half, %x : (tensor<f32>, tensor<13xf32>) -> tensor<13xf32>
  %7 = axle.mul %6, %5 : (tensor<13xf32>, tensor<13xf32>) -> tensor<13xf32>
  return %7 : tensor<13xf32>
}

// -----

// Negative: 0.4 instead of 0.5 is not GELU.
// CHECK-LABEL: func.func @wrong_constant
// CHECK-NOT: axle.gelu
// CHECK: axle.erf
func.func @wrong_constant(%x: tensor<4xf32>) -> tensor<4xf32> {
  %sqrt2 = axle.constant dense<1.41421354> : tensor<f32>
  %one = axle.constant dense<1.0> : tensor<f32>
  %c = axle.constant dense<0.4> : tensor<f32>
  %0 = axle.div %x, %sqrt2 : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = axle.erf %0 : (tensor<4xf32>) -> tensor<4xf32>
  %2 = axle.add %1, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %3 = axle.mul %x, %2 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %4 = axle.mul %3, %c : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %4 : tensor<4xf32>
}

// -----

// Negative: erf of a different tensor than the one multiplied.
// CHECK-LABEL: func.func @other_operand
// CHECK-NOT: axle.gelu
func.func @other_operand(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %sqrt2 = axle.constant dense<1.41421354> : tensor<f32>
  %one = axle.constant dense<1.0> : tensor<f32>
  %half = axle.constant dense<0.5> : tensor<f32>
  %0 = axle.div %y, %sqrt2 : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = axle.erf %0 : (tensor<4xf32>) -> tensor<4xf32>
  %2 = axle.add %1, %one : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %3 = axle.mul %x, %2 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %4 = axle.mul %3, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %4 : tensor<4xf32>
}
