// axle-fuse-layer-norm: the decomposed chain -> axle.layer_norm, with gamma and beta absorbed.
// RUN: axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-fuse-layer-norm))" | FileCheck %s

// CHECK-LABEL: func.func @decomposed
// CHECK: %[[Y:.*]] = axle.layer_norm %arg0, %{{.*}}, %{{.*}} {axis = 2 : i64, epsilon = 9.99999974E-6 : f32
// CHECK-SAME: (tensor<1x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
// CHECK-NOT: axle.reduce_mean
// CHECK-NOT: axle.sqrt
// CHECK: return %[[Y]]
func.func @decomposed(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  %two = axle.constant dense<2.0> : tensor<f32>
  %eps = axle.constant dense<1.0e-5> : tensor<f32>
  %gamma = axle.constant dense<1.5> : tensor<8xf32>
  %beta = axle.constant dense<0.25> : tensor<8xf32>
  %m = axle.reduce_mean %x {axes = array<i64: 2>, keepdims = true} : (tensor<1x4x8xf32>) -> tensor<1x4x1xf32>
  %d = axle.sub %x, %m : (tensor<1x4x8xf32>, tensor<1x4x1xf32>) -> tensor<1x4x8xf32>
  %sq = axle.pow %d, %two : (tensor<1x4x8xf32>, tensor<f32>) -> tensor<1x4x8xf32>
  %v = axle.reduce_mean %sq {axes = array<i64: 2>, keepdims = true} : (tensor<1x4x8xf32>) -> tensor<1x4x1xf32>
  %ve = axle.add %v, %eps : (tensor<1x4x1xf32>, tensor<f32>) -> tensor<1x4x1xf32>
  %s = axle.sqrt %ve : (tensor<1x4x1xf32>) -> tensor<1x4x1xf32>
  %n = axle.div %d, %s : (tensor<1x4x8xf32>, tensor<1x4x1xf32>) -> tensor<1x4x8xf32>
  %g = axle.mul %n, %gamma : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  %y = axle.add %g, %beta : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  return %y : tensor<1x4x8xf32>
}

// -----

// d * d for the square, no gamma or beta: a unit scale is supplied.
// CHECK-LABEL: func.func @square_by_mul
// CHECK: %[[ONE:.*]] = axle.constant dense<1.000000e+00> : tensor<1xf32>
// CHECK: axle.layer_norm %arg0, %[[ONE]] {axis = 1 : i64
func.func @square_by_mul(%x: tensor<3x5xf32>) -> tensor<3x5xf32> {
  %eps = axle.constant dense<1.0e-3> : tensor<f32>
  %m = axle.reduce_mean %x {axes = array<i64: 1>, keepdims = true} : (tensor<3x5xf32>) -> tensor<3x1xf32>
  %d = axle.sub %x, %m : (tensor<3x5xf32>, tensor<3x1xf32>) -> tensor<3x5xf32>
  %sq = axle.mul %d, %d : (tensor<3x5xf32>, tensor<3x5xf32>) -> tensor<3x5xf32>
  %v = axle.reduce_mean %sq {axes = array<i64: 1>, keepdims = true} : (tensor<3x5xf32>) -> tensor<3x1xf32>
  %ve = axle.add %eps, %v : (tensor<f32>, tensor<3x1xf32>) -> tensor<3x1xf32>
  %s = axle.sqrt %ve : (tensor<3x1xf32>) -> tensor<3x1xf32>
  %n = axle.div %d, %s : (tensor<3x5xf32>, tensor<3x1xf32>) -> tensor<3x5xf32>
  return %n : tensor<3x5xf32>
}

// -----

// Negative: the mean is over a leading axis, not the trailing ones.
// CHECK-LABEL: func.func @leading_axis
// CHECK-NOT: axle.layer_norm
// CHECK: axle.div
func.func @leading_axis(%x: tensor<3x5xf32>) -> tensor<3x5xf32> {
  %eps = axle.constant dense<1.0e-3> : tensor<f32>
  %m = axle.reduce_mean %x {axes = array<i64: 0>, keepdims = true} : (tensor<3x5xf32>) -> tensor<1x5xf32>
  %d = axle.sub %x, %m : (tensor<3x5xf32>, tensor<1x5xf32>) -> tensor<3x5xf32>
  %sq = axle.mul %d, %d : (tensor<3x5xf32>, tensor<3x5xf32>) -> tensor<3x5xf32>
  %v = axle.reduce_mean %sq {axes = array<i64: 0>, keepdims = true} : (tensor<3x5xf32>) -> tensor<1x5xf32>
  %ve = axle.add %v, %eps : (tensor<1x5xf32>, tensor<f32>) -> tensor<1x5xf32>
  %s = axle.sqrt %ve : (tensor<1x5xf32>) -> tensor<1x5xf32>
  %n = axle.div %d, %s : (tensor<3x5xf32>, tensor<1x5xf32>) -> tensor<3x5xf32>
  return %n : tensor<3x5xf32>
}

