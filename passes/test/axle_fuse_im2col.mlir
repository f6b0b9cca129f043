// axle-fuse-im2col: a packed f32 linear over an im2col reads the windows in place.
// RUN: axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-fuse-im2col))" | FileCheck %s

// CHECK-LABEL: func.func @fuses
// CHECK-NOT: axle.im2col
// CHECK: axle.linear %arg0, %{{.*}}, %arg1 {activation = "relu", axle.conv_window = array<i64: 3, 3, 1, 1, 1, 1, 1, 1, 1, 1>, weight_layout = "panel16"} : (tensor<1x4x4x16xf32>, tensor<1x144x16xf32>, tensor<8xf32>) -> tensor<1x4x4x8xf32>
func.func @fuses(%x: tensor<1x4x4x16xf32>, %b: tensor<8xf32>) -> tensor<1x4x4x8xf32> {
  %w = axle.constant dense<0.5> : tensor<1x144x16xf32>
  %c = axle.im2col %x {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x4x16xf32>) -> tensor<1x4x4x144xf32>
  %y = axle.linear %c, %w, %b {activation = "relu", weight_layout = "panel16"} : (tensor<1x4x4x144xf32>, tensor<1x144x16xf32>, tensor<8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// Three channels (an RGB stem): the explicit im2col stays.
// CHECK-LABEL: func.func @stem_keeps_im2col
// CHECK: axle.im2col
// CHECK-NOT: axle.conv_window
func.func @stem_keeps_im2col(%x: tensor<1x8x8x3xf32>) -> tensor<1x8x8x16xf32> {
  %w = axle.constant dense<0.5> : tensor<1x27x16xf32>
  %c = axle.im2col %x {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x3xf32>) -> tensor<1x8x8x27xf32>
  %y = axle.linear %c, %w {weight_layout = "panel16"} : (tensor<1x8x8x27xf32>, tensor<1x27x16xf32>) -> tensor<1x8x8x16xf32>
  return %y : tensor<1x8x8x16xf32>
}

// -----

// Weights not packed yet (the pass runs after axle-pack-weights): left alone.
// CHECK-LABEL: func.func @unpacked_weights_stay
// CHECK: axle.im2col
func.func @unpacked_weights_stay(%x: tensor<1x4x4x16xf32>) -> tensor<1x4x4x8xf32> {
  %w = axle.constant dense<0.5> : tensor<144x8xf32>
  %c = axle.im2col %x {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x4x16xf32>) -> tensor<1x4x4x144xf32>
  %y = axle.linear %c, %w : (tensor<1x4x4x144xf32>, tensor<144x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}
