"""The planner family end to end: generate, `axle compile`, `axle run`, compare with ONNX Runtime.

Every family member and every export variant (LayerNorm op or decomposed, erf- or tanh-GELU,
attention scale by Div / Mul / split sqrt, key-padding mask added or through Where) is compiled
and run on the sample scene; outputs must match ONNX Runtime's on the same ONNX file (rtol 1e-3,
atol 1e-4). After fusion no softmax, erf, tanh, pow, sqrt or reduce_mean step may remain
(only the final mode-score softmax), and a compile without fusion gives the same outputs. The
fused plan's outputs are bitwise identical across runs and across 1, 2 and 3 threads.

Run by ctest with AXLE_BIN set; PLANNER_CONFIGS selects the configs of one ctest entry.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples", "planner"))
import make_planner  # noqa: E402

AXLE = os.environ.get("AXLE_BIN", "build/bin/axle")
FORBIDDEN = {"softmax", "erf", "tanh", "pow", "sqrt", "reduce_mean"}


def read_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return t.name, numpy_helper.to_array(t)


def axle(*args):
    r = subprocess.run([AXLE, *args], capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        raise AssertionError(f"axle {' '.join(args)} failed: {r.stderr.strip()}")
    return r.stdout


class PlannerTest(unittest.TestCase):
    def check(self, cfg, variant=make_planner.Variant(), unfused=False):
        with tempfile.TemporaryDirectory() as tmp:
            model, params = make_planner.build(cfg, variant)
            path = os.path.join(tmp, "planner.onnx")
            onnx.save(model, path)
            scene_dir = os.path.join(tmp, "scene")
            make_planner.write_scene(cfg, scene_dir)
            inputs = dict(read_pb(p) for p in sorted(glob.glob(os.path.join(scene_dir, "*.pb"))))
            want = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, inputs)

            plans = {"fused": []}
            if unfused:
                plans["unfused"] = ["--no-fusion"]
            outputs = {}
            for kind, flags in plans.items():
                plan = os.path.join(tmp, kind + ".axm")
                summary = json.loads(axle("compile", path, "-o", plan, "--json", *flags))
                out_dir = os.path.join(tmp, kind + "_out")
                axle("run", plan, "--inputs", scene_dir, "--outputs", out_dir, "-q")
                outputs[kind] = [read_pb(os.path.join(out_dir, f"output_{i}.pb"))[1]
                                 for i in range(len(want))]
                for got, ref, name in zip(outputs[kind], want, ["trajectories", "mode_scores"]):
                    np.testing.assert_allclose(
                        got, ref, rtol=1e-3, atol=1e-4,
                        err_msg=f"{cfg.name} {variant} {kind}: {name} differs from ONNX Runtime")
                if kind == "fused":
                    # Bitwise the same across runs and thread counts (the pool hands out chunks
                    # dynamically; no kernel may let that change a result), spinning or not.
                    for tag, flags in [("t2", ["--threads", "2"]),
                                       ("t3_nospin", ["--threads", "3", "--spin-us", "0"]),
                                       ("t1_again", ["--threads", "1"])]:
                        again = os.path.join(tmp, f"{kind}_out_{tag}")
                        axle("run", plan, "--inputs", scene_dir, "--outputs", again, "-q",
                             *flags)
                        for i in range(len(want)):
                            with open(os.path.join(out_dir, f"output_{i}.pb"), "rb") as a, \
                                    open(os.path.join(again, f"output_{i}.pb"), "rb") as b:
                                self.assertEqual(a.read(), b.read(),
                                                 f"{cfg.name} {variant}: output {i} with "
                                                 f"{' '.join(flags)} differs from --threads 1")
                    steps = json.loads(axle("inspect", plan, "--json"))["steps"]
                    left = [(s["op"], s["name"]) for s in steps
                            if s["op"] in FORBIDDEN and s["outputs"] != ["mode_scores"]]
                    self.assertEqual(left, [], f"{cfg.name} {variant}: unfused steps remain")
                    print(f"{cfg.name} {variant.suffix or 'default'}: {params:,} parameters, "
                          f"{summary['steps']} steps, {summary['ops']}, compile "
                          f"{summary['compile_ms']:.0f} ms", flush=True)
            if unfused:
                for f, u in zip(outputs["fused"], outputs["unfused"]):
                    np.testing.assert_allclose(f, u, rtol=1e-4, atol=1e-5)


def make_tests():
    configs = os.environ.get("PLANNER_CONFIGS", "tiny,small").split(",")
    for name in configs:
        cfg = make_planner.CONFIGS[name]

        def test(self, cfg=cfg):
            self.check(cfg, unfused=cfg.name == "tiny")
        setattr(PlannerTest, f"test_{name}", test)
    if "tiny" in configs:
        tiny = make_planner.CONFIGS["tiny"]
        gelu_tiny = make_planner.dataclasses.replace(tiny, act="gelu")
        variants = {
            "ln_decomposed": (tiny, make_planner.Variant(ln="decomposed")),
            "gelu_erf": (gelu_tiny, make_planner.Variant(gelu="erf")),
            "gelu_tanh": (gelu_tiny, make_planner.Variant(gelu="tanh")),
            "scale_mul": (tiny, make_planner.Variant(scale="mul")),
            "scale_sqrt": (tiny, make_planner.Variant(scale="sqrt")),
            "mask_where": (tiny, make_planner.Variant(mask="where")),
            "all_alternatives": (gelu_tiny, make_planner.Variant(ln="decomposed", gelu="tanh",
                                                                 scale="sqrt", mask="where")),
        }
        for key, (cfg, variant) in variants.items():
            def test(self, cfg=cfg, variant=variant):
                self.check(cfg, variant, unfused=True)
            setattr(PlannerTest, f"test_tiny_variant_{key}", test)


make_tests()

if __name__ == "__main__":
    unittest.main()
