// Canonicalization of data movement: transposes compose, identity and unit-dim-only
// transposes disappear or become reshapes, reshape chains collapse.
// RUN: axle-opt %s --split-input-file --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @transposes_compose
// CHECK-NEXT: %[[T:.*]] = axle.transpose %arg0 {perm = array<i64: 2, 0, 1>}
// CHECK-NEXT: return %[[T]]
func.func @transposes_compose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = axle.transpose %x {perm = array<i64: 1, 0, 2>} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %1 = axle.transpose %0 {perm = array<i64: 2, 1, 0>} : (tensor<3x2x4xf32>) -> tensor<4x2x3xf32>
  return %1 : tensor<4x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @inverse_transposes_vanish
// CHECK-NEXT: return %arg0
func.func @inverse_transposes_vanish(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = axle.transpose %x {perm = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %1 = axle.transpose %0 {perm = array<i64: 2, 0, 1>} : (tensor<3x4x2xf32>) -> tensor<2x3x4xf32>
  return %1 : tensor<2x3x4xf32>
}

// -----

// CHECK-LABEL: func.func @unit_dims_only
// CHECK-NEXT: %[[R:.*]] = axle.reshape %arg0 : (tensor<1x5x1x7xf32>) -> tensor<5x1x1x7xf32>
// CHECK-NEXT: return %[[R]]
func.func @unit_dims_only(%x: tensor<1x5x1x7xf32>) -> tensor<5x1x1x7xf32> {
  %0 = axle.transpose %x {perm = array<i64: 1, 2, 0, 3>} : (tensor<1x5x1x7xf32>) -> tensor<5x1x1x7xf32>
  return %0 : tensor<5x1x1x7xf32>
}

// -----

// Negative: a transpose that reorders two dimensions larger than 1 stays.
// CHECK-LABEL: func.func @moves_data
// CHECK: axle.transpose
func.func @moves_data(%x: tensor<1x5x7xf32>) -> tensor<1x7x5xf32> {
  %0 = axle.transpose %x {perm = array<i64: 0, 2, 1>} : (tensor<1x5x7xf32>) -> tensor<1x7x5xf32>
  return %0 : tensor<1x7x5xf32>
}

// -----

// CHECK-LABEL: func.func @reshapes_collapse
// CHECK-NEXT: %[[R:.*]] = axle.reshape %arg0 : (tensor<6x4xf32>) -> tensor<2x12xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshapes_collapse(%x: tensor<6x4xf32>) -> tensor<2x12xf32> {
  %0 = axle.reshape %x : (tensor<6x4xf32>) -> tensor<24xf32>
  %1 = axle.reshape %0 : (tensor<24xf32>) -> tensor<2x12xf32>
  return %1 : tensor<2x12xf32>
}
