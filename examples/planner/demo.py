"""The main job, in two parts.

1. The trained planner (examples/planner/train/) on a held-out scene: compile, run, print its
   best trajectory next to the expert's future, and the error in metres.
2. The camera member (six surround cameras through a conv encoder into the same planner; random
   weights): compile, run, where the time goes, and the latency next to ONNX Runtime's on the
   same ONNX file, with the outputs' difference.

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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "train"))
import make_planner  # noqa: E402
import make_sets  # noqa: E402
import scenes  # noqa: E402
from ort_peer import ort_median, read_pb  # noqa: E402


def axle(binary, *args):
    r = subprocess.run([binary, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"demo: axle {args[0]} failed: {r.stderr.strip()}")
    return r.stdout


def write_inputs(directory, arrays):
    os.makedirs(directory, exist_ok=True)
    for i, (name, x) in enumerate(arrays.items()):
        with open(os.path.join(directory, f"input_{i}.pb"), "wb") as f:
            f.write(onnx.numpy_helper.from_array(np.ascontiguousarray(x), name).SerializeToString())


def trained_part(a):
    cfg = make_planner.CONFIGS["trained"]
    print("== 1. the trained planner on a held-out scene")
    model, params = make_planner.build(cfg, weights=make_sets.load_weights())
    onnx_path = os.path.join(a.workdir, "planner_trained.onnx")
    onnx.save(model, onnx_path)
    # Scene a.scene of the evaluation draw (seed 2000: never seen in training).
    held_out = scenes.scenes(a.scene + 1, make_sets.EVAL_SEED, agents=cfg.agents,
                             polylines=cfg.polylines, steps=cfg.steps)
    scene_dir = os.path.join(a.workdir, "scene_trained")
    write_inputs(scene_dir, {k: held_out[k][a.scene:a.scene + 1] for k in make_sets.INPUTS})
    truth = held_out["target"][a.scene]
    plan = os.path.join(a.workdir, "planner_trained.axm")
    summary = json.loads(axle(a.axle, "compile", onnx_path, "-o", plan, "--json"))
    print(f"   {params:,} parameters; compiled to {summary['steps']} steps in "
          f"{summary['compile_ms']:.0f} ms")
    out_dir = os.path.join(a.workdir, "out_trained")
    axle(a.axle, "run", plan, "--inputs", scene_dir, "--outputs", out_dir, "-q")
    traj = read_pb(os.path.join(out_dir, "output_0.pb"))[1][0]
    scores = read_pb(os.path.join(out_dir, "output_1.pb"))[1][0]
    best = int(np.argmax(scores))
    present = int(held_out["agent_mask"][a.scene].sum())
    print(f"   held-out scene {a.scene}: ego at {10 * held_out['ego'][a.scene, 0, 3]:.1f} m/s, "
          f"{present} other vehicles; mode scores " +
          ", ".join(f"{m}: {scores[m]:.2f}" for m in np.argsort(-scores)[:3]))
    print(f"   best mode {best} (x ahead, y left, metres), the expert's future beside it:")
    print("      t (s)   plan x   plan y   expert x expert y")
    for t in range(cfg.steps):
        print(f"     {0.5 * (t + 1):5.1f} {traj[best, t, 0]:8.2f} {traj[best, t, 1]:8.2f} "
              f"{truth[t, 0]:8.2f} {truth[t, 1]:8.2f}")
    err = np.linalg.norm(traj[:, :, :2] - truth[None, :, :2], axis=-1)
    print(f"   top-1 ADE {err[best].mean():.2f} m, FDE {err[best, -1]:.2f} m; best of "
          f"{cfg.modes} modes: ADE {err.mean(axis=1).min():.2f} m (held-out mean over 2,000 "
          f"scenes: minADE 0.97 m, top-1 ADE 1.37 m)")


def camera_part(a):
    cfg = make_planner.CONFIGS["camera"]
    print(f"== 2. the camera member: {cfg.cameras} cameras of {cfg.image}x{cfg.image} through a "
          f"conv encoder into the planner (random weights)")
    model, params = make_planner.build(cfg)
    onnx_path = os.path.join(a.workdir, "planner_camera.onnx")
    onnx.save(model, onnx_path)
    scene_dir = os.path.join(a.workdir, "scene_camera")
    make_planner.write_scene(cfg, scene_dir)
    plan = os.path.join(a.workdir, "planner_camera.axm")
    summary = json.loads(axle(a.axle, "compile", onnx_path, "-o", plan, "--json"))
    ops = ", ".join(f"{k} {v}" for k, v in sorted(summary["ops"].items(), key=lambda x: -x[1]))
    print(f"   {params:,} parameters, {len(model.graph.node)} ONNX nodes, {cfg.tokens} scene "
          f"tokens ({cfg.camera_tokens} from the cameras)")
    print(f"   axle compile: {summary['steps']} steps ({ops}); arena "
          f"{summary['arena_bytes']:,} bytes, compiled in {summary['compile_ms']:.0f} ms")
    out_dir = os.path.join(a.workdir, "out_camera")
    axle(a.axle, "run", plan, "--inputs", scene_dir, "--outputs", out_dir, "-q",
         "--threads", str(a.threads))
    traj = read_pb(os.path.join(out_dir, "output_0.pb"))[1][0]
    scores = read_pb(os.path.join(out_dir, "output_1.pb"))[1][0]
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
          f"({a.runs} runs each, {a.threads} thread{'s' if a.threads > 1 else ''}; "
          f"{platform.processor() or platform.machine()}; the conv kernels are the reference "
          f"ones until the convolution issue)")
    print(f"   outputs vs ONNX Runtime: max |difference| {diff:.2e}; load average "
          f"{os.getloadavg()[0]:.2f} (one run each after the other, not an interleaved "
          f"benchmark: bench/ has those)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--axle", default="build/bin/axle")
    ap.add_argument("--workdir", default="build/planner")
    ap.add_argument("--scene", type=int, default=7, help="which held-out scene")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    trained_part(a)
    camera_part(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
