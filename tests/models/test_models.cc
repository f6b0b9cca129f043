// The hand-built test models.
#include "tests/models/test_models.h"

#include "runtime/schema/axle_model_generated.h"

namespace axle::testing {
namespace {

namespace fb = ::axle::schema;

// Weights from a fixed-seed LCG, uniform in [-scale, scale).
std::vector<float> Lcg(size_t n, uint32_t seed, float scale) {
  std::vector<float> v(n);
  uint32_t s = seed;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    x = (static_cast<float>(s >> 8) / 16777216.0f * 2.0f - 1.0f) * scale;
  }
  return v;
}

}  // namespace

std::vector<float> MlpWeights(int which) {
  switch (which) {
  case 0: return Lcg(16 * 32, 1, 0.5f);
  case 1: return Lcg(32, 2, 0.1f);
  case 2: return Lcg(32 * 10, 3, 0.5f);
  default: return Lcg(10, 4, 0.1f);
  }
}

ModelBuilder BuildMlp() {
  ModelBuilder b;
  const uint32_t x = b.Input("x", DType::kF32, {1, 16});
  const uint32_t w1 = b.Constant("W1", DType::kF32, {16, 32}, MlpWeights(0));
  const uint32_t b1 = b.Constant("b1", DType::kF32, {32}, MlpWeights(1));
  const uint32_t w2 = b.Constant("W2", DType::kF32, {32, 10}, MlpWeights(2));
  const uint32_t b2 = b.Constant("b2", DType::kF32, {10}, MlpWeights(3));
  const uint32_t h0 = b.Intermediate("h0", DType::kF32, {1, 32});
  const uint32_t h1 = b.Intermediate("h1", DType::kF32, {1, 32});
  const uint32_t h2 = b.Intermediate("h2", DType::kF32, {1, 32});
  const uint32_t l0 = b.Intermediate("l0", DType::kF32, {1, 10});
  const uint32_t l1 = b.Intermediate("logits", DType::kF32, {1, 10});
  const uint32_t y = b.Output("probs", DType::kF32, {1, 10});
  b.Step(fb::OpCode_MatMul, {x, w1}, {h0}, {}, "fc1/matmul");
  b.Step(fb::OpCode_Add, {h0, b1}, {h1}, {}, "fc1/bias");
  b.Step(fb::OpCode_Relu, {h1}, {h2}, {}, "fc1/relu");
  b.Step(fb::OpCode_MatMul, {h2, w2}, {l0}, {}, "fc2/matmul");
  b.Step(fb::OpCode_Add, {l0, b2}, {l1}, {}, "fc2/bias");
  b.Step(fb::OpCode_Softmax, {l1}, {y}, ParamsSpec::Axis(1), "softmax");
  b.spec().compile_options = "axle-testmodel mlp";
  return b;
}

ModelBuilder BuildWide() {
  ModelBuilder b;
  const uint32_t x = b.Input("x", DType::kF32, {128, 256});
  const uint32_t w1 = b.Constant("W1", DType::kF32, {256, 512}, Lcg(256 * 512, 5, 0.1f));
  const uint32_t w2 = b.Constant("W2", DType::kF32, {512, 64}, Lcg(512 * 64, 6, 0.1f));
  const uint32_t h0 = b.Intermediate("h0", DType::kF32, {128, 512});
  const uint32_t h1 = b.Intermediate("h1", DType::kF32, {128, 512});
  const uint32_t h2 = b.Intermediate("h2", DType::kF32, {128, 512});
  const uint32_t y = b.Output("y", DType::kF32, {128, 64});
  b.Step(fb::OpCode_MatMul, {x, w1}, {h0}, {}, "fc1/matmul");
  b.Step(fb::OpCode_Relu, {h0}, {h1}, {}, "fc1/relu");
  b.Step(fb::OpCode_Softmax, {h1}, {h2}, ParamsSpec::Axis(1), "softmax");
  b.Step(fb::OpCode_MatMul, {h2, w2}, {y}, {}, "fc2/matmul");
  b.spec().compile_options = "axle-testmodel wide";
  return b;
}

