// axle-fuse-linear: matmul/gemm with constant weights -> linear; bias and activation epilogues.
// RUN: axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-fuse-linear))" | FileCheck %s

// CHECK-LABEL: func.func @matmul_bias_relu
// CHECK-SAME: (%[[X:.*]]: tensor<1x5x3xf32>)
// CHECK-DAG: %[[W:.*]] = axle.constant dense<{{.*}}> : tensor<3x4xf32>
// CHECK-DAG: %[[B:.*]] = axle.constant dense<{{.*}}> : tensor<4xf32>
// CHECK: %[[Y:.*]] = axle.linear %[[X]], %[[W]], %[[B]] {activation = "relu"}
// CHECK-NOT: axle.matmul
// CHECK-NOT: axle.relu
// CHECK: return %[[Y]]
func.func @matmul_bias_relu(%x: tensor<1x5x3xf32>) -> tensor<1x5x4xf32> {
  %w = axle.constant dense<0.5> : tensor<3x4xf32>
  %b = axle.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %0 = axle.matmul %x, %w : (tensor<1x5x3xf32>, tensor<3x4xf32>) -> tensor<1x5x4xf32>
  %1 = axle.add %b, %0 : (tensor<4xf32>, tensor<1x5x4xf32>) -> tensor<1x5x4xf32>
  %2 = axle.relu %1 : (tensor<1x5x4xf32>) -> tensor<1x5x4xf32>
  return %2 : tensor<1x5x4xf32>
}

// -----

// Gemm with trans_b: the weight is transposed at compile time.
// CHECK-LABEL: func.func @gemm_trans_b
// CHECK: %[[W:.*]] = axle.constant dense<{{\[\[}}1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK: axle.linear %arg0, %[[W]], %{{.*}} : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>)
func.func @gemm_trans_b(%a: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %b = axle.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %c = axle.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %0 = axle.gemm %a, %b, %c {alpha = 1.0 : f32, beta = 1.0 : f32, trans_a = false, trans_b = true} : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Negative: a weight that is not a constant stays a matmul.
// CHECK-LABEL: func.func @runtime_weight
// CHECK: axle.matmul
// CHECK-NOT: axle.linear
func.func @runtime_weight(%x: tensor<2x3xf32>, %w: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %0 = axle.matmul %x, %w : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Negative: the matmul result has a second use, so the bias add is not absorbed.
// CHECK-LABEL: func.func @shared_product
// CHECK: %[[L:.*]] = axle.linear %arg0, %{{[^,]*}} :
// CHECK: axle.add %[[L]]
func.func @shared_product(%x: tensor<2x3xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  %w = axle.constant dense<0.5> : tensor<3x4xf32>
  %b = axle.constant dense<1.0> : tensor<4xf32>
  %0 = axle.matmul %x, %w : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %1 = axle.add %0, %b : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0, %1 : tensor<2x4xf32>, tensor<2x4xf32>
}

// -----

// Negative: a bias over the rows (not [N]) is a plain add.
// CHECK-LABEL: func.func @row_bias
// CHECK: axle.linear
// CHECK: axle.add
func.func @row_bias(%x: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %w = axle.constant dense<0.5> : tensor<3x4xf32>
  %b = axle.constant dense<[[1.0], [2.0]]> : tensor<2x1xf32>
  %0 = axle.matmul %x, %w : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  %1 = axle.add %0, %b : (tensor<2x4xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// -----

// The skip connection of a transformer block: the add becomes the linear's residual.
// CHECK-LABEL: func.func @residual
// CHECK: %[[Y:.*]] = axle.linear %arg0, %{{.*}}, %{{.*}} residual %arg1 : (tensor<2x4xf32>, tensor<4x4xf32>, tensor<4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
// CHECK-NOT: axle.add
// CHECK: return %[[Y]]
func.func @residual(%x: tensor<2x4xf32>, %skip: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w = axle.constant dense<0.5> : tensor<4x4xf32>
  %b = axle.constant dense<1.0> : tensor<4xf32>
  %0 = axle.matmul %x, %w : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %1 = axle.add %0, %b : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %2 = axle.add %skip, %1 : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %2 : tensor<2x4xf32>
}

// -----

// Negative: an add that broadcasts (not the linear's full type) is no residual.
// CHECK-LABEL: func.func @broadcast_add
// CHECK: axle.linear
// CHECK-NOT: residual
// CHECK: axle.add
func.func @broadcast_add(%x: tensor<2x4xf32>, %row: tensor<1x4xf32>) -> tensor<2x4xf32> {
  %w = axle.constant dense<0.5> : tensor<4x4xf32>
  %0 = axle.matmul %x, %w : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %1 = axle.add %0, %row : (tensor<2x4xf32>, tensor<1x4xf32>) -> tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// -----

// A BatchNorm left unfolded by the exporter, after a convolution (channels-last GEMM): its
// per-channel scale folds into the weight and bias, its shift into the bias.
// CHECK-LABEL: func.func @batchnorm_folds_into_linear
// CHECK-DAG: %[[W:.*]] = axle.constant dense<{{\[}}[2.000000e+00, 3.000000e+00], [2.000000e+00, 3.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[B:.*]] = axle.constant dense<[3.000000e+00, 5.000000e+00]> : tensor<2xf32>
// CHECK: axle.linear %arg0, %[[W]], %[[B]] {activation = "relu"}
// CHECK-NOT: axle.mul
func.func @batchnorm_folds_into_linear(%x: tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32> {
  %w = axle.constant dense<1.0> : tensor<2x2xf32>
  %b = axle.constant dense<1.0> : tensor<2xf32>
  %s = axle.constant dense<[[[[2.0, 3.0]]]]> : tensor<1x1x1x2xf32>
  %t = axle.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %0 = axle.matmul %x, %w : (tensor<1x3x3x2xf32>, tensor<2x2xf32>) -> tensor<1x3x3x2xf32>
  %1 = axle.add %0, %b : (tensor<1x3x3x2xf32>, tensor<2xf32>) -> tensor<1x3x3x2xf32>
  %2 = axle.mul %1, %s : (tensor<1x3x3x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x3x3x2xf32>
  %3 = axle.add %2, %t : (tensor<1x3x3x2xf32>, tensor<2xf32>) -> tensor<1x3x3x2xf32>
  %4 = axle.relu %3 : (tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  return %4 : tensor<1x3x3x2xf32>
}
