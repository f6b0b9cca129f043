"""Axle vs ONNX Runtime on the planner family: median latency side by side, same ONNX file, same
inputs (the sample scene), same thread count, in one run.

    .venv/bin/python bench/planner_vs_ort.py --axle build/bin/axle [--configs tiny,small,base]
        [--threads 1,2] [--runs 5] [--doc docs/benchmarks.md] [--json FILE]

Axle is timed by `axle bench` (in-process, steady clock around axle_context_invoke); ONNX
Runtime by InferenceSession.run with intra_op_num_threads = the same count, inter_op 1, all
graph optimizations (its default). Both run the same number of warm-up and timed runs. The
ratio is Axle's median over ONNX Runtime's: below 1 means Axle is faster.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import subprocess
import sys

import onnx
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "planner"))
import make_planner  # noqa: E402
from ort_peer import ort_median, read_pb  # noqa: E402


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--axle", default=os.path.join(ROOT, "build", "bin", "axle"))
    ap.add_argument("--workdir", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--configs", default="tiny,small,base")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--doc", help="write this markdown file (docs/benchmarks.md)")
    ap.add_argument("--json", help="write the results as JSON here")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    rows = []
    for name in a.configs.split(","):
        cfg = make_planner.CONFIGS[name]
        model, params = make_planner.build(cfg)
        path = os.path.join(a.workdir, f"planner_{name}.onnx")
        onnx.save(model, path)
        del model
        scene = os.path.join(a.workdir, f"scene_{name}")
        make_planner.write_scene(cfg, scene)
        plan = os.path.join(a.workdir, f"planner_{name}.axm")
        subprocess.run([a.axle, "compile", path, "-o", plan, "-q"], check=True)
        inputs = dict(read_pb(p) for p in sorted(glob.glob(os.path.join(scene, "*.pb"))))
        for threads in [int(t) for t in a.threads.split(",")]:
            r = subprocess.run([a.axle, "bench", plan, "--inputs", scene, "--threads",
                                str(threads), "--warmup", str(a.warmup), "--runs", str(a.runs),
                                "--json"], capture_output=True, text=True, check=True)
            axle_ms = json.loads(r.stdout)["median_ms"]
            ort_ms, _ = ort_median(path, inputs, threads, a.warmup, a.runs)
            row = {"config": name, "parameters": params, "threads": threads,
                   "axle_median_ms": axle_ms, "ort_median_ms": ort_ms,
                   "axle_over_ort": axle_ms / ort_ms}
            rows.append(row)
            print(f"{name:6s} {threads} thread(s): Axle {axle_ms:9.1f} ms   ONNX Runtime "
                  f"{ort_ms:8.1f} ms   Axle/ORT {axle_ms / ort_ms:6.2f}x", flush=True)
    machine = f"{cpu_name()}, {os.cpu_count()} vCPUs"
    date = datetime.date.today().isoformat()
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"machine": machine, "date": date, "onnxruntime": ort.__version__,
                       "runs": a.runs, "results": rows}, f, indent=1)
    if a.doc:
        with open(a.doc, "w") as f:
            f.write("# Benchmarks: the planner family, Axle vs ONNX Runtime\n\n")
            f.write(f"Machine: {machine} (AVX2+FMA, no AVX-512). Date: {date}. ONNX Runtime "
                    f"{ort.__version__} (CPU provider). fp32. Median of {a.runs} timed runs after "
                    f"{a.warmup} warm-up, batch 1, the sample scene of "
                    "`examples/planner/make_planner.py`.\n\n")
            f.write("Produced by one command (rerun it to refresh this page):\n\n"
                    "```sh\nmake bench\n```\n\n")
            f.write("| planner | parameters | threads | Axle median (ms) | ONNX Runtime median "
                    "(ms) | Axle / ORT |\n|---|---|---|---|---|---|\n")
            for r in rows:
                f.write(f"| {r['config']} | {r['parameters']:,} | {r['threads']} | "
                        f"{r['axle_median_ms']:.1f} | {r['ort_median_ms']:.1f} | "
                        f"{r['axle_over_ort']:.2f}x |\n")
            f.write("\nAxle/ORT above 1 means Axle is slower. Axle runs the x86 kernels it "
                    "picks from CPUID (AVX-512F fp32 GEMM with compiler-packed weights, AVX2 "
                    "fused attention, vectorized GELU; see docs/kernels.md), the rest on the "
                    "reference kernels; ONNX Runtime uses its own AVX-512 kernels (MLAS). Where "
                    "the time goes: `axle bench MODEL.axm --profile`.\n")
        print(f"wrote {a.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
