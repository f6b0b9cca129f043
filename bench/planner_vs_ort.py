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
import io
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
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import replace_section  # noqa: E402


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def matmul_flops(model):
    """FLOPs of the multiply-accumulate ops (MatMul, Gemm, Conv), 2 per multiply-add, from ONNX
    shape inference: the work any engine must do, whatever it fuses."""
    inferred = onnx.shape_inference.infer_shapes(model)
    shapes = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(
            inferred.graph.output):
        dims = [d.dim_value for d in vi.type.tensor_type.shape.dim]
        shapes[vi.name] = dims
    for t in inferred.graph.initializer:
        shapes[t.name] = list(t.dims)
    total = 0
    for node in inferred.graph.node:
        if node.op_type in ("MatMul", "Gemm"):
            a, b = shapes.get(node.input[0]), shapes.get(node.input[1])
            y = shapes.get(node.output[0])
            if not a or not b or not y:
                raise RuntimeError(f"no shape for {node.name}")
            k = a[-1] if node.op_type == "MatMul" or not any(
                at.name == "transA" and at.i for at in node.attribute) else a[-2]
            n_out = 1
            for d in y:
                n_out *= d
            total += 2 * n_out * k
        elif node.op_type == "Conv":
            w, y = shapes[node.input[1]], shapes[node.output[0]]
            n_out = 1
            for d in y:
                n_out *= d
            per = 1
            for d in w[1:]:
                per *= d
            total += 2 * n_out * per
    return total


def fma_peak(axle, threads):
    """The measured fp32 FMA peak (GFLOP/s, best ISA) at `threads` from bench/peak, or None."""
    exe = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(axle))), "bench",
                       "peak_bench")
    if not os.path.exists(exe):
        return None
    r = subprocess.run([exe, f"--threads={threads}", "--benchmark_filter=fma_f32",
                        "--benchmark_repetitions=3", "--benchmark_report_aggregates_only=true",
                        "--benchmark_format=json"], capture_output=True, text=True, check=True)
    values = [b["GFLOP/s"] for b in json.loads(r.stdout)["benchmarks"]
              if b.get("aggregate_name") == "median"]
    return max(values) / 1e9 if values and max(values) > 1e6 else (max(values) if values else None)


def cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            flags = next(line for line in f if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return "unknown ISA"
    have = [name for flag, name in [("avx2", "AVX2"), ("fma", "FMA"), ("avx512f", "AVX-512F"),
                                     ("avx512_vnni", "AVX-512 VNNI"), ("amx_int8", "AMX-INT8")]
            if flag in flags]
    return "+".join(have) if have else "no AVX2"


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
    peaks = {int(t): fma_peak(a.axle, int(t)) for t in a.threads.split(",")}
    for name in a.configs.split(","):
        cfg = make_planner.CONFIGS[name]
        model, params = make_planner.build(cfg)
        path = os.path.join(a.workdir, f"planner_{name}.onnx")
        onnx.save(model, path)
        flops = matmul_flops(model)
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
                   "axle_over_ort": axle_ms / ort_ms, "matmul_gflop": flops / 1e9,
                   "fma_peak_gflops": peaks[threads]}
            if peaks[threads]:
                floor = flops / 1e9 / peaks[threads] * 1e3
                row.update(floor_ms=floor, axle_of_peak=floor / axle_ms,
                           ort_of_peak=floor / ort_ms, needed_for_1p5x=floor / (ort_ms / 1.5))
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
        with io.StringIO() as f:
            f.write(f"Machine: {machine} ({cpu_flags()}). Date: {date}. ONNX Runtime "
                    f"{ort.__version__} (CPU provider). fp32. Median of {a.runs} timed runs after "
                    f"{a.warmup} warm-up, batch 1, the sample scene of "
                    "`examples/planner/make_planner.py`.\n\n")
            f.write("Produced by one command (rerun it to refresh this table):\n\n"
                    "```sh\nmake bench\n```\n\n")
            f.write("| planner | parameters | threads | Axle median (ms) | ONNX Runtime median "
                    "(ms) | Axle / ORT | matmul GFLOP | floor at FMA peak (ms) | Axle % of peak "
                    "| ORT % of peak | 1.5x faster than ORT needs |\n"
                    "|---|---|---|---|---|---|---|---|---|---|---|\n")
            for r in rows:
                roof = (f"{r['floor_ms']:.1f} | {r['axle_of_peak']:.0%} | {r['ort_of_peak']:.0%} | "
                        f"{r['needed_for_1p5x']:.0%} of peak" if r.get("floor_ms") else
                        "- | - | - | -")
                f.write(f"| {r['config']} | {r['parameters']:,} | {r['threads']} | "
                        f"{r['axle_median_ms']:.1f} | {r['ort_median_ms']:.1f} | "
                        f"{r['axle_over_ort']:.2f}x | {r['matmul_gflop']:.2f} | {roof} |\n")
            f.write("\nThe roofline columns: the MatMul/Gemm/Conv FLOPs of the ONNX graph (2 per "
                    "multiply-add, from ONNX shape inference: the work any engine must do), "
                    "divided by this machine's fp32 FMA peak measured by `bench/peak` at that "
                    "thread count in the same run (" + ", ".join(
                        f"{t} thread{'s' if t > 1 else ''}: {p:.0f} GFLOP/s"
                        for t, p in peaks.items() if p) + "). 'Floor' is the time of the "
                    "multiply-adds alone at that peak, ignoring everything else (layer norms, "
                    "softmax, memory); '% of peak' is floor / measured time; the last column is "
                    "the fraction of the FMA peak an engine would have to sustain over the whole "
                    "run to be 1.5x faster than ONNX Runtime in fp32.\n")
            f.write("\nAxle/ORT above 1 means Axle is slower. Axle runs the x86 kernels it "
                    "picks from CPUID (AVX-512F fp32 GEMM with compiler-packed weights, fused "
                    "attention, LayerNorm, vectorized GELU; see docs/kernels.md), the rest on the "
                    "reference kernels; ONNX Runtime uses its own AVX-512 kernels (MLAS). Where "
                    "the time goes: `axle bench MODEL.axm --profile`.\n")
            replace_section(a.doc, "planner", f.getvalue())
        print(f"wrote {a.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
