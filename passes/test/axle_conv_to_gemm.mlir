// axle-conv-to-gemm: 2-D convolutions as channels-last GEMMs or depthwise convolutions.
// RUN: axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-conv-to-gemm))" | FileCheck %s

// 3x3, pad 1: transpose to NHWC, im2col, matmul with the [kh*kw*C, M] weight, bias, back.
// CHECK-LABEL: func.func @conv3x3
// CHECK: %[[X:.*]] = axle.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x5x5xf32>) -> tensor<1x5x5x2xf32>
// CHECK: %[[C:.*]] = axle.im2col %[[X]] {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x5x5x2xf32>) -> tensor<1x5x5x18xf32>
// CHECK: %[[M:.*]] = axle.matmul %[[C]], %{{.*}} : (tensor<1x5x5x18xf32>, tensor<18x3xf32>) -> tensor<1x5x5x3xf32>
// CHECK: %[[B:.*]] = axle.add %[[M]], %arg2
// CHECK: axle.transpose %[[B]] {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x5x5x3xf32>) -> tensor<1x3x5x5xf32>
// CHECK-NOT: axle.conv
func.func @conv3x3(%x: tensor<1x2x5x5xf32>, %w_unused: tensor<1xf32>, %b: tensor<3xf32>) -> tensor<1x3x5x5xf32> {
  %w = axle.constant dense<1.0> : tensor<3x2x3x3xf32>
  %y = axle.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x2x5x5xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x5x5xf32>
  return %y : tensor<1x3x5x5xf32>
}

// -----

// 1x1 stride 2: a strided slice and a GEMM over the channels, no im2col.
// CHECK-LABEL: func.func @pointwise_stride2
// CHECK: axle.slice %{{.*}} {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 2, 2, 1>} : (tensor<1x6x6x4xf32>) -> tensor<1x3x3x4xf32>
// CHECK-NOT: axle.im2col
// CHECK: axle.matmul
func.func @pointwise_stride2(%x: tensor<1x4x6x6xf32>) -> tensor<1x8x3x3xf32> {
  %w = axle.constant dense<0.5> : tensor<8x4x1x1xf32>
  %y = axle.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x4x6x6xf32>, tensor<8x4x1x1xf32>) -> tensor<1x8x3x3xf32>
  return %y : tensor<1x8x3x3xf32>
}

// -----

// Depthwise (group = C = M): axle.depthwise_conv on [kh, kw, C] filters.
// CHECK-LABEL: func.func @depthwise
// CHECK: axle.depthwise_conv %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x8x8x4xf32>, tensor<3x3x4xf32>) -> tensor<1x4x4x4xf32>
func.func @depthwise(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32> {
  %w = axle.constant dense<0.25> : tensor<4x1x3x3xf32>
  %y = axle.conv %x, %w {dilations = array<i64: 1, 1>, group = 4 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// Grouped (not depthwise) and non-constant weights stay convolutions.
// CHECK-LABEL: func.func @grouped_and_dynamic_weights_stay
// CHECK: axle.conv
// CHECK: axle.conv
// CHECK-NOT: axle.im2col
func.func @grouped_and_dynamic_weights_stay(%x: tensor<1x4x5x5xf32>, %wd: tensor<2x4x3x3xf32>) -> (tensor<1x4x5x5xf32>, tensor<1x2x5x5xf32>) {
  %w = axle.constant dense<1.0> : tensor<4x2x3x3xf32>
  %y = axle.conv %x, %w {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x5x5xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x5x5xf32>
  %z = axle.conv %x, %wd {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x5x5xf32>, tensor<2x4x3x3xf32>) -> tensor<1x2x5x5xf32>
  return %y, %z : tensor<1x4x5x5xf32>, tensor<1x2x5x5xf32>
}
