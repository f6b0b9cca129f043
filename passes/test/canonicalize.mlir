// The canonicalizer folds axle ops with constant operands by running them on the runtime, and
// leaves ops with a non-constant operand untouched.
// RUN: axle-opt %s --canonicalize --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @folds_add
func.func @folds_add() -> tensor<3xf32> {
  %a = axle.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %b = axle.constant dense<10.0> : tensor<f32>
  // CHECK-NEXT: %[[C:.*]] = axle.constant dense<[1.100000e+01, 1.200000e+01, 1.300000e+01]>
  // CHECK-NEXT: return %[[C]]
  %c = axle.add %a, %b : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  return %c : tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @keeps_runtime_add
func.func @keeps_runtime_add(%x: tensor<3xf32>) -> tensor<3xf32> {
  %b = axle.constant dense<10.0> : tensor<f32>
  // CHECK: axle.add %arg0
  %c = axle.add %x, %b : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>
  return %c : tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @folds_shape_chain
func.func @folds_shape_chain() -> tensor<2xi64> {
  %s = axle.constant dense<[2, 3, 4]> : tensor<3xi64>
  %i = axle.constant dense<[0, 2]> : tensor<2xi64>
  // CHECK-NEXT: axle.constant dense<[2, 4]> : tensor<2xi64>
  %g = axle.gather %s, %i {axis = 0 : i64} : (tensor<3xi64>, tensor<2xi64>) -> tensor<2xi64>
  return %g : tensor<2xi64>
}
