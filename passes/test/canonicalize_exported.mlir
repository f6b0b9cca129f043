// The canonical forms the fusions match (compiler/dialect/Canonicalize.cc): view chains collapse
// to at most one transpose, one-index gathers and slices of views slice the source, powers and
// divisions by constants become products, casts to the same type vanish.
// RUN: axle-opt %s --canonicalize --split-input-file | FileCheck %s

// nn.MultiheadAttention's head split and merge back: the atoms stay in order -> one reshape.
// CHECK-LABEL: func.func @view_chain_in_order
// CHECK-NOT: axle.transpose
// CHECK: %[[R:.*]] = axle.reshape %arg0 : (tensor<12x1x64xf32>) -> tensor<1x12x64xf32>
// CHECK: return %[[R]]
func.func @view_chain_in_order(%x: tensor<12x1x64xf32>) -> tensor<1x12x64xf32> {
  %0 = axle.reshape %x : (tensor<12x1x64xf32>) -> tensor<12x4x16xf32>
  %1 = axle.transpose %0 {perm = array<i64: 1, 0, 2>} : (tensor<12x4x16xf32>) -> tensor<4x12x16xf32>
  %2 = axle.reshape %1 : (tensor<4x12x16xf32>) -> tensor<1x4x12x16xf32>
  %3 = axle.transpose %2 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x12x16xf32>) -> tensor<1x12x4x16xf32>
  %4 = axle.reshape %3 : (tensor<1x12x4x16xf32>) -> tensor<1x12x64xf32>
  return %4 : tensor<1x12x64xf32>
}

// -----

// Two data-moving transposes that compose to one, at the result's rank.
// CHECK-LABEL: func.func @view_chain_one_transpose
// CHECK: %[[R:.*]] = axle.reshape %arg0 : (tensor<16x64xf32>) -> tensor<1x16x4x16xf32>
// CHECK: %[[T:.*]] = axle.transpose %[[R]] {perm = array<i64: 0, 2, 1, 3>}
// CHECK-NOT: axle.transpose
// CHECK: return %[[T]]
func.func @view_chain_one_transpose(%x: tensor<16x64xf32>) -> tensor<1x4x16x16xf32> {
  %0 = axle.reshape %x : (tensor<16x64xf32>) -> tensor<16x4x16xf32>
  %1 = axle.transpose %0 {perm = array<i64: 2, 1, 0>} : (tensor<16x4x16xf32>) -> tensor<16x4x16xf32>
  %2 = axle.transpose %1 {perm = array<i64: 1, 2, 0>} : (tensor<16x4x16xf32>) -> tensor<4x16x16xf32>
  %3 = axle.reshape %2 : (tensor<4x16x16xf32>) -> tensor<1x4x16x16xf32>
  return %3 : tensor<1x4x16x16xf32>
}

// -----

