// axle-fuse-attention: the exported multi-head attention subgraph -> axle.attention.
// RUN: axle-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(axle-fuse-attention))" | FileCheck %s

// Self-attention, 2 heads of 4, scale by division, additive key-padding mask [1,1,1,5].
// CHECK-LABEL: func.func @self_attention_additive_mask
// CHECK: %[[A:.*]] = axle.attention %arg0, %arg1, %arg2, %arg3 {mask_mode = "additive", num_heads = 2 : i64, scale = 5.000000e-01 : f32}
// CHECK-NOT: axle.softmax
// CHECK: return %[[A]]
func.func @self_attention_additive_mask(%q: tensor<1x5x8xf32>, %k: tensor<1x5x8xf32>, %v: tensor<1x5x8xf32>, %mask: tensor<1x1x1x5xf32>) -> tensor<1x5x8xf32> {
  %c2 = axle.constant dense<2.0> : tensor<f32>
  %q0 = axle.reshape %q : (tensor<1x5x8xf32>) -> tensor<1x5x2x4xf32>
  %q1 = axle.transpose %q0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x5x2x4xf32>) -> tensor<1x2x5x4xf32>
  %k0 = axle.reshape %k : (tensor<1x5x8xf32>) -> tensor<1x5x2x4xf32>
  %k1 = axle.transpose %k0 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x5x2x4xf32>) -> tensor<1x2x4x5xf32>
  %v0 = axle.reshape %v : (tensor<1x5x8xf32>) -> tensor<1x5x2x4xf32>
  %v1 = axle.transpose %v0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x5x2x4xf32>) -> tensor<1x2x5x4xf32>
  %s = axle.matmul %q1, %k1 : (tensor<1x2x5x4xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x5x5xf32>
  %s1 = axle.div %s, %c2 : (tensor<1x2x5x5xf32>, tensor<f32>) -> tensor<1x2x5x5xf32>
  %s2 = axle.add %s1, %mask : (tensor<1x2x5x5xf32>, tensor<1x1x1x5xf32>) -> tensor<1x2x5x5xf32>
  %p = axle.softmax %s2 {axis = 3 : i64} : (tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  %o = axle.matmul %p, %v1 : (tensor<1x2x5x5xf32>, tensor<1x2x5x4xf32>) -> tensor<1x2x5x4xf32>
  %o1 = axle.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x5x4xf32>) -> tensor<1x5x2x4xf32>
  %y = axle.reshape %o1 : (tensor<1x5x2x4xf32>) -> tensor<1x5x8xf32>
  return %y : tensor<1x5x8xf32>
}

// -----

// Cross-attention (3 queries, 6 keys), sqrt-scales on q and k (0.5 * 0.5), K transposed in two
// steps, masked_fill through where (keep where the condition is false).
// CHECK-LABEL: func.func @cross_attention_where_mask
// CHECK: axle.attention %arg0, %arg1, %arg1, %arg2 {mask_fill = -1.000000e+09 : f32, mask_mode = "keep_false", num_heads = 2 : i64, scale = 2.500000e-01 : f32}
func.func @cross_attention_where_mask(%q: tensor<1x3x8xf32>, %m: tensor<1x6x8xf32>, %pad: tensor<1x1x1x6xi1>) -> tensor<1x3x8xf32> {
  %half = axle.constant dense<0.5> : tensor<f32>
  %fill = axle.constant dense<-1.0e9> : tensor<f32>
  %q0 = axle.reshape %q : (tensor<1x3x8xf32>) -> tensor<1x3x2x4xf32>
  %q1 = axle.transpose %q0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x4xf32>) -> tensor<1x2x3x4xf32>
  %q2 = axle.mul %q1, %half : (tensor<1x2x3x4xf32>, tensor<f32>) -> tensor<1x2x3x4xf32>
  %k0 = axle.reshape %m : (tensor<1x6x8xf32>) -> tensor<1x6x2x4xf32>
  %k1 = axle.transpose %k0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x6x2x4xf32>) -> tensor<1x2x6x4xf32>
  %k2 = axle.transpose %k1 {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x6x4xf32>) -> tensor<1x2x4x6xf32>
  %k3 = axle.mul %k2, %half : (tensor<1x2x4x6xf32>, tensor<f32>) -> tensor<1x2x4x6xf32>
  %v0 = axle.reshape %m : (tensor<1x6x8xf32>) -> tensor<1x6x2x4xf32>
  %v1 = axle.transpose %v0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x6x2x4xf32>) -> tensor<1x2x6x4xf32>
  %s = axle.matmul %q2, %k3 : (tensor<1x2x3x4xf32>, tensor<1x2x4x6xf32>) -> tensor<1x2x3x6xf32>
  %s1 = axle.where %pad, %fill, %s : (tensor<1x1x1x6xi1>, tensor<f32>, tensor<1x2x3x6xf32>) -> tensor<1x2x3x6xf32>
  %p = axle.softmax %s1 {axis = 3 : i64} : (tensor<1x2x3x6xf32>) -> tensor<1x2x3x6xf32>
  %o = axle.matmul %p, %v1 : (tensor<1x2x3x6xf32>, tensor<1x2x6x4xf32>) -> tensor<1x2x3x4xf32>
  %o1 = axle.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x3x4xf32>) -> tensor<1x3x2x4xf32>
  %y = axle.reshape %o1 : (tensor<1x3x2x4xf32>) -> tensor<1x3x8xf32>
  return %y : tensor<1x3x8xf32>
}

