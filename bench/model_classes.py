"""Axle vs ONNX Runtime vs OpenVINO over the model classes people deploy, as PyTorch exports
them: the planner family, a torch.nn.Transformer planner, CNN classifiers (ResNet-18,
MobileNetV2 at 224x224), a ViT, a BERT-style encoder (128 tokens), a Qwen2-style decoder
prefill (64 tokens) and DETR's shape. fp32, 1 and 2 threads, interleaved, the load average
beside each row, and the roofline column (fraction of the measured FMA peak).

    .venv-bench/bin/python bench/model_classes.py --axle build/bin/axle [--doc docs/benchmarks.md]
        [--models build/bench-models] [--exporter dynamo] [--threads 1,2] [--rounds 5]
        [--runs 10] [--only NAME] [--json FILE]

The models are written by `tests/exported/export_models.py --size bench` (needs torch; run
once, this script does it when the folder is missing). Each round times, for every model and
thread count, Axle (`axle bench`: in-process steady clock around axle_context_invoke), ONNX
Runtime (InferenceSession.run, intra_op_num_threads = threads, all graph optimizations) and
OpenVINO (CPU plugin, INFERENCE_PRECISION_HINT f32, INFERENCE_NUM_THREADS = threads, LATENCY
hint), one after the other, so that the machine's drift spreads over all three; a cell is the
median over rounds of each round's median of `runs` timed runs (after warm-ups). Ratios are the
peer's median over Axle's: above 1 means Axle is faster.
"""
import argparse
import datetime
import glob
import io
import json
import math
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "planner"))
from bench_common import planner_plan, replace_section  # noqa: E402
from ort_peer import read_pb  # noqa: E402
from planner_vs_ort import cpu_flags, cpu_name, fma_peak, matmul_flops  # noqa: E402

# (row label, exported model folder prefix or None for Axle's planner generator, what it is)
CLASSES = [
    ("planner (Axle's small)", None, "make_planner.py `small`: 26 M parameters, 97 tokens"),
    ("nn.Transformer planner", "transformer", "torch.nn.Transformer 4+2 layers, d 256, 96/12 tokens"),
    ("ResNet-18", "resnet18", "torchvision resnet18, 224x224"),
    ("MobileNetV2", "mobilenetv2", "torchvision mobilenet_v2, 224x224"),
    ("ViT-Ti/16", "vit", "torchvision VisionTransformer d 192, 12 layers, 224x224"),
    ("BERT encoder", "bert", "transformers BertModel d 256, 4 layers, 128 tokens"),
    ("Qwen2 prefill", "qwen2", "transformers Qwen2 d 512, 8 layers, GQA 8:2, 64 tokens"),
    ("DETR", "detr", "conv backbone + nn.Transformer d 256, 320x320"),
]


def median_ms(fn, warmup, runs):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


