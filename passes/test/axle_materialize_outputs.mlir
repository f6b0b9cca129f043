// axle-materialize-outputs: copies for returned arguments, constants and duplicates only.
// RUN: axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-materialize-outputs))" --mlir-print-debuginfo | FileCheck %s

// CHECK-LABEL: func.func @returns_argument
func.func @returns_argument(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  // CHECK: %[[Y:.*]] = axle.relu
  // CHECK-NEXT: %[[C:.*]] = axle.copy %arg0 : tensor<4xf32> loc(#[[LOC:loc[0-9]+]])
  // CHECK-NEXT: return %[[C]], %[[Y]] :
  %y = axle.relu %x : (tensor<4xf32>) -> tensor<4xf32>
  return %x, %y : tensor<4xf32>, tensor<4xf32>
}
// CHECK: #[[LOC]] = loc("output_0:copy"

// -----

// CHECK-LABEL: func.func @returns_constant_and_duplicate
func.func @returns_constant_and_duplicate(%x: tensor<2xf32>)
    -> (tensor<2xf32>, tensor<2xf32> {axle.name = "twice"}, tensor<2xf32>) {
  // CHECK: %[[K:.*]] = axle.constant
  %k = axle.constant dense<[1.0, 2.0]> : tensor<2xf32>
  // CHECK: %[[Y:.*]] = axle.neg
  %y = axle.neg %x : (tensor<2xf32>) -> tensor<2xf32>
  // CHECK-NEXT: %[[Y2:.*]] = axle.copy %[[Y]] : tensor<2xf32> loc(#[[TWICE:loc[0-9]+]])
  // CHECK-NEXT: %[[K2:.*]] = axle.copy %[[K]] : tensor<2xf32>
  // CHECK-NEXT: return %[[Y]], %[[Y2]], %[[K2]] :
  return %y, %y, %k : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}
// CHECK: #[[TWICE]] = loc("twice:copy"

// -----

// Nothing to do: distinct step results are returned as they are.
// CHECK-LABEL: func.func @already_materialized
func.func @already_materialized(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  // CHECK-NOT: axle.copy
  // CHECK: return
  %a = axle.neg %x : (tensor<2xf32>) -> tensor<2xf32>
  %b = axle.abs %x : (tensor<2xf32>) -> tensor<2xf32>
  return %a, %b : tensor<2xf32>, tensor<2xf32>
}
