"""Models exported by PyTorch's two exporters (tests/exported/fixtures, written by
export_models.py) through `axle compile` + `axle run`, each output compared with ONNX Runtime's on
the same file and inputs (rtol 1e-3, atol 1e-4), and the fusion report (`axle compile --json`
ops) checked against what each model class must fuse, whichever exporter wrote it. Fails on any
model that does not compile, run, match or fuse.

    python tests/exported/run_exported.py --axle build/bin/axle [--only NAME] [--json]
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")

# Per model class (the fixture name before _ts / _dynamo): ops the plan must contain (fused) and
# ops that must be gone (their decomposed spellings).
FUSIONS = {
    "bert": ({"attention", "layer_norm"}, {"softmax", "matmul", "transpose"}),
    "qwen2": ({"attention", "rms_norm"}, {"softmax", "matmul", "pow", "reduce_mean", "expand",
                                          "cast"}),
    "transformer": ({"attention", "layer_norm"}, {"softmax", "matmul", "transpose", "gather"}),
    "vit": ({"attention", "layer_norm"}, {"softmax", "matmul", "gather"}),
    "detr": ({"attention", "layer_norm"}, {"matmul"}),
}


def load_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def check(axle, folder):
    """(status, detail, max_abs_diff) for one fixture folder."""
    model = os.path.join(folder, "model.onnx")
    data = os.path.join(folder, "test_data_set_0")
    inputs = [load_pb(p) for p in sorted(glob.glob(os.path.join(data, "input_*.pb")))]
    sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    feed = {i.name: x for i, x in zip(sess.get_inputs(), inputs)}
    want = sess.run(None, feed)
    for k, w in enumerate(want):  # a comparison must be able to fail
        if w.dtype.kind == "f" and float(np.std(w)) < 1e-3:
            return "degenerate", f"output {k} is nearly constant (std {np.std(w):.2g})", None
    with tempfile.TemporaryDirectory() as tmp:
        plan, out = os.path.join(tmp, "m.axm"), os.path.join(tmp, "out")
        r = subprocess.run([axle, "compile", model, "-o", plan, "--json"], capture_output=True,
                           text=True, timeout=300)
        if r.returncode != 0:
            return "compile-error", (r.stderr.strip().splitlines() or ["?"])[0][:300], None
        report = json.loads(r.stdout)
        check.compile_ms = report.get("compile_ms")
        ops = set(report.get("ops", {}))
        need, gone = FUSIONS.get(os.path.basename(folder.rstrip("/")).rsplit("_", 1)[0],
                                 (set(), set()))
        if need - ops or gone & ops:
            return ("unfused", f"plan lacks {sorted(need - ops)} / still has {sorted(gone & ops)}",
                    None)
        r = subprocess.run([axle, "run", plan, "--inputs", data, "--outputs", out, "-q"],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            return "run-error", (r.stderr.strip().splitlines() or ["?"])[0][:300], None
        worst = 0.0
        for k, w in enumerate(want):
            got = load_pb(os.path.join(out, f"output_{k}.pb"))
            if got.shape != w.shape:
                return "mismatch", f"output {k}: shape {got.shape}, ONNX Runtime {w.shape}", None
            diff = float(np.max(np.abs(got.astype(np.float64) - w))) if w.size else 0.0
            worst = max(worst, diff)
            if not np.allclose(got, w, rtol=1e-3, atol=1e-4):
                return "mismatch", f"output {k}: max |difference| {diff:.3g}", worst
    return "pass", "", worst


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--axle", required=True)
    ap.add_argument("--only", default="", help="only fixtures whose name contains this")
    ap.add_argument("--fixtures", default=FIXTURES,
                    help="folder of <model>/ fixture folders, or one fixture folder")
    ap.add_argument("--json", action="store_true", help="print one JSON object per fixture")
    a = ap.parse_args()
    if os.path.exists(os.path.join(a.fixtures, "model.onnx")):
        folders = [a.fixtures]
    else:
        folders = sorted(d for d in glob.glob(os.path.join(a.fixtures, "*"))
                         if os.path.isdir(d) and a.only in os.path.basename(d))
    failed = 0
    for folder in folders:
        name = os.path.basename(folder)
        status, detail, worst = check(a.axle, folder)
        failed += status != "pass"
        if a.json:
            print(json.dumps({"model": name, "status": status, "detail": detail,
                              "max_abs_diff": worst}))
        else:
            extra = (f"max |difference| from ONNX Runtime {worst:.2g}, compiled in "
                     f"{check.compile_ms:.0f} ms" if worst is not None else "")
            print(f"{name:24s} {status:14s} {detail or extra}")
    print(f"{len(folders) - failed} of {len(folders)} exported models compile and match ONNX Runtime")
    sys.exit(1 if failed or not folders else 0)


if __name__ == "__main__":
    main()
