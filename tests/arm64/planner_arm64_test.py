"""The planner family compiled for an Arm target, run by the cross-built runtime under qemu.

`axle compile --target orin-x` (Cortex-A78AE CPU cluster) writes the plans; build-arm64's
`axle-run` runs them under qemu-aarch64 as two CPUs: neoverse-n1 (the A78AE stand-in: NEON,
dotprod; no i8mm) and max,sve128=on (the A720AE / V3AE stand-in: adds i8mm). Oracles:
- f32 (the tiny, small and camera planners; base, 2.3 GB, is left to x86): ONNX Runtime on the same ONNX file, rtol 1e-3, atol 1e-4.
- int8 (the trained planner, calibrated): the x86 int8 plan's own distance from ONNX Runtime's
  f32 outputs is the bound: the Arm run of the same plan may not be further from f32 than
  that (+5%), on every output of every scene.
`axle-run bench --profile --json` shows which kernels ran: every linear step on the NEON f32
GEMM, every linear_int8 step on the dotprod SDOT kernel (neoverse-n1) or the i8mm USMMLA kernel
(max). A plan compiled for a CPU with i8mm (thor-x, int8: weights in the i8mm layout
s8panel16x8) runs its int8 GEMMs on the USMMLA kernel under max, within the same bound; it is
refused on neoverse-n1 with an error naming i8mm, and runs there (on the reference GEMM, which
the profile says) when compiled with --cpu-features-optional.

Run by ctest with AXLE_BIN (the x86 compiler) and AXLE_RUN_ARM64 (build-arm64/bin/axle-run); it
skips (exit 77) when the cross build or qemu is absent.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "examples", "planner"))
sys.path.insert(0, os.path.join(ROOT, "examples", "planner", "train"))
import make_planner  # noqa: E402
import make_sets  # noqa: E402

AXLE = os.environ.get("AXLE_BIN", "build/bin/axle")
AXLE_RUN = os.environ.get("AXLE_RUN_ARM64", os.path.join(ROOT, "build-arm64", "bin", "axle-run"))
QEMU = os.path.join(ROOT, "scripts", "qemu-aarch64.sh")
CPUS = {"neoverse-n1": "neon+dotprod", "max,sve128=on": "neon+dotprod+i8mm"}


def read_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def run(cmd, env=None, check=True):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=1200, env=env)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{r.stdout}\n{r.stderr}")
    return r


def axle(*args):
    return run([AXLE, *args]).stdout


def axle_run(cpu, *args, check=True):
    env = dict(os.environ, AXLE_QEMU_CPU=cpu)
    return run([QEMU, AXLE_RUN, *args], env=env, check=check)


def outputs(out_dir, n):
    return [read_pb(os.path.join(out_dir, f"output_{i}.pb")) for i in range(n)]


class PlannerOnArm(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def trained_sets(self, calib, evals):
        subprocess.run([sys.executable, os.path.join(ROOT, "examples", "planner", "train",
                                                     "make_sets.py"), "-o", self.tmp,
                        "--calib", str(calib), "--eval", str(evals)], check=True,
                       capture_output=True)
        return (os.path.join(self.tmp, "planner_trained.onnx"), os.path.join(self.tmp, "calib"),
                sorted(glob.glob(os.path.join(self.tmp, "eval", "scene_*"))))

    def check_int8_bound(self, onnx_path, plan, scenes, cpus, label):
        """Each Arm run of `plan` no further from ONNX Runtime's f32 outputs than the x86 run of
        the same plan (+5%), on every output of every scene."""
        sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
        for k, scene in enumerate(scenes):
            feeds = {name: read_pb(os.path.join(scene, f"input_{i}.pb"))
                     for i, name in enumerate(make_sets.INPUTS)}
            want = sess.run(None, feeds)
            x86_out = os.path.join(self.tmp, f"{label}_x86_{k}")
            axle("run", plan, "--inputs", scene, "--outputs", x86_out, "-q")
            x86 = outputs(x86_out, len(want))
            for cpu in cpus:
                arm_out = os.path.join(self.tmp, f"{label}_arm_{k}_{cpu}")
                axle_run(cpu, "run", plan, "--inputs", scene, "--outputs", arm_out, "-q")
                for i, (a, x, w) in enumerate(zip(outputs(arm_out, len(want)), x86, want)):
                    bound = np.abs(x - w).max()
                    got = np.abs(a - w).max()
                    self.assertLessEqual(got, 1.05 * bound + 1e-5,
                                         f"{label} scene {k} output {i} under {cpu}: int8 on "
                                         f"Arm is {got:.3g} from f32, the x86 run {bound:.3g}")
                    if k == 0:
                        print(f"{label} scene 0 output {i} under {cpu}: max |arm - f32| "
                              f"{got:.4g}, max |x86 - f32| {bound:.4g}, max |arm - x86| "
                              f"{np.abs(a - x).max():.3g}", flush=True)

    def profile(self, cpu, plan, inputs):
        r = axle_run(cpu, "bench", plan, "--inputs", inputs, "--warmup", "0", "--runs", "1",
                     "--profile", "--json")
        return json.loads(r.stdout)

    def check_f32(self, name):
        cfg = make_planner.CONFIGS[name]
        model, _ = make_planner.build(cfg, make_planner.Variant())
        path = os.path.join(self.tmp, f"{name}.onnx")
        onnx.save(model, path)
        scene = os.path.join(self.tmp, f"{name}_scene")
        make_planner.write_scene(cfg, scene)
        feeds = {}
        for p in sorted(glob.glob(os.path.join(scene, "*.pb"))):
            t = onnx.TensorProto()
            with open(p, "rb") as f:
                t.ParseFromString(f.read())
            feeds[t.name] = numpy_helper.to_array(t)
        want = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, feeds)
        plan = os.path.join(self.tmp, f"{name}.axm")
        summary = json.loads(axle("compile", path, "-o", plan, "--target", "orin-x", "--json"))
        self.assertEqual(summary["cpu"]["features"], "asimd")
        for cpu, variant in CPUS.items():
            out = os.path.join(self.tmp, f"{name}_{cpu}")
            axle_run(cpu, "run", plan, "--inputs", scene, "--outputs", out, "-q")
            for got, ref in zip(outputs(out, len(want)), want):
                np.testing.assert_allclose(got, ref, rtol=1e-3, atol=1e-4,
                                           err_msg=f"{name} f32 under {cpu}")
            prof = self.profile(cpu, plan, scene)
            self.assertEqual(prof["arch"], "aarch64")
            linear = [s for s in prof["steps"] if s["op"] == "linear"]
            self.assertTrue(linear)
            self.assertEqual({s["impl"] for s in linear}, {variant}, f"{name} under {cpu}")
            attention = [s for s in prof["steps"] if s["op"] == "attention"]
            self.assertEqual({s["impl"] for s in attention}, {variant} if attention else set())
            print(f"{name} f32 under {cpu}: {len(prof['steps'])} steps match ONNX Runtime; "
                  f"kernels {sorted({s['impl'] for s in prof['steps']})}", flush=True)

    def test_tiny_f32(self):
        self.check_f32("tiny")

    def test_small_f32(self):
        self.check_f32("small")

    def test_camera_f32(self):  # the conv-encoder member (its convs on the reference kernel)
        self.check_f32("camera")

    def test_trained_int8(self):
        path, calib, scenes = self.trained_sets(64, 6)
        self.assertEqual(len(scenes), 6)
        plan = os.path.join(self.tmp, "int8.axm")
        summary = json.loads(axle("compile", path, "-o", plan, "--target", "orin-x",
                                  "--precision", "int8", "--calib", calib, "--json"))
        self.assertEqual(summary["cpu"]["features"], "asimd asimddp")
        self.assertEqual(summary["cpu"]["kernels"], "neon+dotprod")
        self.assertEqual(summary["cpu"]["int8_layout"], "s8panel16x4")
        self.check_int8_bound(path, plan, scenes, CPUS, "orin-x int8")
        for cpu, variant in CPUS.items():
            prof = self.profile(cpu, plan, scenes[0])
            int8 = [s for s in prof["steps"] if s["op"] == "linear_int8"]
            self.assertGreater(len(int8), 10)
            self.assertEqual({s["impl"] for s in int8}, {variant}, f"int8 under {cpu}")

    def test_plan_for_i8mm_cpu(self):
        path, calib, scenes = self.trained_sets(32, 2)
        strict = os.path.join(self.tmp, "thor.axm")
        loose = os.path.join(self.tmp, "thor_optional.axm")
        s = json.loads(axle("compile", path, "-o", strict, "--target", "thor-x", "--precision",
                            "int8", "--calib", calib, "--json"))
        self.assertEqual(s["cpu"]["features"], "asimd asimddp i8mm")
        self.assertEqual(s["cpu"]["int8_layout"], "s8panel16x8")
        axle("compile", path, "-o", loose, "--target", "thor-x", "--precision", "int8",
             "--calib", calib, "--cpu-features-optional", "-q")
        # x86 runs this plan on the reference int8 GEMM (no x86 kernel reads s8panel16x8).
        self.check_int8_bound(path, strict, scenes, ["max,sve128=on"], "thor-x int8")
        prof = self.profile("max,sve128=on", strict, scenes[0])
        impls = {s["impl"] for s in prof["steps"] if s["op"] == "linear_int8"}
        self.assertEqual(impls, {"neon+dotprod+i8mm"})
        out = os.path.join(self.tmp, "o")
        r = axle_run("neoverse-n1", "run", strict, "--inputs", scenes[0], "--outputs", out,
                     check=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("lacks 'i8mm'", r.stderr)
        axle_run("neoverse-n1", "run", loose, "--inputs", scenes[0], "--outputs", out, "-q")
        prof = self.profile("neoverse-n1", loose, scenes[0])
        impls = {s["impl"] for s in prof["steps"] if s["op"] == "linear_int8"}
        self.assertEqual(len(impls), 1)
        self.assertTrue(impls.pop().startswith("reference: weights packed for i8mm"))


if __name__ == "__main__":
    if not (os.path.exists(AXLE_RUN) and shutil.which("qemu-aarch64")):
        print(f"skipped: no cross-built axle-run at {AXLE_RUN} or no qemu-aarch64 "
              "(run `make arm64`)")
        sys.exit(77)
    unittest.main()