// The dynamo exporter's K^T at rank 3 between reshapes: the same transpose at rank 4.
// CHECK-LABEL: func.func @key_transpose_at_result_rank
// CHECK: %[[R:.*]] = axle.reshape %arg0 : (tensor<1x2x2x16x8xf32>) -> tensor<1x4x16x8xf32>
// CHECK: axle.transpose %[[R]] {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x4x16x8xf32>) -> tensor<1x4x8x16xf32>
func.func @key_transpose_at_result_rank(%x: tensor<1x2x2x16x8xf32>) -> tensor<1x4x8x16xf32> {
  %0 = axle.reshape %x : (tensor<1x2x2x16x8xf32>) -> tensor<4x16x8xf32>
  %1 = axle.transpose %0 {perm = array<i64: 0, 2, 1>} : (tensor<4x16x8xf32>) -> tensor<4x8x16xf32>
  %2 = axle.reshape %1 : (tensor<4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return %2 : tensor<1x4x8x16xf32>
}

// -----

// A reshape whose boundaries cross the source's (6 -> 4 x ...) is not a view of atoms: kept.
// CHECK-LABEL: func.func @view_chain_not_atoms
// CHECK: axle.transpose
// CHECK: axle.transpose
func.func @view_chain_not_atoms(%x: tensor<6x4xf32>) -> tensor<4x6xf32> {
  %0 = axle.transpose %x {perm = array<i64: 1, 0>} : (tensor<6x4xf32>) -> tensor<4x6xf32>
  %1 = axle.reshape %0 : (tensor<4x6xf32>) -> tensor<6x4xf32>
  %2 = axle.transpose %1 {perm = array<i64: 1, 0>} : (tensor<6x4xf32>) -> tensor<4x6xf32>
  return %2 : tensor<4x6xf32>
}

// -----

// Packed QKV as nn.MultiheadAttention exports it: unsqueeze, move the 3 first, gather 0/1/2 ->
// column slices of the projection.
// CHECK-LABEL: func.func @packed_qkv_gathers_are_slices
// CHECK-NOT: axle.gather
// CHECK-NOT: axle.transpose
// CHECK: axle.slice %arg0 {starts = array<i64: 0, 0, 64>, steps = array<i64: 1, 1, 1>} : (tensor<12x1x192xf32>) -> tensor<12x1x64xf32>
func.func @packed_qkv_gathers_are_slices(%x: tensor<12x1x192xf32>) -> tensor<12x1x64xf32> {
  %i = axle.constant dense<1> : tensor<i64>
  %0 = axle.reshape %x : (tensor<12x1x192xf32>) -> tensor<1x12x1x3x64xf32>
  %1 = axle.transpose %0 {perm = array<i64: 3, 1, 2, 0, 4>} : (tensor<1x12x1x3x64xf32>) -> tensor<3x12x1x1x64xf32>
  %2 = axle.reshape %1 : (tensor<3x12x1x1x64xf32>) -> tensor<3x12x1x64xf32>
  %3 = axle.gather %2, %i {axis = 0 : i64} : (tensor<3x12x1x64xf32>, tensor<i64>) -> tensor<12x1x64xf32>
  return %3 : tensor<12x1x64xf32>
}

// -----

// A slice of an inner part of a source dimension (12 = 3 x 4, slicing the 4s) is left alone.
// CHECK-LABEL: func.func @slice_inside_source_dim_kept
// CHECK: axle.reshape
// CHECK: axle.slice
func.func @slice_inside_source_dim_kept(%x: tensor<2x12xf32>) -> tensor<2x3x2xf32> {
  %0 = axle.reshape %x : (tensor<2x12xf32>) -> tensor<2x3x4xf32>
  %1 = axle.slice %0 {starts = array<i64: 0, 0, 1>, steps = array<i64: 1, 1, 1>} : (tensor<2x3x4xf32>) -> tensor<2x3x2xf32>
  return %1 : tensor<2x3x2xf32>
}

// -----

// A transposed source sliced in whole atoms: the slice moves before the transpose.
// CHECK-LABEL: func.func @slice_moves_before_transpose
// CHECK: %[[S:.*]] = axle.slice %arg0 {starts = array<i64: 0, 1>, steps = array<i64: 1, 1>} : (tensor<4x6xf32>) -> tensor<4x3xf32>
// CHECK: axle.transpose %[[S]] {perm = array<i64: 1, 0>}
func.func @slice_moves_before_transpose(%x: tensor<4x6xf32>) -> tensor<3x4xf32> {
  %0 = axle.transpose %x {perm = array<i64: 1, 0>} : (tensor<4x6xf32>) -> tensor<6x4xf32>
  %1 = axle.slice %0 {starts = array<i64: 1, 0>, steps = array<i64: 1, 1>} : (tensor<6x4xf32>) -> tensor<3x4xf32>
  return %1 : tensor<3x4xf32>
}

// -----

// CHECK-LABEL: func.func @powers_and_divisions
// CHECK-DAG: %[[C:.*]] = axle.constant dense<2.500000e-01> : tensor<f32>
// CHECK-DAG: %[[SQ:.*]] = axle.mul %arg0, %arg0
// CHECK: %[[RT:.*]] = axle.sqrt %[[SQ]]
// CHECK: %[[INV:.*]] = axle.reciprocal %[[RT]]
// CHECK: axle.mul %[[INV]], %[[C]]
// CHECK-NOT: axle.pow
// CHECK-NOT: axle.div
func.func @powers_and_divisions(%x: tensor<4xf32>) -> tensor<4xf32> {
  %two = axle.constant dense<2.0> : tensor<f32>
  %half = axle.constant dense<0.5> : tensor<f32>
  %one = axle.constant dense<1.0> : tensor<f32>
  %four = axle.constant dense<4.0> : tensor<f32>
  %0 = axle.pow %x, %two : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %1 = axle.pow %0, %half : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %2 = axle.div %one, %1 : (tensor<f32>, tensor<4xf32>) -> tensor<4xf32>
  %3 = axle.div %2, %four : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %3 : tensor<4xf32>
}

// -----

// Integer division truncates: not a product. A power without a cheaper form stays.
// CHECK-LABEL: func.func @keeps_integer_division_and_cube
// CHECK: axle.div
// CHECK: axle.pow
func.func @keeps_integer_division_and_cube(%x: tensor<4xi64>, %y: tensor<4xf32>) -> (tensor<4xi64>, tensor<4xf32>) {
  %c = axle.constant dense<3> : tensor<i64>
  %three = axle.constant dense<3.0> : tensor<f32>
  %0 = axle.div %x, %c : (tensor<4xi64>, tensor<i64>) -> tensor<4xi64>
  %1 = axle.pow %y, %three : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0, %1 : tensor<4xi64>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @same_type_cast_vanishes
// CHECK-NEXT: return %arg0
func.func @same_type_cast_vanishes(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = axle.cast %x : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Between two channels-last convolutions (the next one reads the NHWC result): the NCHW round
// trip through relu, a per-channel bias add, a residual add and a max pool disappears (the pool
// becomes channels-last).
// CHECK-LABEL: func.func @layout_round_trip_cancels
// CHECK-NOT: axle.transpose
// CHECK: axle.relu %arg0 : (tensor<1x8x8x4xf32>)
// CHECK: axle.add %{{.*}}, %{{.*}} : (tensor<1x8x8x4xf32>, tensor<1x1x1x4xf32>)
// CHECK: axle.add %{{.*}}, %arg1 : (tensor<1x8x8x4xf32>, tensor<1x8x8x4xf32>)
// CHECK: axle.pool %{{.*}} {channels_last = true
// CHECK-NOT: axle.transpose
// CHECK: return
func.func @layout_round_trip_cancels(%a: tensor<1x8x8x4xf32>, %r: tensor<1x8x8x4xf32>) -> tensor<1x4x4x4xf32> {
  %b = axle.constant dense<[[[1.0]], [[2.0]], [[3.0]], [[4.0]]]> : tensor<4x1x1xf32>
  %0 = axle.transpose %a {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x8x8xf32>
  %1 = axle.relu %0 : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %2 = axle.add %1, %b : (tensor<1x4x8x8xf32>, tensor<4x1x1xf32>) -> tensor<1x4x8x8xf32>
  %3 = axle.transpose %r {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x8x8xf32>
  %4 = axle.add %2, %3 : (tensor<1x4x8x8xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  %5 = axle.pool %4 {count_include_pad = false, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, kind = "max", p = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  %6 = axle.transpose %5 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %6 : tensor<1x4x4x4xf32>
}

// -----

// A splat scale (attention's) keeps the transpose above it, where the attention fusion looks.
// CHECK-LABEL: func.func @splat_scale_keeps_transpose
// CHECK: %[[T:.*]] = axle.transpose %arg0
// CHECK: axle.mul %[[T]]
func.func @splat_scale_keeps_transpose(%k: tensor<1x4x16x8xf32>) -> tensor<1x4x8x16xf32> {
  %s = axle.constant dense<0.5> : tensor<f32>
  %0 = axle.transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x4x16x8xf32>) -> tensor<1x4x8x16xf32>
  %1 = axle.mul %0, %s : (tensor<1x4x8x16xf32>, tensor<f32>) -> tensor<1x4x8x16xf32>
  return %1 : tensor<1x4x8x16xf32>
}

// -----

// A ceil-mode pool (its extent past the floor one) stays channels-first.
// CHECK-LABEL: func.func @ceil_mode_pool_stays
// CHECK: axle.transpose
// CHECK: axle.pool
// CHECK-NOT: channels_last = true
func.func @ceil_mode_pool_stays(%a: tensor<1x5x5x4xf32>) -> tensor<1x4x3x3xf32> {
  %0 = axle.transpose %a {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x5x5x4xf32>) -> tensor<1x4x5x5xf32>
  %1 = axle.pool %0 {count_include_pad = false, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, kind = "max", p = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x4x5x5xf32>) -> tensor<1x4x3x3xf32>
  return %1 : tensor<1x4x3x3xf32>
}

// -----

// RoPE's rotate_half on heads split from [B, S, H*d]: the head dimension is whole only in the
// [B, S, H, d] view, so the slices, the negation and the concat move to that view and the
// transpose ends up once, after them.
// CHECK-LABEL: func.func @rotate_half_before_the_head_transpose
// CHECK: %[[R:.*]] = axle.reshape %arg0 : (tensor<1x5x32xf32>) -> tensor<1x5x4x8xf32>
// CHECK-DAG: axle.slice %[[R]] {starts = array<i64: 0, 0, 0, 4>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x5x4x8xf32>) -> tensor<1x5x4x4xf32>
// CHECK-DAG: axle.slice %[[R]] {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x5x4x8xf32>) -> tensor<1x5x4x4xf32>
// CHECK: %[[C:.*]] = axle.concat
// CHECK-SAME: (tensor<1x5x4x4xf32>, tensor<1x5x4x4xf32>) -> tensor<1x5x4x8xf32>
// CHECK: axle.transpose %[[C]] {perm = array<i64: 0, 2, 1, 3>}
func.func @rotate_half_before_the_head_transpose(%x: tensor<1x5x32xf32>) -> tensor<1x4x5x8xf32> {
  %0 = axle.reshape %x : (tensor<1x5x32xf32>) -> tensor<1x5x4x8xf32>
  %1 = axle.transpose %0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x5x4x8xf32>) -> tensor<1x4x5x8xf32>
  %2 = axle.slice %1 {starts = array<i64: 0, 0, 0, 0>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x4x5x8xf32>) -> tensor<1x4x5x4xf32>
  %3 = axle.slice %1 {starts = array<i64: 0, 0, 0, 4>, steps = array<i64: 1, 1, 1, 1>} : (tensor<1x4x5x8xf32>) -> tensor<1x4x5x4xf32>
  %4 = axle.neg %3 : (tensor<1x4x5x4xf32>) -> tensor<1x4x5x4xf32>
  %5 = axle.concat %4, %2 {axis = 3 : i64} : (tensor<1x4x5x4xf32>, tensor<1x4x5x4xf32>) -> tensor<1x4x5x8xf32>
  return %5 : tensor<1x4x5x8xf32>
}
