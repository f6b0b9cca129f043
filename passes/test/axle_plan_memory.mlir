// axle-plan-memory: liveness intervals -> arena offsets, in-place reuse where an op allows it.
// RUN: axle-opt %s --split-input-file --verify-diagnostics --pass-pipeline="builtin.module(func.func(axle-plan-memory))" | FileCheck %s

// 16 f32 = 64 bytes per tensor. The input lives throughout; %a dies at %b and %b at %c
// (elementwise, in place), so one buffer beside the input holds all three.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: %arg0: tensor<16xf32> {axle.offset = [[X:[0-9]+]] : i64}
// CHECK-SAME: attributes {axle.arena_bytes = 128 : i64, axle.arena_lower_bound = 128 : i64}
func.func @chain(%x: tensor<16xf32>) -> tensor<16xf32> {
  // CHECK: axle.relu %arg0 {axle.offsets = array<i64: [[A:[0-9]+]]>}
  // CHECK: axle.sigmoid %{{.*}} {axle.offsets = array<i64: [[A]]>}
  // CHECK: axle.neg %{{.*}} {axle.offsets = array<i64: [[A]]>}
  %a = axle.relu %x : (tensor<16xf32>) -> tensor<16xf32>
  %b = axle.sigmoid %a : (tensor<16xf32>) -> tensor<16xf32>
  %c = axle.neg %b : (tensor<16xf32>) -> tensor<16xf32>
  return %c : tensor<16xf32>
}

// -----

// %a is still read after %b, so %b cannot take its buffer (x, a, b: 3 x 64 bytes live at once);
// %c takes %a's, which dies there. The weight constant gets no offset (constant segment).
// CHECK-LABEL: func.func @no_reuse_while_live
// CHECK-SAME: axle.arena_bytes = 192 : i64, axle.arena_lower_bound = 192 : i64
func.func @no_reuse_while_live(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // CHECK: axle.constant dense<1.000000e+00> : tensor<4x4xf32>
  %w = axle.constant dense<1.0> : tensor<4x4xf32>
  // CHECK: axle.matmul {{.*}} {axle.offsets = array<i64: [[A:[0-9]+]]>}
  // CHECK-NOT: array<i64: [[A]]>
  // CHECK: axle.add {{.*}} {axle.offsets = array<i64: [[A]]>}
  %a = axle.matmul %x, %w : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %b = axle.relu %a : (tensor<4x4xf32>) -> tensor<4x4xf32>
  %c = axle.add %a, %b : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  return %c : tensor<4x4xf32>
}

// -----

// Outputs must be materialized first; the failing function is reported, not planned.
func.func @returns_argument(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'func.return' op operand 0 is a function argument; run axle-materialize-outputs first}}
  return %x : tensor<4xf32>
}

// -----

func.func @returns_twice(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %y = axle.relu %x : (tensor<4xf32>) -> tensor<4xf32>
  // expected-error @+1 {{operand 1 is returned more than once}}
  return %y, %y : tensor<4xf32>, tensor<4xf32>
}
