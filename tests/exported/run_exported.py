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
# CNN classes also compiled to int8 (calibrated on the fixture's own input): the convolutions
# run as im2col + linear_int8; relative RMS error against ONNX Runtime's f32 outputs below this.
INT8_CLASSES = {"resnet": 0.03, "mobilenetv2": 0.05}


def check_int8(axle, folder, want, bound, tmp):
    """None, or why the int8 plan of a CNN fixture fails."""
    model = os.path.join(folder, "model.onnx")
    data = os.path.join(folder, "test_data_set_0")
    plan, out = os.path.join(tmp, "m8.axm"), os.path.join(tmp, "out8")
    r = subprocess.run([axle, "compile", model, "-o", plan, "--precision", "int8", "--calib", data,
                        "--json"], capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        return "int8 compile: " + (r.stderr.strip().splitlines() or ["?"])[0][:300]
    if "linear_int8" not in json.loads(r.stdout).get("ops", {}):
        return "int8 plan has no linear_int8 (the convolutions stayed f32)"
    r = subprocess.run([axle, "run", plan, "--inputs", data, "--outputs", out, "-q"],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        return "int8 run: " + (r.stderr.strip().splitlines() or ["?"])[0][:300]
    got = load_pb(os.path.join(out, "output_0.pb")).astype(np.float64)
    err = float(np.linalg.norm(got - want[0]) / max(np.linalg.norm(want[0]), 1e-30))
    check_int8.err = err
    return None if err < bound else f"int8 relative error {err:.3g} above {bound}"


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
        bound = INT8_CLASSES.get(os.path.basename(folder.rstrip("/")).rsplit("_", 1)[0])
        if bound is not None:
            why = check_int8(axle, folder, want, bound, tmp)
            if why:
                return "int8", why, worst
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
        check_int8.err = None
        status, detail, worst = check(a.axle, folder)
        failed += status != "pass"
        if a.json:
            print(json.dumps({"model": name, "status": status, "detail": detail,
                              "max_abs_diff": worst}))
        else:
            extra = (f"max |difference| from ONNX Runtime {worst:.2g}, compiled in "
                     f"{check.compile_ms:.0f} ms" if worst is not None else "")
            if check_int8.err is not None and status == "pass":
                extra += f"; int8 plan: relative error {check_int8.err:.2g}"
            print(f"{name:24s} {status:14s} {detail or extra}")
    print(f"{len(folders) - failed} of {len(folders)} exported models compile and match ONNX Runtime")
    sys.exit(1 if failed or not folders else 0)


if __name__ == "__main__":
    main()
