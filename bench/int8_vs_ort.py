"""INT8 planners side by side: Axle f32, Axle int8 (calibrated PTQ) and ONNX Runtime running
the QDQ model its own quantize_static makes from the same calibration scenes; median latency
in one run, and how far the QDQ model's outputs in Axle are from ONNX Runtime's.

    .venv/bin/python bench/int8_vs_ort.py [--configs small] [--threads 1,2] [--runs 10]
        [--calib 16] [--doc docs/quantization-bench.md]

ONNX Runtime gets its best thread count of --threads (the issue's rule); Axle is timed at each.
Weights are the family's random ones: this is a speed benchmark (accuracy is judged on the
trained planner, tests/planner/quantization_test.py).
"""
import argparse
import datetime
import glob
import json
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                      quantize_static)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "planner"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import make_planner  # noqa: E402
from ort_peer import ort_median, read_pb  # noqa: E402
from planner_vs_ort import cpu_flags, cpu_name  # noqa: E402


class Reader(CalibrationDataReader):
    def __init__(self, sets):
        self.sets = iter(sets)

    def get_next(self):
        s = next(self.sets, None)
        return None if s is None else dict(read_pb(p) for p in sorted(glob.glob(s + "/input_*.pb")))


def axle_bench(axle, plan, scene, threads, runs):
    r = subprocess.run([axle, "bench", plan, "--inputs", scene, "--threads", str(threads),
                        "--warmup", "2", "--runs", str(runs), "--json"], capture_output=True,
                       text=True, check=True)
    return json.loads(r.stdout)["median_ms"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--axle", default=os.path.join(ROOT, "build", "bin", "axle"))
    ap.add_argument("--workdir", default=os.path.join(ROOT, "build", "bench-int8"))
    ap.add_argument("--configs", default="small")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--calib", type=int, default=16)
    ap.add_argument("--doc")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    threads = [int(t) for t in a.threads.split(",")]
    rows = []
    for name in a.configs.split(","):
        cfg = make_planner.CONFIGS[name]
        model, params = make_planner.build(cfg)
        path = os.path.join(a.workdir, f"planner_{name}.onnx")
        onnx.save(model, path)
        del model
        calib = os.path.join(a.workdir, f"calib_{name}")
        sets = []
        for i in range(a.calib):
            d = os.path.join(calib, f"scene_{i:04d}")
            make_planner.write_scene(cfg, d, seed=100 + i)
            sets.append(d)
        scene = os.path.join(a.workdir, f"scene_{name}")
        make_planner.write_scene(cfg, scene, seed=1)
        f32 = os.path.join(a.workdir, f"{name}_f32.axm")
        int8 = os.path.join(a.workdir, f"{name}_int8.axm")
        subprocess.run([a.axle, "compile", path, "-o", f32, "-q"], check=True)
        subprocess.run([a.axle, "compile", path, "-o", int8, "-q", "--precision", "int8",
                        "--calib", calib], check=True)
        qdq = os.path.join(a.workdir, f"planner_{name}_qdq.onnx")
        quantize_static(path, qdq, Reader(sets), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        per_channel=True)
        inputs = dict(read_pb(p) for p in sorted(glob.glob(scene + "/input_*.pb")))
        ort_f32 = min(ort_median(path, inputs, t, 2, a.runs)[0] for t in threads)
        ort_qdq_runs = {t: ort_median(qdq, inputs, t, 2, a.runs) for t in threads}
        ort_qdq = min(v[0] for v in ort_qdq_runs.values())
        # The QDQ model in Axle (Q/DQ imported per tensor) against ONNX Runtime's outputs.
        qdq_plan = os.path.join(a.workdir, f"{name}_qdq.axm")
        subprocess.run([a.axle, "compile", qdq, "-o", qdq_plan, "-q"], check=True)
        out = os.path.join(a.workdir, "qdq_out")
        subprocess.run([a.axle, "run", qdq_plan, "--inputs", scene, "--outputs", out, "-q"],
                       check=True)
        ort_out = ort_qdq_runs[threads[0]][1]
        diffs = [float(np.abs(read_pb(os.path.join(out, f"output_{i}.pb"))[1] - o).max())
                 for i, o in enumerate(ort_out)]
        for t in threads:
            a_f32 = axle_bench(a.axle, f32, scene, t, a.runs)
            a_int8 = axle_bench(a.axle, int8, scene, t, a.runs)
            row = {"config": name, "parameters": params, "threads": t, "axle_f32_ms": a_f32,
                   "axle_int8_ms": a_int8, "ort_f32_best_ms": ort_f32, "ort_qdq_best_ms": ort_qdq,
                   "int8_speedup_over_f32": a_f32 / a_int8, "int8_speedup_over_ort_qdq":
                   ort_qdq / a_int8, "qdq_in_axle_max_abs_diff_vs_ort": diffs}
            rows.append(row)
            print(f"{name} {t}t: Axle f32 {a_f32:.1f} ms, int8 {a_int8:.1f} ms ({a_f32 / a_int8:.2f}x);"
                  f" ORT f32 {ort_f32:.1f}, ORT QDQ {ort_qdq:.1f} ms (Axle int8 {ort_qdq / a_int8:.2f}x"
                  f" faster); QDQ in Axle vs ORT max |diff| {max(diffs):.3g}", flush=True)
    if a.doc:
        with open(a.doc, "w") as f:
            f.write("# INT8 planners: Axle int8 vs Axle f32 vs ONNX Runtime's QDQ\n\n")
            f.write(f"Machine: {cpu_name()}, {os.cpu_count()} vCPUs ({cpu_flags()}). Date: "
                    f"{datetime.date.today().isoformat()}. ONNX Runtime {ort.__version__}. Median "
                    f"of {a.runs} runs after 2 warm-ups, the sample scene, one run of:\n\n"
                    "```sh\n.venv/bin/python bench/int8_vs_ort.py --doc docs/quantization-bench.md\n"
                    "```\n\n")
            f.write("| planner | threads | Axle f32 (ms) | Axle int8 (ms) | int8 / f32 speed-up | "
                    "ORT QDQ, best threads (ms) | Axle int8 vs ORT QDQ | ORT f32, best threads "
                    "(ms) |\n|---|---|---|---|---|---|---|---|\n")
            for r in rows:
                f.write(f"| {r['config']} | {r['threads']} | {r['axle_f32_ms']:.1f} | "
                        f"{r['axle_int8_ms']:.1f} | {r['int8_speedup_over_f32']:.2f}x | "
                        f"{r['ort_qdq_best_ms']:.1f} | {r['int8_speedup_over_ort_qdq']:.2f}x | "
                        f"{r['ort_f32_best_ms']:.1f} |\n")
            f.write("\nAxle int8: `axle compile --precision int8 --calib` on the calibration scenes "
                    "(percentile ranges); its linear layers run the AMX int8 GEMM on this machine, "
                    "attention, layer norms and softmax stay f32. ORT QDQ: `quantize_static` "
                    "(QDQ format, u8 activations, s8 per-channel weights) on the same scenes.\n")
        print(f"wrote {a.doc}")


if __name__ == "__main__":
    main()
