"""The main job: generate the `small` planner, compile it for host, run it on a sample scene,
print the best trajectory, where the time goes, and the latency next to ONNX Runtime's on the
same ONNX file.

    .venv/bin/python examples/planner/demo.py --axle build/bin/axle --workdir build/planner
"""
import argparse
import glob
import json
import os
import platform
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_planner  # noqa: E402
from ort_peer import ort_median, read_pb  # noqa: E402


def axle(binary, *args):
    r = subprocess.run([binary, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"demo: axle {args[0]} failed: {r.stderr.strip()}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--axle", default="build/bin/axle")
    ap.add_argument("--workdir", default="build/planner")
    ap.add_argument("--config", default="small", choices=sorted(make_planner.CONFIGS))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    cfg = make_planner.CONFIGS[a.config]
    os.makedirs(a.workdir, exist_ok=True)

    print(f"== 1. generate the '{cfg.name}' planner (opset 17, fixed seed)")
    model, params = make_planner.build(cfg)
    onnx_path = os.path.join(a.workdir, f"planner_{cfg.name}.onnx")
    onnx.save(model, onnx_path)
    scene_dir = os.path.join(a.workdir, f"scene_{cfg.name}")
    make_planner.write_scene(cfg, scene_dir)
    print(f"   {onnx_path}: {params:,} parameters, {len(model.graph.node)} ONNX nodes; "
          f"scene: 1 ego, {cfg.agents} agent slots, {cfg.polylines} polylines")

    print("== 2. axle compile --target host")
    plan = os.path.join(a.workdir, f"planner_{cfg.name}.axm")
    summary = json.loads(axle(a.axle, "compile", onnx_path, "-o", plan, "--json"))
    ops = ", ".join(f"{k} {v}" for k, v in sorted(summary["ops"].items(), key=lambda x: -x[1]))
    print(f"   {summary['steps']} steps ({ops})")
    print(f"   arena {summary['arena_bytes']:,} bytes (lower bound "
          f"{summary['arena_lower_bound']:,}), constants {summary['constant_bytes']:,} bytes, "
          f"compiled in {summary['compile_ms']:.0f} ms")

    print("== 3. axle run on the sample scene")
    out_dir = os.path.join(a.workdir, f"out_{cfg.name}")
    axle(a.axle, "run", plan, "--inputs", scene_dir, "--outputs", out_dir, "-q",
         "--threads", str(a.threads))
    traj = read_pb(os.path.join(out_dir, "output_0.pb"))[1][0]
    scores = read_pb(os.path.join(out_dir, "output_1.pb"))[1][0]
    best = int(np.argmax(scores))
    top = np.argsort(-scores)[:3]
    print("   mode scores (top 3): " + ", ".join(f"mode {m}: {scores[m]:.3f}" for m in top))
    print(f"   best trajectory (mode {best}), {cfg.steps} steps:")
    print("     step        x        y      yaw")
    for t, (x, y, yaw) in enumerate(traj[best]):
        print(f"     {t + 1:4d} {x:8.3f} {y:8.3f} {yaw:8.3f}")

    print("== 4. latency, same ONNX file, same scene, "
          f"{a.threads} thread{'s' if a.threads > 1 else ''}")
    inputs = dict(read_pb(p) for p in sorted(glob.glob(os.path.join(scene_dir, "*.pb"))))
    bench = json.loads(axle(a.axle, "bench", plan, "--inputs", scene_dir, "--threads",
                            str(a.threads), "--warmup", "1", "--runs", str(a.runs),
                            "--profile", "--json"))
    ort_ms, want = ort_median(onnx_path, inputs, a.threads, 1, a.runs)
    diff = max(float(np.max(np.abs(traj - want[0][0]))),
               float(np.max(np.abs(scores - want[1][0]))))
    print("   time per op kind (axle bench --profile):")
    for op, k in list(bench["ops"].items())[:8]:
        print(f"     {op:<20} {k['ms']:9.2f} ms {k['percent']:5.1f}%  ({k['steps']} steps)")
    print(f"   Axle median {bench['median_ms']:.1f} ms, ONNX Runtime {ort.__version__} median "
          f"{ort_ms:.1f} ms: Axle/ORT = {bench['median_ms'] / ort_ms:.2f}x "
          f"({a.runs} runs each; {platform.processor() or platform.machine()})")
    print(f"   outputs vs ONNX Runtime: max |difference| {diff:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
