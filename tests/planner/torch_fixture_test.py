"""What PyTorch really emits: the checked-in torch.onnx.export fixtures (TorchScript exporter,
opset 17; torch.export-based exporter, opset 18 with external data) of the planner written with
nn.TransformerEncoder/Decoder (examples/planner/torch_planner.py), compiled and run by Axle and
compared with PyTorch's own outputs and with ONNX Runtime's (rtol 1e-3, atol 1e-4). The
attention of nn.MultiheadAttention (packed in-projection, [S, B, D] layout) must be fused.

Run by ctest with AXLE_BIN set. Regenerate with examples/planner/export_torch.py (needs torch).
"""
import glob
import json
import os
import subprocess
import tempfile
import unittest

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

AXLE = os.environ.get("AXLE_BIN", "build/bin/axle")
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def read_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return t.name, numpy_helper.to_array(t)


class TorchFixtureTest(unittest.TestCase):
    def check(self, stem):
        model = os.path.join(FIXTURES, stem + ".onnx")
        data = os.path.join(FIXTURES, stem, "test_data_set_0")
        inputs = dict(read_pb(p) for p in sorted(glob.glob(os.path.join(data, "input_*.pb"))))
        torch_out = [read_pb(p)[1] for p in sorted(glob.glob(os.path.join(data, "output_*.pb")))]
        ort_out = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None,
                                                                                      inputs)
        with tempfile.TemporaryDirectory() as tmp:
            results = {}
            for kind, flags in {"fused": [], "unfused": ["--no-fusion"]}.items():
                plan = os.path.join(tmp, kind + ".axm")
                r = subprocess.run([AXLE, "compile", model, "-o", plan, "--json", *flags],
                                   capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                ops = json.loads(r.stdout)["ops"]
                out = os.path.join(tmp, kind)
                r = subprocess.run([AXLE, "run", plan, "--inputs", data, "--outputs", out, "-q"],
                                   capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                results[kind] = [read_pb(os.path.join(out, f"output_{i}.pb"))[1]
                                 for i in range(2)]
                for got, want_t, want_o in zip(results[kind], torch_out, ort_out):
                    np.testing.assert_allclose(got, want_t, rtol=1e-3, atol=1e-4)
                    np.testing.assert_allclose(got, want_o, rtol=1e-3, atol=1e-4)
                if kind == "fused":
                    print(f"{stem}: {ops}")
                    # 2 encoder layers, BEV cross-attention, 2 decoder layers x (self, cross);
                    # the first decoder self-attention reads only constants and folds away.
                    self.assertGreaterEqual(ops.get("attention", 0), 6)
                    self.assertEqual(ops.get("softmax", 0), 1)  # the mode scores

    def test_torchscript_export(self):
        self.check("planner_torch_tiny")

    def test_dynamo_export_with_external_data(self):
        self.check("planner_torch_tiny_dynamo")


if __name__ == "__main__":
    unittest.main()