// -----

// Negative: the attention probabilities are also returned (a second use).
// CHECK-LABEL: func.func @probabilities_escape
// CHECK-NOT: axle.attention
// CHECK: axle.softmax
func.func @probabilities_escape(%q: tensor<1x5x8xf32>, %k: tensor<1x5x8xf32>, %v: tensor<1x5x8xf32>) -> (tensor<1x5x8xf32>, tensor<1x2x5x5xf32>) {
  %q0 = axle.reshape %q : (tensor<1x5x8xf32>) -> tensor<1x5x2x4xf32>
  %q1 = axle.transpose %q0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x5x2x4xf32>) -> tensor<1x2x5x4xf32>
  %k0 = axle.reshape %k : (tensor<1x5x8xf32>) -> tensor<1x5x2x4xf32>
  %k1 = axle.transpose %k0 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x5x2x4xf32>) -> tensor<1x2x4x5xf32>
  %v0 = axle.reshape %v : (tensor<1x5x8xf32>) -> tensor<1x5x2x4xf32>
  %v1 = axle.transpose %v0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x5x2x4xf32>) -> tensor<1x2x5x4xf32>
  %s = axle.matmul %q1, %k1 : (tensor<1x2x5x4xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x5x5xf32>
  %p = axle.softmax %s {axis = 3 : i64} : (tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  %o = axle.matmul %p, %v1 : (tensor<1x2x5x5xf32>, tensor<1x2x5x4xf32>) -> tensor<1x2x5x4xf32>
  %o1 = axle.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x5x4xf32>) -> tensor<1x5x2x4xf32>
  %y = axle.reshape %o1 : (tensor<1x5x2x4xf32>) -> tensor<1x5x8xf32>
  return %y, %p : tensor<1x5x8xf32>, tensor<1x2x5x5xf32>
}

// -----

// Negative: softmax over the query axis is not attention.
// CHECK-LABEL: func.func @softmax_wrong_axis
// CHECK-NOT: axle.attention
func.func @softmax_wrong_axis(%q: tensor<1x5x8xf32>, %k: tensor<1x5x8xf32>, %v: tensor<1x5x8xf32>) -> tensor<1x5x8xf32> {
  %q0 = axle.reshape %q : (tensor<1x5x8xf32>) -> tensor<1x5x2x4xf32>
  %q1 = axle.transpose %q0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x5x2x4xf32>) -> tensor<1x2x5x4xf32>
  %k0 = axle.reshape %k : (tensor<1x5x8xf32>) -> tensor<1x5x2x4xf32>
  %k1 = axle.transpose %k0 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x5x2x4xf32>) -> tensor<1x2x4x5xf32>
  %v0 = axle.reshape %v : (tensor<1x5x8xf32>) -> tensor<1x5x2x4xf32>
  %v1 = axle.transpose %v0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x5x2x4xf32>) -> tensor<1x2x5x4xf32>
  %s = axle.matmul %q1, %k1 : (tensor<1x2x5x4xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x5x5xf32>
  %p = axle.softmax %s {axis = 2 : i64} : (tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  %o = axle.matmul %p, %v1 : (tensor<1x2x5x5xf32>, tensor<1x2x5x4xf32>) -> tensor<1x2x5x4xf32>
  %o1 = axle.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x5x4xf32>) -> tensor<1x5x2x4xf32>
  %y = axle.reshape %o1 : (tensor<1x5x2x4xf32>) -> tensor<1x5x8xf32>
  return %y : tensor<1x5x8xf32>
}

// -----

