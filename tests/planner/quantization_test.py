"""INT8 post-training quantization of the trained planner, judged on held-out scenes.

The trained planner (examples/planner/train: weights committed, ONNX built from them with
numpy + onnx) is compiled in f32, int8 and mixed precision (calibrated on 128 scenes disjoint
from the evaluation set) and evaluated by `axle eval` against the expert's trajectories on
2,000 held-out scenes. Oracles: the ground truth (ADE/FDE), the f32 plan (agreement), and
ONNX Runtime for the f32 plan itself (it must match ORT before its errors mean anything).

Issue 6's bar (ADE and FDE within +2% of f32's, top-1 mode agreement >= 97%) is asserted for
`--precision mixed --max-error 0.01`, which meets it. Every layer in int8 does not (the
8-bit input features cost up to ~0.5 m of position resolution; see docs/quantization.md):
its numbers are printed, and only a loose regression bound (+8%, 90%) is asserted for it.
Also: --keep-float keeps the named layers in f32 and says so; every calibration method runs;
weight-only w8 / w4 (file sizes, accuracy); an ONNX Runtime QDQ model runs in Axle.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnxruntime as ort
from onnx import numpy_helper, TensorProto

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "planner", "train"))
import make_sets  # noqa: E402

AXLE = os.environ.get("AXLE_BIN", "build/bin/axle")


def axle(*args):
    r = subprocess.run([AXLE, *args], capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        raise AssertionError(f"axle {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}")
    return r.stdout


def read_pb(path):
    t = TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


class TrainedPlannerInt8(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        subprocess.run([sys.executable, os.path.join(HERE, "..", "..", "examples", "planner",
                                                     "train", "make_sets.py"), "-o", cls.dir,
                        "--calib", "128", "--eval", "2000"], check=True, capture_output=True)
        cls.onnx = os.path.join(cls.dir, "planner_trained.onnx")
        cls.f32 = os.path.join(cls.dir, "f32.axm")
        axle("compile", cls.onnx, "-o", cls.f32, "-q")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def compile_int8(self, method, *extra):
        out = os.path.join(self.dir, f"int8_{method}.axm")
        report = json.loads(axle("compile", self.onnx, "-o", out, "--precision", "int8", "--calib",
                                 os.path.join(self.dir, "calib"), "--calib-method", method,
                                 "--json", *extra))
        return out, report

    def evaluate(self, model):
        return json.loads(axle("eval", model, "--inputs", os.path.join(self.dir, "eval"),
                               "--reference", self.f32, "--json"))

    def test_f32_plan_matches_onnx_runtime(self):
        sess = ort.InferenceSession(self.onnx, providers=["CPUExecutionProvider"])
        for scene in sorted(glob.glob(os.path.join(self.dir, "eval", "scene_000*")))[:5]:
            feeds = {name: read_pb(os.path.join(scene, f"input_{i}.pb"))
                     for i, name in enumerate(make_sets.INPUTS)}
            want = sess.run(None, feeds)
            out = os.path.join(self.dir, "out")
            axle("run", self.f32, "--inputs", scene, "--outputs", out, "-q")
            for i, w in enumerate(want):
                np.testing.assert_allclose(read_pb(os.path.join(out, f"output_{i}.pb")), w,
                                           rtol=1e-3, atol=1e-3)

    def report(self, label, r):
        m, f = r["model_vs_ground_truth"], r["reference_vs_ground_truth"]
        print(f"{label:24s} minADE {m['minADE']:.3f} minFDE {m['minFDE']:.3f} top1 ADE "
              f"{m['top1_ADE']:.3f} FDE {m['top1_FDE']:.3f} | f32 {f['minADE']:.3f} "
              f"{f['minFDE']:.3f} {f['top1_ADE']:.3f} {f['top1_FDE']:.3f} | agreement "
              f"{r['top1_mode_agreement']:.3f}", flush=True)

    def assert_within(self, r, rel, agreement, label):
        m, f = r["model_vs_ground_truth"], r["reference_vs_ground_truth"]
        for key in ("minADE", "minFDE", "top1_ADE", "top1_FDE"):
            self.assertLessEqual(m[key], (1 + rel) * f[key], f"{label}: {key}")
        self.assertGreaterEqual(r["top1_mode_agreement"], agreement, label)

    def test_mixed_meets_the_error_budget_and_the_trajectory_bar(self):
        out = os.path.join(self.dir, "mixed.axm")
        report = json.loads(axle("compile", self.onnx, "-o", out, "--precision", "mixed",
                                 "--max-error", "0.01", "--calib", os.path.join(self.dir, "calib"),
                                 "--calib-method", "minmax", "--json"))
        self.assertLessEqual(report["achieved_error"], 0.01)
        kept = [l for l in report["layers"] if l["precision"] == "f32"]
        int8 = [l for l in report["layers"] if l["precision"] == "int8"]
        self.assertTrue(int8, "mixed kept every layer in f32")
        self.assertTrue(all(l["reason"].startswith("mixed: sensitivity") for l in kept), kept)
        self.assertEqual(report["ops"].get("linear_int8", 0), len(int8))
        # The layers kept are the most sensitive ones.
        if kept and int8:
            self.assertGreaterEqual(min(l["sensitivity"] for l in kept),
                                    max(l["sensitivity"] for l in int8) - 1e-12)
        r = self.evaluate(out)
        self.report(f"mixed 0.01 ({len(int8)} int8)", r)
        self.assert_within(r, 0.02, 0.97, "mixed")

    def test_int8_smoothquant(self):
        # SmoothQuant (alpha 0.5, minmax) moves the input channels' range disparity into the
        # per-column weight scales: every layer int8, ADE and FDE within +2% of f32 (asserted);
        # the top-1 agreement measured 95.6%, short of the 97% (asserted >= 93%).
        model, report = self.compile_int8("minmax", "--smooth-alpha", "0.5")
        self.assertTrue(all(l["precision"] == "int8" for l in report["layers"]))
        self.assertTrue(all("smoothed" in l.get("reason", "") for l in report["layers"]))
        r = self.evaluate(model)
        self.report("int8 minmax smooth 0.5", r)
        self.assert_within(r, 0.02, 0.93, "smoothquant")

    def test_int8_every_layer(self):
        results = {}
        for method in ("minmax", "percentile", "entropy", "mse"):
            model, report = self.compile_int8(method)
            layers = report["layers"]
            self.assertTrue(all(l["precision"] == "int8" for l in layers),
                            [l for l in layers if l["precision"] != "int8"])
            self.assertGreater(report["ops"].get("linear_int8", 0), 10)
            self.assertNotIn("linear", report["ops"])
            results[method] = self.evaluate(model)
        for method, r in results.items():
            self.report(f"int8 {method}", r)
            self.assert_within(r, 0.08, 0.90, method)

    def test_qdq_model_from_onnx_runtime_runs_in_axle(self):
        # ONNX Runtime's own static quantizer (QDQ format, u8 activations, s8 per-channel
        # weights) on 32 calibration scenes; Axle imports the Q/DQ pairs (per-channel weight
        # DequantizeLinear folded into f32 weights, recovered as int8 by axle-fuse-qdq) and runs
        # the model. Differences are counted in quanta of each output's last DequantizeLinear.
        # The oracle is ONNX Runtime executing the graph as the ONNX operators define it
        # (graph optimizations off: every QuantizeLinear, DequantizeLinear and MatMul as
        # written). ONNX Runtime's optimized run of the same file (QLinear* integer kernels)
        # is measured against that oracle too: a value that lands near a rounding boundary of
        # one QuantizeLinear rounds the other way in one of two valid executions, and the
        # quantum it moves grows through later layers; measured on 100 scenes: ORT optimized
        # vs ORT reference 12 quanta at worst, 163 of 22,200 values beyond 2 quanta; Axle vs
        # ORT reference 17 at worst, 13 values beyond 2 quanta, mean 0.012. Issue 6's "within
        # 2 quanta" holds for 99.9% of values; asserted: Axle strays beyond 2 quanta no more
        # often than ONNX Runtime's own optimized execution does, in <= 0.2% of values, and
        # by < 0.05 quanta on average.
        from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                              quantize_static)
        calib = sorted(glob.glob(os.path.join(self.dir, "calib", "scene_*")))[:32]

        class Reader(CalibrationDataReader):
            def __init__(self):
                self.it = iter(calib)

            def get_next(self):
                d = next(self.it, None)
                return None if d is None else {
                    name: read_pb(os.path.join(d, f"input_{i}.pb"))
                    for i, name in enumerate(make_sets.INPUTS)}

        qdq = os.path.join(self.dir, "planner_qdq.onnx")
        quantize_static(self.onnx, qdq, Reader(), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        per_channel=True)
        import onnx
        model = onnx.load(qdq)
        producer = {o: n for n in model.graph.node for o in n.output}
        inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
        quantum = []
        for out in model.graph.output:
            n = producer[out.name]
            while n.op_type in ("Reshape", "Transpose"):
                n = producer[n.input[0]]
            self.assertEqual(n.op_type, "DequantizeLinear", out.name)
            quantum.append(float(inits[n.input[1]]))
        plan = os.path.join(self.dir, "qdq.axm")
        summary = json.loads(axle("compile", qdq, "-o", plan, "--json"))
        self.assertNotIn("linear", summary["ops"])  # every linear layer runs in int8
        self.assertGreater(summary["ops"].get("linear_int8", 0), 10)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        reference = ort.InferenceSession(qdq, options, providers=["CPUExecutionProvider"])
        optimized = ort.InferenceSession(qdq, providers=["CPUExecutionProvider"])
        stats = {k: {"worst": 0.0, "total": 0.0, "beyond2": 0} for k in ("axle", "ort")}
        count = 0
        for scene in sorted(glob.glob(os.path.join(self.dir, "eval", "scene_*")))[:100]:
            feeds = {name: read_pb(os.path.join(scene, f"input_{i}.pb"))
                     for i, name in enumerate(make_sets.INPUTS)}
            want = reference.run(None, feeds)
            got = {"ort": optimized.run(None, feeds)}
            out = os.path.join(self.dir, "qdq_out")
            axle("run", plan, "--inputs", scene, "--outputs", out, "-q")
            got["axle"] = [read_pb(os.path.join(out, f"output_{i}.pb")) for i in range(len(want))]
            for key, outputs in got.items():
                for i, w in enumerate(want):
                    q = np.abs(outputs[i] - w) / quantum[i]
                    s = stats[key]
                    s["worst"] = max(s["worst"], float(q.max()))
                    s["total"] += float(q.sum())
                    s["beyond2"] += int((q > 2.0 + 1e-3).sum())
            count += sum(w.size for w in want)
        for key, label in (("axle", "Axle"), ("ort", "ORT optimized")):
            s = stats[key]
            print(f"QDQ (ORT quantize_static), {label} vs ORT reference execution: worst "
                  f"{s['worst']:.2f} quanta, mean {s['total'] / count:.4f}, {s['beyond2']} of "
                  f"{count} values beyond 2 quanta", flush=True)
        self.assertLessEqual(stats["axle"]["beyond2"], stats["ort"]["beyond2"])
        self.assertLessEqual(stats["axle"]["beyond2"], 0.002 * count)
        self.assertLess(stats["axle"]["total"] / count, 0.05)

    def test_weight_only_w8_and_w4(self):
        # Weight-only int8 / int4: f32 activations, no calibration. The issue: a w4 file
        # <= 0.3x the f32 file (group sizes 32, 64, 128), w4/w8 accuracy reported. w8 also meets
        # the int8 bar (asserted); w4 (round-to-nearest, no GPTQ-style error feedback) loses much
        # of this small planner's accuracy: reported, bounded only loosely. A larger group is a
        # smaller file (fewer scales) and a coarser one.
        f32_bytes = os.path.getsize(self.f32)
        sizes = {}
        for bits, group in (("w8", None), ("w4", 32), ("w4", 64), ("w4", 128)):
            label = bits if group is None else f"{bits} g{group}"
            out = os.path.join(self.dir, f"{bits}_{group}.axm")
            extra = [] if group is None else ["--group-size", str(group)]
            report = json.loads(axle("compile", self.onnx, "-o", out, "--precision", bits,
                                     "--json", *extra))
            self.assertGreater(report["ops"].get("linear_weight_only", 0), 10)
            self.assertNotIn("linear", report["ops"])
            self.assertEqual({l["precision"] for l in report["layers"]}, {label})
            sizes[label] = os.path.getsize(out)
            ratio = sizes[label] / f32_bytes
            r = self.evaluate(out)
            self.report(f"{label} (file {ratio:.2f}x f32)", r)
            if bits == "w8":
                self.assertLessEqual(ratio, 0.35)
                self.assert_within(r, 0.02, 0.97, bits)
            else:
                self.assertEqual(report["group_size"], group)
                self.assertLessEqual(ratio, 0.3)
                self.assert_within(r, 3.0, 0.5, label)
        self.assertGreater(sizes["w4 g32"], sizes["w4 g64"])
        self.assertGreater(sizes["w4 g64"], sizes["w4 g128"])

    def test_weight_only_keep_float(self):
        out = os.path.join(self.dir, "w4_keep.axm")
        report = json.loads(axle("compile", self.onnx, "-o", out, "--precision", "w4", "--json",
                                 "--group-size", "64", "--keep-float", "score_head"))
        kept = [l["name"] for l in report["layers"] if l["precision"] == "f32"]
        self.assertEqual(kept, ["score_head"])
        self.assertEqual(report["ops"].get("linear", 0), 1)
        self.assertEqual(report["ops"].get("linear_weight_only", 0), len(report["layers"]) - 1)

    def test_debug_quant_sqnr(self):
        # Per-layer SQNR: the weight SQNR of one layer recomputed with numpy from the committed
        # weights (per-column symmetric int8, round half to even) is the oracle; the output SQNR
        # of every layer must be finite and plausible for 8 bits.
        r = json.loads(axle("debug-quant", self.onnx, "--calib", os.path.join(self.dir, "calib"),
                            "--calib-method", "minmax", "--json"))
        layers = {l["name"]: l for l in r["layers"]}
        self.assertEqual(len(layers), 27)
        w = make_sets.load_weights()["ego_encoder.weight"].astype(np.float64)
        scale = np.abs(w).max(axis=0) / 127
        q = np.clip(np.round(w / scale), -127, 127)
        want = 10 * np.log10((w ** 2).sum() / ((w - q * scale) ** 2).sum())
        self.assertAlmostEqual(layers["ego_encoder"]["weight_sqnr_db"], want, delta=0.05)
        for l in r["layers"]:
            self.assertGreater(l["weight_sqnr_db"], 35, l)
            self.assertGreater(l["output_sqnr_db"], 20, l)
            self.assertLess(l["output_sqnr_db"], 80, l)

    def test_keep_float_keeps_the_named_layers(self):
        _, report = self.compile_int8("minmax", "--keep-float", "traj_head")
        kept = [l for l in report["layers"] if l["precision"] == "f32"]
        self.assertTrue(kept)
        self.assertTrue(all("traj_head" in l["name"] and l["reason"] == "--keep-float"
                            for l in kept), kept)
        self.assertEqual(report["ops"].get("linear", 0), len(kept))


if __name__ == "__main__":
    unittest.main()
