"""Axle's convolution vs oneDNN's on ResNet-18's layers (224x224), fp32, one command: runs the
`conv_f32` suite of build/bench/kernels_bench with its repetitions randomly interleaved (Axle
and oneDNN alternate in one process), takes medians, and writes the conv section of
docs/benchmarks.md with the load average beside each row.

    .venv/bin/python bench/conv_vs_onednn.py [--build build] [--threads 1,2] [--reps 9]
        [--doc docs/benchmarks.md]

axle: the packed-panel GEMM reading channels-last windows in place (what a plan runs since
axle-fuse-im2col); axle-im2col: the same GEMM after an explicit im2col (the stem's form, and an
int8 plan's); onednn: oneDNN's convolution primitive, formats `any` (its blocked layout), bias
and ReLU post-op. Ratios are oneDNN's median time over Axle's: above 1 means Axle is faster.
"""
import argparse
import datetime
import io
import json
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import replace_section  # noqa: E402
from planner_vs_ort import cpu_flags, cpu_name  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--doc", help="rewrite the conv section of this markdown file")
    a = ap.parse_args()
    exe = os.path.join(a.build, "bench", "kernels_bench")
    rows = []
    for threads in [int(t) for t in a.threads.split(",")]:
        r = subprocess.run([exe, f"--threads={threads}", "--benchmark_filter=conv_f32",
                            f"--benchmark_repetitions={a.reps}",
                            "--benchmark_enable_random_interleaving=true",
                            "--benchmark_min_time=0.2", "--benchmark_format=json"],
                           capture_output=True, text=True, check=True)
        load = os.getloadavg()[0]
        times = {}
        labels = {}
        for b in json.loads(r.stdout)["benchmarks"]:
            if b.get("run_type") != "iteration":
                continue
            impl, shape = re.match(r"conv_f32/([^/]+)/(.*)/real_time", b["run_name"]).groups()
            times.setdefault((shape, impl), []).append(b["real_time"])
            labels[(shape, impl)] = b.get("label", "")
        def order(shape):  # the 3x3 stride-1 layers by depth, then the downsampling ones
            d = dict(kv.split(":") for kv in shape.split("/"))
            return (int(d["s"]) != 1, int(d["k"]) != 3, -int(d["h"]))
        for shape in sorted({s for s, _ in times}, key=order):
            med = {impl: statistics.median(times[(shape, impl)])
                   for impl in ("axle", "axle-im2col", "onednn") if (shape, impl) in times}
            dims = dict(kv.split(":") for kv in shape.split("/"))
            rows.append(dict(threads=threads, shape=dims, load=load, **{
                f"{k}_us": v for k, v in med.items()}, onednn_impl=labels.get((shape, "onednn"))))
            print(f"{threads}T {shape:28s} axle {med['axle']:8.0f} us  im2col {med['axle-im2col']:8.0f}"
                  f" us  oneDNN {med['onednn']:8.0f} us  oneDNN/axle {med['onednn'] / med['axle']:.2f}x"
                  f"  load {load:.2f}")
    if a.doc:
        with io.StringIO() as f:
            f.write("## Convolution: Axle vs oneDNN on ResNet-18's layers\n\n")
            f.write(f"Machine: {cpu_name()}, {os.cpu_count()} vCPUs ({cpu_flags()}). Date: "
                    f"{datetime.date.today().isoformat()}. fp32, batch 1, bias + ReLU. Medians "
                    f"of {a.reps} repetitions, Axle's and oneDNN's randomly interleaved in one "
                    "process (Google Benchmark). Produced by:\n\n```sh\n"
                    ".venv/bin/python bench/conv_vs_onednn.py --doc docs/benchmarks.md\n```\n\n")
            f.write("| threads | input HxW | C | M | kernel | stride | Axle (us) | Axle with "
                    "explicit im2col (us) | oneDNN (us) | oneDNN / Axle | load average |\n"
                    "|---|---|---|---|---|---|---|---|---|---|---|\n")
            for r in rows:
                s = r["shape"]
                f.write(f"| {r['threads']} | {s['h']}x{s['h']} | {s['c']} | {s['m']} | "
                        f"{s['k']}x{s['k']} | {s['s']} | {r['axle_us']:.0f} | "
                        f"{r['axle-im2col_us']:.0f} | {r['onednn_us']:.0f} | "
                        f"{r['onednn_us'] / r['axle_us']:.2f}x | {r['load']:.2f} |\n")
            f.write(f"\noneDNN ran `{rows[0]['onednn_impl']}`. Axle's plans run the first "
                    "column for every convolution with 16 or more input channels (a stem's 3 "
                    "channels take the explicit im2col).\n")
            replace_section(a.doc, "conv", f.getvalue())
        print(f"wrote {a.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