// Two attentions reading the same head splits (CSE merged them: decoder passes with shared
// weights): both fuse; the shared splits die with them.
// CHECK-LABEL: func.func @shared_head_splits
// CHECK: axle.attention %arg0, %arg1, %arg1
// CHECK: axle.attention %arg2, %arg1, %arg1
// CHECK-NOT: axle.transpose
func.func @shared_head_splits(%q: tensor<1x3x8xf32>, %m: tensor<1x6x8xf32>, %q2: tensor<1x3x8xf32>) -> (tensor<1x3x8xf32>, tensor<1x3x8xf32>) {
  %k0 = axle.reshape %m : (tensor<1x6x8xf32>) -> tensor<1x6x2x4xf32>
  %k1 = axle.transpose %k0 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x6x2x4xf32>) -> tensor<1x2x4x6xf32>
  %v1 = axle.transpose %k0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x6x2x4xf32>) -> tensor<1x2x6x4xf32>
  %qa = axle.reshape %q : (tensor<1x3x8xf32>) -> tensor<1x3x2x4xf32>
  %qb = axle.transpose %qa {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x4xf32>) -> tensor<1x2x3x4xf32>
  %s = axle.matmul %qb, %k1 : (tensor<1x2x3x4xf32>, tensor<1x2x4x6xf32>) -> tensor<1x2x3x6xf32>
  %p = axle.softmax %s {axis = 3 : i64} : (tensor<1x2x3x6xf32>) -> tensor<1x2x3x6xf32>
  %o = axle.matmul %p, %v1 : (tensor<1x2x3x6xf32>, tensor<1x2x6x4xf32>) -> tensor<1x2x3x4xf32>
  %o1 = axle.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x3x4xf32>) -> tensor<1x3x2x4xf32>
  %y = axle.reshape %o1 : (tensor<1x3x2x4xf32>) -> tensor<1x3x8xf32>
  %qc = axle.reshape %q2 : (tensor<1x3x8xf32>) -> tensor<1x3x2x4xf32>
  %qd = axle.transpose %qc {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x4xf32>) -> tensor<1x2x3x4xf32>
  %s2 = axle.matmul %qd, %k1 : (tensor<1x2x3x4xf32>, tensor<1x2x4x6xf32>) -> tensor<1x2x3x6xf32>
  %p2 = axle.softmax %s2 {axis = 3 : i64} : (tensor<1x2x3x6xf32>) -> tensor<1x2x3x6xf32>
  %o2 = axle.matmul %p2, %v1 : (tensor<1x2x3x6xf32>, tensor<1x2x6x4xf32>) -> tensor<1x2x3x4xf32>
  %o3 = axle.transpose %o2 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x3x4xf32>) -> tensor<1x3x2x4xf32>
  %y2 = axle.reshape %o3 : (tensor<1x3x2x4xf32>) -> tensor<1x3x8xf32>
  return %y, %y2 : tensor<1x3x8xf32>, tensor<1x3x8xf32>
}

// -----

