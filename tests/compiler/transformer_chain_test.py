"""A 24-layer transformer encoder, as PyTorch exports it, through `axle compile` + `axle run`.

The model is built with onnx.helper (fixed seed): per layer Q/K/V projections, Reshape +
Transpose into heads, scaled dot-product attention with Softmax, output projection, residual,
LayerNormalization, a ReLU FFN, residual, LayerNormalization. Checked: the outputs match ONNX
Runtime's (rtol 1e-3, atol 1e-4), and the static memory plan's arena is within 1.10x of the
lower bound (the largest sum of simultaneously live bytes) that the compiler reports.

Run by ctest with AXLE_BIN pointing at the built tool.
"""
import json
import os
import subprocess
import tempfile
import unittest

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

AXLE = os.environ.get("AXLE_BIN", "build/bin/axle")
LAYERS, SEQ, D, HEADS, FFN = 24, 32, 64, 4, 128


def encoder(layers=LAYERS, seq=SEQ, d=D, heads=HEADS, ffn=FFN, seed=0):
    rng = np.random.default_rng(seed)
    dh = d // heads
    nodes, inits = [], []

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def linear(x, n_in, n_out, name):
        w = const(name + ".weight", rng.normal(0, n_in ** -0.5, (n_in, n_out)).astype(np.float32))
        b = const(name + ".bias", rng.normal(0, 0.02, n_out).astype(np.float32))
        return node("Add", [node("MatMul", [x, w], name + "/MatMul"), b], name + "/Add")

    heads_shape = const("heads_shape", np.array([1, seq, heads, dh], np.int64))
    model_shape = const("model_shape", np.array([1, seq, d], np.int64))
    scale = const("scale", np.array(np.sqrt(dh), np.float32))
    x = "tokens"
    for i in range(layers):
        p = f"layer{i}"
        q = node("Transpose", [node("Reshape", [linear(x, d, d, p + ".q"), heads_shape],
                                    p + "/q_heads")], p + "/q_t", perm=[0, 2, 1, 3])
        k = node("Transpose", [node("Reshape", [linear(x, d, d, p + ".k"), heads_shape],
                                    p + "/k_heads")], p + "/k_t", perm=[0, 2, 3, 1])
        v = node("Transpose", [node("Reshape", [linear(x, d, d, p + ".v"), heads_shape],
                                    p + "/v_heads")], p + "/v_t", perm=[0, 2, 1, 3])
        scores = node("Div", [node("MatMul", [q, k], p + "/qk"), scale], p + "/scaled")
        probs = node("Softmax", [scores], p + "/softmax", axis=-1)
        ctx = node("Transpose", [node("MatMul", [probs, v], p + "/pv")], p + "/ctx_t",
                   perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, model_shape], p + "/ctx")
        x = node("Add", [x, linear(ctx, d, d, p + ".out")], p + "/residual1")
        x = node("LayerNormalization", [x, const(p + ".ln1.w", np.ones(d, np.float32)),
                                        const(p + ".ln1.b", np.zeros(d, np.float32))],
                 p + "/ln1", axis=-1, epsilon=1e-5)
        h = node("Relu", [linear(x, d, ffn, p + ".ffn1")], p + "/relu")
        x = node("Add", [x, linear(h, ffn, d, p + ".ffn2")], p + "/residual2")
        x = node("LayerNormalization", [x, const(p + ".ln2.w", np.ones(d, np.float32)),
                                        const(p + ".ln2.b", np.zeros(d, np.float32))],
                 p + "/ln2", axis=-1, epsilon=1e-5)
    nodes.append(helper.make_node("Identity", [x], ["encoded"], name="output"))
    graph = helper.make_graph(
        nodes, "encoder24",
        [helper.make_tensor_value_info("tokens", TensorProto.FLOAT, [1, seq, d])],
        [helper.make_tensor_value_info("encoded", TensorProto.FLOAT, [1, seq, d])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model


class TransformerChainTest(unittest.TestCase):
    def test_24_layer_encoder_matches_ort_and_plans_within_10_percent(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "encoder24.onnx")
            onnx.save(encoder(), path)
            plan = os.path.join(tmp, "encoder24.axm")
            r = subprocess.run([AXLE, "compile", path, "-o", plan, "--json"], capture_output=True,
                               text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
            summary = json.loads(r.stdout)
            print(f"compile: {summary['steps']} steps, arena {summary['arena_bytes']} bytes, "
                  f"lower bound {summary['arena_lower_bound']}, {summary['compile_ms']:.0f} ms")
            self.assertGreater(summary["arena_lower_bound"], 0)
            self.assertLessEqual(summary["arena_bytes"], 1.10 * summary["arena_lower_bound"])
            self.assertEqual(summary["ops"]["attention"], LAYERS)  # fused, one per layer
            self.assertNotIn("softmax", summary["ops"])

            x = np.random.default_rng(1).normal(0, 1, (1, SEQ, D)).astype(np.float32)
            os.makedirs(os.path.join(tmp, "in"))
            with open(os.path.join(tmp, "in", "input_0.pb"), "wb") as f:
                f.write(numpy_helper.from_array(x, "tokens").SerializeToString())
            r = subprocess.run([AXLE, "run", plan, "--inputs", os.path.join(tmp, "in"),
                                "--outputs", os.path.join(tmp, "out"), "-q"],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
            t = onnx.TensorProto()
            with open(os.path.join(tmp, "out", "output_0.pb"), "rb") as f:
                t.ParseFromString(f.read())
            got = numpy_helper.to_array(t)
            want = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(
                None, {"tokens": x})[0]
            np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4)


if __name__ == "__main__":
    unittest.main()
