// axle-pack-qkv: sibling linears on one input -> one linear over concatenated weights + slices.
// RUN: axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-pack-qkv))" | FileCheck %s

// CHECK-LABEL: func.func @qkv
// CHECK-DAG: %[[W:.*]] = axle.constant dense<{{\[\[}}1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00, 3.000000e+00, 3.000000e+00]]> : tensor<1x6xf32>
// CHECK-DAG: %[[B:.*]] = axle.constant dense<[1.000000e-01, 1.000000e-01, 2.000000e-01, 2.000000e-01, 3.000000e-01, 3.000000e-01]> : tensor<6xf32>
// CHECK: %[[P:.*]] = axle.linear %arg0, %[[W]], %[[B]] : (tensor<4x1xf32>, tensor<1x6xf32>, tensor<6xf32>) -> tensor<4x6xf32>
// CHECK-DAG: %[[Q:.*]] = axle.slice %[[P]] {starts = array<i64: 0, 0>, steps = array<i64: 1, 1>}
// CHECK-DAG: %[[K:.*]] = axle.slice %[[P]] {starts = array<i64: 0, 2>, steps = array<i64: 1, 1>}
// CHECK-DAG: %[[V:.*]] = axle.slice %[[P]] {starts = array<i64: 0, 4>, steps = array<i64: 1, 1>}
// CHECK: return %[[Q]], %[[K]], %[[V]]
func.func @qkv(%x: tensor<4x1xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) {
  %wq = axle.constant dense<1.0> : tensor<1x2xf32>
  %wk = axle.constant dense<2.0> : tensor<1x2xf32>
  %wv = axle.constant dense<3.0> : tensor<1x2xf32>
  %bq = axle.constant dense<0.1> : tensor<2xf32>
  %bk = axle.constant dense<0.2> : tensor<2xf32>
  %bv = axle.constant dense<0.3> : tensor<2xf32>
  %q = axle.linear %x, %wq, %bq : (tensor<4x1xf32>, tensor<1x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %k = axle.linear %x, %wk, %bk : (tensor<4x1xf32>, tensor<1x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %v = axle.linear %x, %wv, %bv : (tensor<4x1xf32>, tensor<1x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  return %q, %k, %v : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// Negative: an epilogue on one sibling, and no bias on the other: nothing to pack with.
// CHECK-LABEL: func.func @not_packable
// CHECK-NOT: axle.slice
// CHECK-COUNT-3: axle.linear
func.func @not_packable(%x: tensor<4x1xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) {
  %w = axle.constant dense<1.0> : tensor<1x2xf32>
  %b = axle.constant dense<0.1> : tensor<2xf32>
  %a = axle.linear %x, %w, %b {activation = "relu"} : (tensor<4x1xf32>, tensor<1x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %c = axle.linear %x, %w : (tensor<4x1xf32>, tensor<1x2xf32>) -> tensor<4x2xf32>
  %d = axle.linear %x, %w, %b : (tensor<4x1xf32>, tensor<1x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  return %a, %c, %d : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}