class Peer:
    """ONNX Runtime and OpenVINO sessions of one model at one thread count, kept for all rounds."""

    def __init__(self, path, inputs, threads, openvino):
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.ort = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        self.feed = {i.name: inputs[k] for k, i in enumerate(self.ort.get_inputs())}
        self.ov = None
        if openvino:
            import openvino as ov
            core = ov.Core()
            compiled = core.compile_model(core.read_model(path), "CPU", {
                "INFERENCE_PRECISION_HINT": "f32", "INFERENCE_NUM_THREADS": threads,
                "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1})
            self.ov = compiled.create_infer_request()
            self.ov_feed = {p.get_any_name(): inputs[k] for k, p in enumerate(compiled.inputs)}

    def ort_ms(self, warmup, runs):
        return median_ms(lambda: self.ort.run(None, self.feed), warmup, runs)

    def ov_ms(self, warmup, runs):
        return median_ms(lambda: self.ov.infer(self.ov_feed), warmup, runs)


def axle_ms(axle, plan, data, threads, warmup, runs):
    r = subprocess.run([axle, "bench", plan, "--inputs", data, "--threads", str(threads),
                        "--warmup", str(warmup), "--runs", str(runs), "--json"],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout)["median_ms"]


def axle_profile(axle, plan, data, runs):
    """Per-op time of a 1-thread run: [(op, ms, share, implementations)], largest first."""
    r = subprocess.run([axle, "bench", plan, "--inputs", data, "--threads", "1", "--runs",
                        str(runs), "--profile", "--json"], capture_output=True, text=True,
                       check=True)
    steps = json.loads(r.stdout)["steps"]
    by_op = {}
    for s in steps:
        e = by_op.setdefault(s["op"], [0.0, set()])
        e[0] += s["ms"]
        e[1].add(s.get("impl", "?"))
    total = sum(v[0] for v in by_op.values()) or 1.0
    return sorted(((op, ms, ms / total, sorted(impls)) for op, (ms, impls) in by_op.items()),
                  key=lambda t: -t[1])


def ensure_models(folder, python):
    if os.path.isdir(folder) and glob.glob(os.path.join(folder, "*", "model.onnx")):
        return
    print(f"exporting the benchmark models into {folder} with {python}", flush=True)
    subprocess.run([python, os.path.join(ROOT, "tests", "exported", "export_models.py"),
                    "--size", "bench", "--out", folder], check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--axle", default=os.path.join(ROOT, "build", "bin", "axle"))
    ap.add_argument("--models", default=os.path.join(ROOT, "build", "bench-models"))
    ap.add_argument("--export-python", default=sys.executable,
                    help="a Python with torch, torchvision and transformers (for the export)")
    ap.add_argument("--exporter", default="dynamo", choices=["dynamo", "ts"])
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--only", default="", help="only classes whose label contains this")
    ap.add_argument("--no-openvino", action="store_true")
    ap.add_argument("--doc", help="rewrite the model-classes section of this markdown file")
    ap.add_argument("--json", help="write the results as JSON here")
    a = ap.parse_args()
    ensure_models(a.models, a.export_python)
    openvino = not a.no_openvino
    ov_version = ""
    if openvino:
        try:
            import openvino as ov
            ov_version = ov.get_version().split("-")[0]
        except ImportError:
            print("openvino is not installed: its column is left out", file=sys.stderr)
            openvino = False
    threads_list = [int(t) for t in a.threads.split(",")]
    work = os.path.join(a.models, "plans")
    os.makedirs(work, exist_ok=True)
    models = []
    for label, prefix, what in CLASSES:
        if a.only and a.only.lower() not in label.lower():
            continue
        if prefix is None:
            path, data, plan, _ = planner_plan(a.axle, work, "small")
        else:
            folder = os.path.join(a.models, f"{prefix}_{a.exporter}")
            path, data = os.path.join(folder, "model.onnx"), os.path.join(folder,
                                                                           "test_data_set_0")
            plan = os.path.join(work, f"{prefix}_{a.exporter}.axm")
            subprocess.run([a.axle, "compile", path, "-o", plan, "-q"], check=True)
        inputs = [read_pb(p)[1] for p in sorted(glob.glob(os.path.join(data, "input_*.pb")))]
        flops = matmul_flops(onnx.load(path))
        peers = {t: Peer(path, inputs, t, openvino) for t in threads_list}
        models.append(dict(label=label, what=what, path=path, data=data, plan=plan, flops=flops,
                           peers=peers))
        print(f"prepared {label}: {flops / 1e9:.2f} GFLOP of MatMul/Gemm/Conv", flush=True)
    peaks = {t: fma_peak(a.axle, t) for t in threads_list}
    samples = {}  # (label, threads) -> {"axle": [...], "ort": [...], "ov": [...], "load": x}
    for r in range(a.rounds):
        for m in models:
            for t in threads_list:
                s = samples.setdefault((m["label"], t), {"axle": [], "ort": [], "ov": []})
                s["axle"].append(axle_ms(a.axle, m["plan"], m["data"], t, a.warmup, a.runs))
                s["ort"].append(m["peers"][t].ort_ms(a.warmup, a.runs))
                if openvino:
                    s["ov"].append(m["peers"][t].ov_ms(a.warmup, a.runs))
                s["load"] = os.getloadavg()[0]
        print(f"round {r + 1}/{a.rounds} done, load average {os.getloadavg()[0]:.2f}", flush=True)
    rows = []
    for m in models:
        for t in threads_list:
            s = samples[(m["label"], t)]
            row = {"class": m["label"], "model": m["what"], "threads": t,
                   "axle_ms": statistics.median(s["axle"]), "ort_ms": statistics.median(s["ort"]),
                   "ov_ms": statistics.median(s["ov"]) if s["ov"] else None,
                   "gflop": m["flops"] / 1e9, "load": s["load"]}
            row["ort_over_axle"] = row["ort_ms"] / row["axle_ms"]
            row["ov_over_axle"] = row["ov_ms"] / row["axle_ms"] if row["ov_ms"] else None
            if peaks[t]:
                row["axle_of_peak"] = m["flops"] / 1e9 / peaks[t] * 1e3 / row["axle_ms"]
            rows.append(row)
            ov_text = f"OpenVINO {row['ov_ms']:8.2f} ms ({row['ov_over_axle']:.2f}x)" if row[
                "ov_ms"] else ""
            print(f"{m['label']:24s} {t}T  Axle {row['axle_ms']:8.2f} ms  ORT {row['ort_ms']:8.2f}"
                  f" ms ({row['ort_over_axle']:.2f}x)  {ov_text}  load {row['load']:.2f}")
    summary = {}
    for t in threads_list + [0]:
        sel = [r for r in rows if t == 0 or r["threads"] == t]
        summary[t] = {
            "ort": math.exp(sum(math.log(r["ort_over_axle"]) for r in sel) / len(sel)),
            "ov": (math.exp(sum(math.log(r["ov_over_axle"]) for r in sel) / len(sel))
                   if openvino else None)}
    for t, g in summary.items():
        which = "all rows" if t == 0 else f"{t} thread{'s' if t > 1 else ''}"
        ov_text = f", OpenVINO {g['ov']:.2f}x" if g["ov"] else ""
        print(f"geometric mean ({which}): ONNX Runtime / Axle {g['ort']:.2f}x{ov_text}")
    machine = f"{cpu_name()}, {os.cpu_count()} vCPUs ({cpu_flags()})"
    date = datetime.date.today().isoformat()
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"machine": machine, "date": date, "onnxruntime": ort.__version__,
                       "openvino": ov_version, "exporter": a.exporter, "rounds": a.rounds,
                       "runs": a.runs, "peaks_gflops": peaks, "rows": rows,
                       "geomean": {str(k): v for k, v in summary.items()}}, f, indent=1)
    if a.doc:
        with io.StringIO() as f:
            f.write("## Model classes: Axle vs ONNX Runtime vs OpenVINO\n\n")
            f.write(f"Machine: {machine}. Date: {date}. ONNX Runtime {ort.__version__} (CPU "
                    f"provider)" + (f", OpenVINO {ov_version} (CPU plugin, "
                                    "INFERENCE_PRECISION_HINT f32)" if openvino else "") +
                    f". fp32, batch 1, the models as torch.onnx.export ({a.exporter} exporter) "
                    "writes them. A cell is the median over "
                    f"{a.rounds} interleaved rounds of the median of {a.runs} timed runs (after "
                    f"{a.warmup} warm-ups); the three engines alternate within every round. "
                    "Ratios are the peer's time over Axle's: above 1 means Axle is faster.\n\n")
            f.write("Produced by one command (rerun it to refresh this table):\n\n```sh\n"
                    "make bench-models\n```\n\n")
            f.write("| class | model | threads | Axle (ms) | ONNX Runtime (ms) | ORT / Axle | "
                    "OpenVINO (ms) | OpenVINO / Axle | GFLOP | Axle % of FMA peak | load "
                    "average |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
            for r in rows:
                ov_cells = (f"{r['ov_ms']:.2f} | {r['ov_over_axle']:.2f}x" if r["ov_ms"] else
                            "- | -")
                peak = f"{r['axle_of_peak']:.0%}" if r.get("axle_of_peak") else "-"
                f.write(f"| {r['class']} | {r['model']} | {r['threads']} | {r['axle_ms']:.2f} | "
                        f"{r['ort_ms']:.2f} | {r['ort_over_axle']:.2f}x | {ov_cells} | "
                        f"{r['gflop']:.2f} | {peak} | {r['load']:.2f} |\n")
            f.write("\nGeometric means of the ratios: " + "; ".join(
                f"{'all rows' if t == 0 else str(t) + ' thread' + ('s' if t > 1 else '')}: "
                f"ONNX Runtime / Axle {g['ort']:.2f}x" +
                (f", OpenVINO / Axle {g['ov']:.2f}x" if g["ov"] else "")
                for t, g in summary.items()) + ".\n\n")
            f.write("GFLOP: the MatMul/Gemm/Conv multiply-adds of the ONNX graph (2 per "
                    "multiply-add, ONNX shape inference); '% of FMA peak' is the time those alone "
                    "would take at the fp32 FMA peak `bench/peak` measured in the same run (" +
                    ", ".join(f"{t} thread{'s' if t > 1 else ''}: {p:.0f} GFLOP/s"
                              for t, p in peaks.items() if p) + "), over Axle's time.\n")
            slow = [m for m in models if any(r["class"] == m["label"] and r["ort_over_axle"] < 1
                                             for r in rows)]
            if slow:
                f.write("\n### Where the time goes in the classes below ONNX Runtime\n\n"
                        "`axle bench PLAN --profile` at 1 thread (the plans are in "
                        f"`{os.path.relpath(work, ROOT)}/`), the five largest ops, with the "
                        "kernels that ran them:\n\n")
                for m in slow:
                    prof = axle_profile(a.axle, m["plan"], m["data"], a.runs)
                    f.write(f"- **{m['label']}**: " + "; ".join(
                        f"{op} {ms:.2f} ms ({share:.0%}, {', '.join(impls)})"
                        for op, ms, share, impls in prof[:5]) + "\n")
            replace_section(a.doc, "model-classes", f.getvalue())
        print(f"wrote {a.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
