// axle-quantize-weights: weight-only int8 / int4 linears with f32 activations.
// RUN: axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-quantize-weights{bits=8}))" | FileCheck %s --check-prefix=W8
// RUN: axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-quantize-weights{bits=4}))" | FileCheck %s --check-prefix=W4
// RUN: axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-quantize-weights{bits=4 group-size=64}))" | FileCheck %s --check-prefix=G64
// RUN: not axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-quantize-weights{bits=4 group-size=48}))" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: group-size must be 32, 64 or 128, got 48

// Column 0 max |w| 2 -> scale 2/127, values 127, -64; column 1 max 0.5 -> 127, 127.
// With 4 bits: one group (K = 2 < 32), scale max/7: column 0 -> 7 and -1 / (2/7) = -3.4999998 in
// f32 -> -3 (nibbles 0x7, 0xD: byte 0xD7 = 215); column 1 -> 7, 7 (0x77 = 119).
// W8-LABEL: func.func @weight_only
// W8-DAG: %[[W:.*]] = axle.constant dense<{{\[\[\[}}127, 127, 0, {{.*}}[-64, 127, 0, {{.*}}> : tensor<1x2x16xi8>
// W8-DAG: %[[S:.*]] = axle.constant dense<[0.0157480314, 0.00393700786]> : tensor<2xf32>
// W8: axle.linear_weight_only %arg0, %[[W]], %[[S]], %{{.*}} {activation = "relu", weight_layout = "w8panel16"}
// W4-LABEL: func.func @weight_only
// W4-DAG: %[[W:.*]] = axle.constant dense<{{\[\[\[}}215, 119, 0, {{.*}}> : tensor<1x1x16xui8>
// W4-DAG: %[[S:.*]] = axle.constant dense<{{\[\[}}0.285714298, 0.0714285746]]> : tensor<1x2xf32>
// W4: axle.linear_weight_only %arg0, %[[W]], %[[S]], %{{.*}} {activation = "relu", weight_layout = "w4panel16"}
func.func @weight_only(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = axle.constant dense<[[2.0, 0.5], [-1.0, 0.5]]> : tensor<2x2xf32>
  %b = axle.constant dense<[0.1, 0.2]> : tensor<2xf32>
  %y = axle.linear %x, %w, %b {activation = "relu"} : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Negative: kept in f32, or a weight computed at run time.
// W8-LABEL: func.func @left_alone
// W8-NOT: linear_weight_only
// W4-LABEL: func.func @left_alone
// W4-NOT: linear_weight_only
func.func @left_alone(%x: tensor<1x2xf32>, %w2: tensor<2x1xf32>) -> (tensor<1x1xf32>, tensor<1x1xf32>) {
  %w = axle.constant dense<[[1.0], [1.0]]> : tensor<2x1xf32>
  %a = axle.linear %x, %w {axle.precision = "f32"} : (tensor<1x2xf32>, tensor<2x1xf32>) -> tensor<1x1xf32>
  %b = axle.linear %x, %w2 : (tensor<1x2xf32>, tensor<2x1xf32>) -> tensor<1x1xf32>
  return %a, %b : tensor<1x1xf32>, tensor<1x1xf32>
}

// -----

// Group sizes: K = 100 rows take ceil(100 / 32) = 4 scale rows with the default group and
// ceil(100 / 64) = 2 with group-size=64; the op records the group it was packed with.
// Rows 0-63 hold 1.0 and rows 64-99 hold 0.5: with G = 64 the scales are 1/7 and 0.5/7.
// W8-LABEL: func.func @groups
// W4-LABEL: func.func @groups
// W4: axle.linear_weight_only {{.*}} : (tensor<1x100xf32>, tensor<1x50x16xui8>, tensor<4x2xf32>) -> tensor<1x2xf32>
// G64-LABEL: func.func @groups
// G64: %[[S:.*]] = axle.constant dense<{{\[\[}}0.142857149, 0.142857149], [0.0714285746, 0.0714285746]]> : tensor<2x2xf32>
// G64: axle.linear_weight_only %arg0, %{{.*}}, %[[S]] {group_size = 64 : i64, weight_layout = "w4panel16"} : (tensor<1x100xf32>, tensor<1x50x16xui8>, tensor<2x2xf32>) -> tensor<1x2xf32>
func.func @groups(%x: tensor<1x100xf32>) -> tensor<1x2xf32> {
  %a = axle.constant dense<1.0> : tensor<64x2xf32>
  %b = axle.constant dense<0.5> : tensor<36x2xf32>
  %w = axle.concat %a, %b {axis = 0 : i64} : (tensor<64x2xf32>, tensor<36x2xf32>) -> tensor<100x2xf32>
  %y = axle.linear %x, %w : (tensor<1x100xf32>, tensor<100x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