// -----

// Negative: x - mean is also returned, so the chain cannot disappear.
// CHECK-LABEL: func.func @centered_escapes
// CHECK-NOT: axle.layer_norm
func.func @centered_escapes(%x: tensor<3x5xf32>) -> (tensor<3x5xf32>, tensor<3x5xf32>) {
  %eps = axle.constant dense<1.0e-3> : tensor<f32>
  %m = axle.reduce_mean %x {axes = array<i64: 1>, keepdims = true} : (tensor<3x5xf32>) -> tensor<3x1xf32>
  %d = axle.sub %x, %m : (tensor<3x5xf32>, tensor<3x1xf32>) -> tensor<3x5xf32>
  %sq = axle.mul %d, %d : (tensor<3x5xf32>, tensor<3x5xf32>) -> tensor<3x5xf32>
  %v = axle.reduce_mean %sq {axes = array<i64: 1>, keepdims = true} : (tensor<3x5xf32>) -> tensor<3x1xf32>
  %ve = axle.add %v, %eps : (tensor<3x1xf32>, tensor<f32>) -> tensor<3x1xf32>
  %s = axle.sqrt %ve : (tensor<3x1xf32>) -> tensor<3x1xf32>
  %n = axle.div %d, %s : (tensor<3x5xf32>, tensor<3x1xf32>) -> tensor<3x5xf32>
  return %n, %d : tensor<3x5xf32>, tensor<3x5xf32>
}

// -----

// RMSNorm as canonicalization leaves Qwen2's / Llama's (x * x, reciprocal), then * gamma.
// CHECK-LABEL: func.func @rms_norm_reciprocal
// CHECK: %[[G:.*]] = axle.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]>
// CHECK: %[[R:.*]] = axle.rms_norm %arg0, %[[G]] {epsilon = 9.99999997E-7 : f32}
// CHECK-NOT: axle.reduce_mean
// CHECK: return %[[R]]
func.func @rms_norm_reciprocal(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %eps = axle.constant dense<1.0e-6> : tensor<f32>
  %g = axle.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %0 = axle.mul %x, %x : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %1 = axle.reduce_mean %0 {axes = array<i64: 2>, keepdims = true} : (tensor<2x3x4xf32>) -> tensor<2x3x1xf32>
  %2 = axle.add %1, %eps : (tensor<2x3x1xf32>, tensor<f32>) -> tensor<2x3x1xf32>
  %3 = axle.sqrt %2 : (tensor<2x3x1xf32>) -> tensor<2x3x1xf32>
  %4 = axle.reciprocal %3 : (tensor<2x3x1xf32>) -> tensor<2x3x1xf32>
  %5 = axle.mul %x, %4 : (tensor<2x3x4xf32>, tensor<2x3x1xf32>) -> tensor<2x3x4xf32>
  %6 = axle.mul %g, %5 : (tensor<4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %6 : tensor<2x3x4xf32>
}

// -----

// x / sqrt(mean(x^2) + eps) without a gamma: a scale of ones.
// CHECK-LABEL: func.func @rms_norm_divided
// CHECK: axle.rms_norm %arg0
// CHECK-NOT: axle.div
func.func @rms_norm_divided(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %eps = axle.constant dense<1.0e-5> : tensor<f32>
  %0 = axle.mul %x, %x : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  %1 = axle.reduce_mean %0 {axes = array<i64: 1>, keepdims = true} : (tensor<3x4xf32>) -> tensor<3x1xf32>
  %2 = axle.add %eps, %1 : (tensor<f32>, tensor<3x1xf32>) -> tensor<3x1xf32>
  %3 = axle.sqrt %2 : (tensor<3x1xf32>) -> tensor<3x1xf32>
  %4 = axle.div %x, %3 : (tensor<3x4xf32>, tensor<3x1xf32>) -> tensor<3x4xf32>
  return %4 : tensor<3x4xf32>
}

// -----

// The mean over a leading axis is not RMSNorm: left alone.
// CHECK-LABEL: func.func @rms_over_wrong_axis_not_fused
// CHECK-NOT: axle.rms_norm
func.func @rms_over_wrong_axis_not_fused(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %eps = axle.constant dense<1.0e-5> : tensor<f32>
  %0 = axle.mul %x, %x : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  %1 = axle.reduce_mean %0 {axes = array<i64: 0>, keepdims = true} : (tensor<3x4xf32>) -> tensor<1x4xf32>
  %2 = axle.add %1, %eps : (tensor<1x4xf32>, tensor<f32>) -> tensor<1x4xf32>
  %3 = axle.sqrt %2 : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %4 = axle.reciprocal %3 : (tensor<1x4xf32>) -> tensor<1x4xf32>
  %5 = axle.mul %x, %4 : (tensor<3x4xf32>, tensor<1x4xf32>) -> tensor<3x4xf32>
  return %5 : tensor<3x4xf32>
}