ModelBuilder BuildZoo() {
  ModelBuilder b;
  const DType f32 = DType::kF32;
  const uint32_t x = b.Input("x", f32, {2, 3, 4});
  const uint32_t y = b.Input("y", f32, {4});
  const uint32_t idx = b.Input("idx", DType::kI64, {2});
  const uint32_t cond = b.Input("cond", DType::kBool, {3, 4});
  const uint32_t ia = b.Input("ia", DType::kI32, {6});
  const uint32_t ib = b.Input("ib", DType::kI32, {6});

  auto unary = [&](uint16_t op, const char* name, uint32_t in) {
    const uint32_t out = b.Output(name, f32, {2, 3, 4});
    b.Step(op, {in}, {out}, {}, name);
  };
  auto binary = [&](uint16_t op, const char* name, uint32_t l, uint32_t r, DType t) {
    const uint32_t out = b.Output(name, t, {2, 3, 4});
    b.Step(op, {l, r}, {out}, {}, name);
  };
  binary(fb::OpCode_Add, "add", x, y, f32);
  binary(fb::OpCode_Sub, "sub", x, y, f32);
  binary(fb::OpCode_Mul, "mul", x, y, f32);
  binary(fb::OpCode_Div, "div", x, y, f32);
  binary(fb::OpCode_Less, "less", x, y, DType::kBool);
  binary(fb::OpCode_Max, "max", x, y, f32);
  unary(fb::OpCode_Relu, "relu", x);
  unary(fb::OpCode_Sigmoid, "sigmoid", x);
  unary(fb::OpCode_Tanh, "tanh", x);
  unary(fb::OpCode_Erf, "erf", x);
  unary(fb::OpCode_Exp, "exp", x);
  const uint32_t absx = b.Intermediate("absx", f32, {2, 3, 4});
  b.Step(fb::OpCode_Abs, {x}, {absx}, {}, "abs");
  unary(fb::OpCode_Sqrt, "sqrt_abs", absx);
  binary(fb::OpCode_Pow, "pow_abs", absx, y, f32);

  const uint32_t sm = b.Output("softmax_axis1", f32, {2, 3, 4});
  b.Step(fb::OpCode_Softmax, {x}, {sm}, ParamsSpec::Axis(1), "softmax");
  const uint32_t ln = b.Output("layernorm", f32, {2, 3, 4});
  b.Step(fb::OpCode_LayerNormalization, {x, y, y}, {ln}, ParamsSpec::LayerNorm(2, 1e-5f), "ln");
  const uint32_t tr = b.Output("transpose_201", f32, {4, 2, 3});
  b.Step(fb::OpCode_Transpose, {x}, {tr}, ParamsSpec::Transpose({2, 0, 1}), "transpose");
  const uint32_t rm = b.Output("reducemean_1", f32, {2, 4});
  b.Step(fb::OpCode_ReduceMean, {x}, {rm}, ParamsSpec::Reduce({1}, false), "reducemean");
  const uint32_t rs = b.Output("reducesum_02_keep", f32, {1, 3, 1});
  b.Step(fb::OpCode_ReduceSum, {x}, {rs}, ParamsSpec::Reduce({0, 2}, true), "reducesum");
  const uint32_t cc = b.Output("concat_xx_1", f32, {2, 6, 4});
  b.Step(fb::OpCode_Concat, {x, x}, {cc}, ParamsSpec::Axis(1), "concat");
  const uint32_t sl = b.Output("slice_rev", f32, {2, 3, 2});
  b.Step(fb::OpCode_Slice, {x}, {sl}, ParamsSpec::Slice({1, 2, 3}, {-1, -1, -2}), "slice");
  const uint32_t ga = b.Output("gather_idx_2", f32, {2, 3, 2});
  b.Step(fb::OpCode_Gather, {x, idx}, {ga}, ParamsSpec::Axis(2), "gather");
  const uint32_t wh = b.Output("where", f32, {2, 3, 4});
  b.Step(fb::OpCode_Where, {cond, x, y}, {wh}, {}, "where");
  const uint32_t ci = b.Output("cast_i32", DType::kI32, {2, 3, 4});
  b.Step(fb::OpCode_Cast, {x}, {ci}, {}, "cast_i32");
  const uint32_t ch = b.Output("cast_f16", DType::kF16, {2, 3, 4});
  b.Step(fb::OpCode_Cast, {x}, {ch}, {}, "cast_f16");
  const uint32_t ex = b.Intermediate("expand_y", f32, {5, 4});
  b.Step(fb::OpCode_Expand, {y}, {ex}, {}, "expand");
  const uint32_t ext = b.Output("expand_t", f32, {4, 5});
  b.Step(fb::OpCode_Transpose, {ex}, {ext}, ParamsSpec::Transpose({1, 0}), "expand_t");
  const uint32_t mm = b.Output("matmul", f32, {2, 3, 5});
  b.Step(fb::OpCode_MatMul, {x, ext}, {mm}, {}, "matmul");
  const uint32_t x2 = b.Intermediate("x2d", f32, {6, 4});
  b.Step(fb::OpCode_Reshape, {x}, {x2}, {}, "reshape");
  const uint32_t bias = b.Intermediate("gemm_c", f32, {1, 5});
  b.Step(fb::OpCode_ReduceSum, {ext}, {bias}, ParamsSpec::Reduce({0}, true), "gemm_c");
  const uint32_t gm = b.Output("gemm", f32, {6, 5});
  b.Step(fb::OpCode_Gemm, {x2, ext, bias}, {gm}, ParamsSpec::Gemm(0.5f, 2.0f, false, false),
         "gemm");
  const uint32_t idiv = b.Output("int_div", DType::kI32, {6});
  b.Step(fb::OpCode_Div, {ia, ib}, {idiv}, {}, "int_div");
  b.spec().compile_options = "axle-testmodel zoo";
  return b;
}

}  // namespace axle::testing