// Heads laid out another way (PyTorch's nn.MultiheadAttention: [B*H, S, d] batches) are not
// recognized as splits: the core still fuses, with a transpose + reshape to the attention's
// [B, S, H*d] operands and back.
// CHECK-LABEL: func.func @unrecognized_layout
// CHECK: %[[Q:.*]] = axle.transpose %arg0 {perm = array<i64: 0, 2, 1, 3>}
// CHECK: %[[A:.*]] = axle.attention {{.*}} {num_heads = 2 : i64, scale = 1.000000e+00 : f32}
// CHECK: %[[S:.*]] = axle.reshape %[[A]] : (tensor<1x5x8xf32>) -> tensor<1x5x2x4xf32>
// CHECK: axle.transpose %[[S]] {perm = array<i64: 0, 2, 1, 3>}
// CHECK-NOT: axle.softmax
func.func @unrecognized_layout(%q: tensor<1x2x5x4xf32>, %kt: tensor<1x2x4x5xf32>, %v: tensor<1x2x5x4xf32>) -> tensor<1x2x5x4xf32> {
  %s = axle.matmul %q, %kt : (tensor<1x2x5x4xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x5x5xf32>
  %p = axle.softmax %s {axis = 3 : i64} : (tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  %o = axle.matmul %p, %v : (tensor<1x2x5x5xf32>, tensor<1x2x5x4xf32>) -> tensor<1x2x5x4xf32>
  return %o : tensor<1x2x5x4xf32>
}

// -----

// Grouped-query attention as Qwen2/Llama export it (repeat_kv: unsqueeze, expand, merge of the
// 2 K/V heads to 4), with SDPA's NaN guard after the softmax: kv_heads = 2, zero_empty_rows.
// CHECK-LABEL: func.func @grouped_query_attention_nan_guard
// CHECK: %[[A:.*]] = axle.attention %arg0, %arg1, %arg2 {kv_heads = 2 : i64, num_heads = 4 : i64, scale = 5.000000e-01 : f32, zero_empty_rows = true}
// CHECK-NOT: axle.softmax
// CHECK-NOT: axle.expand
// CHECK: return %[[A]]
func.func @grouped_query_attention_nan_guard(%q: tensor<1x3x8xf32>, %k: tensor<1x3x4xf32>, %v: tensor<1x3x4xf32>) -> tensor<1x3x8xf32> {
  %scale = axle.constant dense<0.5> : tensor<f32>
  %zero = axle.constant dense<0.0> : tensor<1xf32>
  %q0 = axle.reshape %q : (tensor<1x3x8xf32>) -> tensor<1x3x4x2xf32>
  %q1 = axle.transpose %q0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x4x2xf32>) -> tensor<1x4x3x2xf32>
  %k0 = axle.reshape %k : (tensor<1x3x4xf32>) -> tensor<1x3x2x2xf32>
  %k1 = axle.transpose %k0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x2xf32>) -> tensor<1x2x3x2xf32>
  %k2 = axle.reshape %k1 : (tensor<1x2x3x2xf32>) -> tensor<1x2x1x3x2xf32>
  %k3 = axle.expand %k2 : (tensor<1x2x1x3x2xf32>) -> tensor<1x2x2x3x2xf32>
  %k4 = axle.reshape %k3 : (tensor<1x2x2x3x2xf32>) -> tensor<1x4x3x2xf32>
  %kt = axle.transpose %k4 {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x4x3x2xf32>) -> tensor<1x4x2x3xf32>
  %v0 = axle.reshape %v : (tensor<1x3x4xf32>) -> tensor<1x3x2x2xf32>
  %v1 = axle.transpose %v0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x3x2x2xf32>) -> tensor<1x2x3x2xf32>
  %v2 = axle.reshape %v1 : (tensor<1x2x3x2xf32>) -> tensor<1x2x1x3x2xf32>
  %v3 = axle.expand %v2 : (tensor<1x2x1x3x2xf32>) -> tensor<1x2x2x3x2xf32>
  %v4 = axle.reshape %v3 : (tensor<1x2x2x3x2xf32>) -> tensor<1x4x3x2xf32>
  %s0 = axle.matmul %q1, %kt : (tensor<1x4x3x2xf32>, tensor<1x4x2x3xf32>) -> tensor<1x4x3x3xf32>
  %s1 = axle.mul %s0, %scale : (tensor<1x4x3x3xf32>, tensor<f32>) -> tensor<1x4x3x3xf32>
  %p = axle.softmax %s1 {axis = 3 : i64} : (tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  %same = axle.equal %p, %p : (tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xi1>
  %nan = axle.not %same : (tensor<1x4x3x3xi1>) -> tensor<1x4x3x3xi1>
  %pg = axle.where %nan, %zero, %p : (tensor<1x4x3x3xi1>, tensor<1xf32>, tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  %o = axle.matmul %pg, %v4 : (tensor<1x4x3x3xf32>, tensor<1x4x3x2xf32>) -> tensor<1x4x3x2xf32>
  %o1 = axle.transpose %o {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x3x2xf32>) -> tensor<1x3x4x2xf32>
  %o2 = axle.reshape %o1 : (tensor<1x3x4x2xf32>) -> tensor<1x3x8xf32>
  return %o2 : tensor<1x3x8xf32>
}

// -----

// A guard that replaces NaN by something other than 0 is not SDPA's: nothing fuses.
// CHECK-LABEL: func.func @nan_guard_to_one_not_fused
// CHECK-NOT: axle.attention
// CHECK: axle.softmax
func.func @nan_guard_to_one_not_fused(%q: tensor<1x4x3x2xf32>, %kt: tensor<1x4x2x3xf32>, %v: tensor<1x4x3x2xf32>) -> tensor<1x4x3x2xf32> {
  %one = axle.constant dense<1.0> : tensor<1xf32>
  %s0 = axle.matmul %q, %kt : (tensor<1x4x3x2xf32>, tensor<1x4x2x3xf32>) -> tensor<1x4x3x3xf32>
  %p = axle.softmax %s0 {axis = 3 : i64} : (tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  %same = axle.equal %p, %p : (tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xi1>
  %nan = axle.not %same : (tensor<1x4x3x3xi1>) -> tensor<1x4x3x3xi1>
  %pg = axle.where %nan, %one, %p : (tensor<1x4x3x3xi1>, tensor<1xf32>, tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  %o = axle.matmul %pg, %v : (tensor<1x4x3x3xf32>, tensor<1x4x3x2xf32>) -> tensor<1x4x3x2xf32>
  return %o : tensor<1x4x3x2xf32>
}
