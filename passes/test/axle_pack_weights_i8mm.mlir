// axle-pack-weights{int8-layout=s8panel16x8}: int8 weights in the Arm i8mm kernel's layout,
// chosen by `axle compile --target` for a CPU with I8MM (thor-x's Neoverse-V3AE).
// RUN: axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-pack-weights{int8-layout=s8panel16x8}))" | FileCheck %s
// RUN: not axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-pack-weights{int8-layout=s8panel16x2}))" 2>&1 | FileCheck %s --check-prefix=BAD

// W = [[1, 2], [3, 4]] (K = 2, N = 2): one panel, 8 octs of 128 bytes; oct 0 holds the column
// pair (0, 1) as column 0's 8 rows (1, 3, 0...) then column 1's (2, 4, 0...).
// CHECK-LABEL: func.func @packs_int8_weight_for_i8mm
// CHECK: %[[P:.*]] = axle.constant dense<"0x01030000000000000204000000000000{{0+}}"> : tensor<1x8x128xi8>
// CHECK: axle.linear_int8 %arg0, %[[P]], %{{.*}}, %{{.*}} {{{.*}}weight_layout = "s8panel16x8"}
// BAD: unknown int8 weight layout 's8panel16x2' (known: s8panel16x4, s8panel16x8)
func.func @packs_int8_weight_for_i8mm(%x: tensor<3x2xui8>) -> tensor<3x2xf32> {
  %w = axle.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>
  %s = axle.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %c = axle.constant dense<[4, 6]> : tensor<2xi32>
  %y = axle.linear_int8 %x, %w, %s, %c {input_scale = 0.1 : f32, input_zero_point = 3 : i64} : (tensor<3x2xui8>, tensor<2x2xi8>, tensor<2xf32>, tensor<2xi32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
