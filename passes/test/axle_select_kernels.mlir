// axle-select-kernels: every non-constant axle op gets the runtime kernel contract it runs on;
// an op without a kernel on the target is an error at its location.
// RUN: axle-opt %s --split-input-file --verify-diagnostics --pass-pipeline="builtin.module(func.func(axle-select-kernels))" | FileCheck %s
// RUN: not axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-select-kernels{target=orin}))" 2>&1 | FileCheck %s --check-prefix=TARGET

// TARGET: error: unknown target 'orin' (known targets: host)

// CHECK-LABEL: func.func @host_kernels
func.func @host_kernels(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {
  // CHECK: axle.constant
  // CHECK-NOT: axle.kernel
  %w = axle.constant dense<1.0> : tensor<3x2xf32>
  // CHECK: axle.matmul {{.*}} {axle.kernel = "MatMul"}
  %y = axle.matmul %x, %w : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
  // CHECK: axle.relu {{.*}} {axle.kernel = "Relu"}
  %z = axle.relu %y : (tensor<2x2xf32>) -> tensor<2x2xf32>
  // CHECK: axle.copy {{.*}} {axle.kernel = "Reshape"}
  %c = axle.copy %z : tensor<2x2xf32>
  return %c : tensor<2x2xf32>
}

// -----

// A declared quantized op has no host kernel yet: a diagnostic, not an abort.
func.func @no_kernel(%x: tensor<2x3xf32>) -> tensor<2x3xi8> {
  // expected-error @+1 {{'axle.quantize' op has no kernel on target 'host': the runtime has no kernel for 'axle.quantize'}}
  %y = axle.quantize %x {scale = array<f32: 0.5>, zero_point = array<i64: 0>, axis = -1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xi8>
  return %y : tensor<2x3xi8>
}
