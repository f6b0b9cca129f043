"""The chip-comparison suite: calibrates the cost model on the host, then runs
`axle bench --chips all` on the planner family and a width/depth sweep, and writes
docs/chips.md (tables), docs/chips.json and docs/chips.png.

    .venv/bin/python bench/chips.py [--build build] [--doc docs/chips.md] [--no-calibrate]

Models (numpy + onnx, random weights: speed only): the family of
examples/planner/make_planner.py (tiny, small, base, trained) and a sweep of widths and
depths at 128 agents + 128 polylines. The cost model's per-op-kind efficiencies are fitted on
four calibration planners of the validated size class (cal-d384, cal-d448, cal-d576, cal-d640:
50-250 MB of weights and arena) with `axle bench --chips host --calibrate` (`trained` is given
too, and left out by the calibration: it fits in the host's L2); `small` and `base` are never
in the fit, and their modelled-vs-measured table is the validation. A run takes about 2.5 min.
"""
import argparse
import dataclasses
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "planner"))
sys.path.insert(0, os.path.join(ROOT, "examples", "planner", "train"))
import make_planner  # noqa: E402
from make_planner import CONFIGS, Config  # noqa: E402

CALIBRATION = {
    "cal-d384": Config("cal-d384", d=384, heads=6, ffn=1536, encoder_layers=3, decoder_layers=3,
                       agents=128, polylines=128, modes=20, steps=8, act="gelu"),
    "cal-d640": Config("cal-d640", d=640, heads=10, ffn=2560, encoder_layers=4, decoder_layers=4,
                       agents=256, polylines=256, modes=32, steps=8, act="gelu", pre_ln=True),
    "cal-d576": Config("cal-d576", d=576, heads=9, ffn=2304, encoder_layers=5, decoder_layers=4,
                       agents=192, polylines=320, modes=16, steps=8, act="gelu", pre_ln=True),
    "cal-d448": Config("cal-d448", d=448, heads=7, ffn=1792, encoder_layers=3, decoder_layers=3,
                       agents=192, polylines=160, modes=48, steps=8, act="gelu", pre_ln=True),
}
SWEEP = {f"sweep-d{d}-l{l}": Config(f"sweep-d{d}-l{l}", d=d, heads=d // 64, ffn=4 * d,
                                    encoder_layers=l, decoder_layers=l, agents=128, polylines=128,
                                    modes=20, steps=8, act="gelu")
         for d, l in ((256, 2), (256, 4), (384, 4), (512, 2), (512, 4), (512, 6), (768, 4),
                      (768, 6))}


def write(cfg, directory, weights=None):
    path = os.path.join(directory, f"{cfg.name}.onnx")
    if not os.path.exists(path):
        model, _ = make_planner.build(cfg, weights=weights)
        onnx.save(model, path)
    return path


def axle(build, *args):
    return subprocess.run([os.path.join(build, "bin", "axle"), *args], check=True,
                          stdout=subprocess.PIPE, text=True).stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "chips.md"))
    ap.add_argument("--no-calibrate", action="store_true",
                    help="keep targets/calibration/efficiency.yaml as it is")
    ap.add_argument("--runs", default="9")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="axle-chips-")
    import make_sets  # noqa: E402
    family = [write(CONFIGS[n], work) for n in ("tiny", "small", "base")]
    trained = write(CONFIGS["trained"], work, weights=make_sets.load_weights())
    # The calibration plans are of the validated size class (50-250 MB of weights and arena):
    # every step of a plan that size starts with cold caches, and the microsecond steps' cost is
    # mostly that (docs/chips.md); `trained` (2.6 MB) is given and left out by the calibration.
    calib = [trained] + [write(c, work) for c in CALIBRATION.values()]
    sweep = [write(c, work) for c in SWEEP.values()]
    if not a.no_calibrate:
        print("calibrating the cost model on", ", ".join(os.path.basename(p) for p in calib),
              flush=True)
        axle(a.build, "bench", "--chips", "host", "--calibrate", "--runs", a.runs, *calib)
    base = os.path.splitext(a.doc)[0]
    print("family on every chip", flush=True)
    t0 = time.time()
    axle(a.build, "bench", "--chips", "all", "--runs", a.runs, *family, trained,
         "--frontier", "--budget-ms", "50", "--md", base + "-family.md",
         "--json-out", base + ".json", "--plot", base + ".png")
    family_s = time.time() - t0
    print("width/depth sweep on every chip (frontier at 50 ms)", flush=True)
    axle(a.build, "bench", "--chips", "all", "--runs", "3", *family, *sweep, "--frontier",
         "--budget-ms", "50", "--json-out", base + "-sweep.json", "--md", base + "-sweep.md")
    print("repeatability of the host's per-op-kind times (small, base: 5 repeats)", flush=True)
    spread = repeatability(a.build, {os.path.splitext(os.path.basename(p))[0]: p
                                     for p in family if "small" in p or "base" in p}, work)
    write_doc(a, base, family_s, spread)
    for suffix in ("-family.md", "-sweep.md"):
        os.remove(base + suffix)
    print(f"wrote {a.doc}, {base}.json, {base}.png, {base}-sweep.json")


def repeatability(build, models, work, repeats=5):
    """{(model, op kind): max/min of its measured time over `repeats` separate runs of the
    host measurement the validation uses (`axle bench --chips host`: per-step medians)}: how far
    the host's own measurement of an op kind moves between identical runs."""
    plans = []
    for name, onnx_path in models.items():
        plans.append(os.path.join(work, name + ".axm"))
        axle(build, "compile", onnx_path, "-o", plans[-1])
    times = {}
    for _ in range(repeats):
        out = json.loads(axle(build, "bench", "--chips", "host", "--runs", "5", "--json", *plans))
        for k in out["host_validation"]:
            times.setdefault((k["model"], k["op"]), []).append(k["measured_ms"])
    for p in plans:
        os.remove(p)
    return {key: max(v) / min(v) for key, v in times.items() if min(v) > 0}


def section(md, title):
    """The table of `md` that follows the line starting with `title` (or the first table)."""
    lines = md.splitlines()
    start = 0
    if title:
        start = next(i for i, l in enumerate(lines) if l.startswith(title)) + 1
    while not lines[start].startswith("|"):
        start += 1
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "\n".join(lines[start:end])


def write_doc(a, base, family_s, spread):
    with open(base + ".json") as f:
        fam = json.load(f)
    with open(base + "-family.md") as f:
        fam_md = f.read()
    with open(base + "-sweep.md") as f:
        sweep_md = f.read()
    with open(os.path.join(ROOT, "targets", "calibration", "efficiency.yaml")) as f:
        calib_source = next(l for l in f if l.startswith("source:")).split(":", 1)[1].strip()
    # Validation: per op kind on small and base, with its share of the measured time and how
    # far its own measurement moves between identical runs.
    rows = ["| model | op kind | share of measured time | measured (ms) | modelled (ms) | error | "
            "run-to-run spread (max/min of 5 runs) |",
            "|---|---|---|---|---|---|---|"]
    outside = []
    for model in ("small", "base"):
        kinds = [k for k in fam["host_validation"] if k["model"] == model]
        total = sum(k["measured_ms"] for k in kinds)
        for k in sorted(kinds, key=lambda k: -k["measured_ms"]):
            share = k["measured_ms"] / total
            sp = spread.get((model, k["op"]))
            rows.append(f"| {model} | {k['op']} | {100 * share:.1f}% | {k['measured_ms']:.3f} | "
                        f"{k['modelled_ms']:.3f} | {100 * k['error']:+.0f}% | "
                        f"{'' if sp is None else f'{sp:.2f}'} |")
            if abs(k["error"]) > 0.30:
                outside.append((model, k["op"], share, k["error"], k["measured_ms"], sp))
        host = next(r for r in fam["rows"] if r["model"] == model and r["target"] == "host")
        rows.append(f"| {model} | **whole inference** | 100% | {host['measured_ms']:.2f} | "
                    f"{host['latency_ms']:.2f} | "
                    f"{100 * (host['latency_ms'] / host['measured_ms'] - 1):+.0f}% | |")
    host_err = {m: next(r["latency_ms"] / r["measured_ms"] - 1 for r in fam["rows"]
                        if r["model"] == m and r["target"] == "host") for m in ("small", "base")}
    if not outside:
        verdict = "every op kind of both models is within +-30%."
    else:
        verdict = ("**not met** for " + ", ".join(
            f"{m} {op} ({100 * e:+.0f}%, {1e3 * ms:.1f} us per inference"
            + (f", its own measurement spreads {sp:.2f}x" if sp else "") + ")"
            for m, op, _, e, ms, sp in outside) +
            f". Every op kind taking >= 1% of the time is "
            f"{'within' if all(s < 0.01 for _, _, s, _, _, _ in outside) else 'NOT within'} "
            "+-30%.")
    pool_err = next((k["error"] for k in fam["host_validation"]
                     if k["model"] == "base" and k["op"] == "reduce_max"), 0.0)
    today = datetime.date.today().isoformat()
    legend = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "plot_chips.py"),
                             base + ".json", base + ".png"], check=True, capture_output=True,
                            text=True).stdout.strip().splitlines()
    doc = f"""# Chips: which planner runs how fast on which SoC

Generated by `.venv/bin/python bench/chips.py` on {fam['efficiency'].split(',')[0].replace(
        'measured on ', '')}, {today} ({fam['host_threads']} threads for the host's measured runs).
Every chip latency here is **modelled** (Axle's cost model; Axle has no CUDA or NPU backend yet,
and this machine has none of these chips); the host's is also **measured** by running the
plan. `axle bench --chips all` on the family took {family_s:.0f} s here.

```sh
build/bin/axle targets                       # the targets and their key figures
build/bin/axle bench --chips all planner_small.onnx planner_base.onnx \\
    --frontier --budget-ms 50 --md chips.md --json-out chips.json --plot chips.png
build/bin/axle compile planner_small.onnx -o small.axm --target orin-x   # checks + model
```

## Targets

`targets/*.yaml`, one file per chip: every figure has a `source` and `verified: true|false`
(true only where this project checked the source: the Tesla FSD chip's NPU figures against
WikiChip, Orin's GPU/DLA split against NVIDIA's DLA-SW README, and the host's figures, which
`scripts/measure_host.py` measures with `bench/peak`); throughput figures say their basis
(dense, sparse = 2:4 structured sparsity, counted half; unstated, counted as dense: optimistic).
`../shared/chips.md` lists the public figures and their caveats. Figures marked "assumption"
(most DRAM bandwidths, on-chip memories, FP16 rates of NPUs, every `memory_budget_mib`) are
Axle's placeholders, not vendor numbers: treat the rows built on them accordingly.

## How the model works, and its assumptions

For each step of the compiled plan: FLOPs (2 M K N for linear layers; 2 B Sq Sk (H dk + H dv)
for attention; a few per element for normalization and GELU; 0 for data movement) and bytes
(every tensor read and written, float tensors at the modelled precision: 1 byte int8, 2 fp16,
4 f32, masks and integer tensors as planned; plus the deferred write-back below), then
`time = max(FLOPs / peak, bytes / DRAM bandwidth) / efficiency[op kind] + launch`:

- peak: the chip's dense throughput at the modelled precision for matrix ops (linear,
  attention); for the others the chip's f32 rate where its engine runs f32, else an eighth of its
  fp16 (or half its int8) rate (an assumption; these ops are memory-bound anyway);
- efficiency: per op kind, the fraction of this roofline the **host** reaches, fitted on
  models that are not the ones validated below ({calib_source}); it is applied to every chip
  unchanged, which assumes a vendor compiler reaches the same fraction of its chip's roofline
  per op kind as Axle's x86 kernels reach of this CPU's. Thor's reported sustained BF16 GEMM
  (135 of 259 dense TFLOPS, 52%; TensorRT issue 4590, in `targets/jetson-t5000.yaml`) is of the
  same order as the host's linear efficiency: the one public cross-check. Per kind, the fit is
  the one of three forms (efficiency and step cost, efficiency only, step cost only) with the
  smallest leave-one-out error over the calibration plans; plans whose weights and arena fit
  in the host's on-chip memory (its L2 caches, `onchip_mib` in `targets/host.yaml`) are left
  out, since every step of theirs runs from cache. The calibration plans are 50-250 MB, the
  size class of `small` and `base`: a microsecond step's time is mostly cold cache and TLB
  misses, which grow with the plan's footprint (below), so plans of another size class would
  calibrate another regime;
- deferred write-back: the output of a matrix op beyond the chip's on-chip memory
  (`onchip_mib`) is charged again to the step that first reads it: the writes overlapped the
  matrix op's compute, and their write-back to DRAM takes bandwidth while the next step runs.
  On the host, the map encoder's 24 MB output read by its max-pool in `base` (1.6-1.8 ms) is
  0.9x its roofline with this term and 1.7x without it;
- launch: a per-step dispatch cost from the target file (GPU 4-5 us, NPU/DSP 8-20 us:
  assumptions); on the host, the measured per-kind step cost;
- precision: rows per precision the chip's main engine runs (int8, fp16, f32); the matrix ops
  in that precision, the other ops in the engine's best float (fp16, else f32, else int8);
- ops the main engine cannot run (`unsupported_ops`: e.g. attention on Journey 5's BPU, every
  non-MAC op on Tesla's NPU) run on the chip's CPU cluster (`cpu_gflops`, f32) and the row says
  so; `axle compile --target` refuses them unless `--allow-cpu-fallback`;
- memory: weights + arena at the modelled precision against the target's `memory_budget_mib`;
- not modelled: DLA/second engines (the first engine runs everything), overlap of
  transfers with compute, sparsity, thermal limits, other workloads sharing the chip.

## Validation on the host: modelled against measured, per op kind

`small` and `base` are not in the calibration set. Whole inference: small
{100 * (host_err['small']):+.0f}%, base {100 * (host_err['base']):+.0f}%. Issue 7 asks for +-30% per
op kind: {verdict}

Why the microsecond kinds miss it when they do: `softmax` (of the 20-64 mode scores), `cast`,
`reshape` and the small `fused_elementwise` take 1-6 us per inference, one to three steps each,
and their time is mostly cache and TLB misses on cold lines and cold code, which grow with how
much of the plan ran since they last did (the plan's footprint), not with their own size: the
20-mode softmax takes about 2.0-2.6 us in `cal-d384` (53 MiB plan) and 2.8 us in `small`
(103 MiB), the 6-mode one 1.3-1.6 us in `tiny` (27 MiB). The spread column shows how far the measurement itself moves
between identical runs; each rerun of `bench/chips.py` (calibration included) moves these
rows by tens of percent, and which of them land outside +-30% changes from run to run: of
three consecutive runs on 2026-11-26 (this machine), two had every kind within, one had `base`
`reshape` at -32%; the closest to the bar are these and `base`'s max-pool ({100 * pool_err:+.0f}% in this run).
`cast` was modelled 40-90% slow until its boolean input was counted at 1 byte, as planned,
instead of re-typed to 4 (the calibration used the planned bytes, the model the re-typed ones).

The host's per-kind times are each step's median over the profiled runs. Two runtime changes
made the memory-bound kinds measurable at all: the thread pool no longer lets its worker
sleep between the steps of one invoke (a worker that finished its share of a GEMM 0.2 ms early
slept, and the next step, typically a LayerNorm, paid 30-80 us to wake it: `layer_norm`
measured 1.6x its roofline in `small` and 0.9x in `base`, now 0.6-0.7x in both), and the
max-pool runs on both threads. The mode-score softmax now uses the vectorized exp (it took
2 double-precision exps per score).

{chr(10).join(rows)}

## The family on every chip (latency in ms; 10 Hz = 100 ms, 20 Hz = 50 ms)

{section(fam_md, None)}

## The largest planner meeting 50 ms, per chip and precision (family and width/depth sweep)

The sweep: widths 256-768, 2-6 encoder + 2-6 decoder layers, 128 agents + 128 polylines
(`bench/chips.py`); `base` (101 M parameters) is the largest model in it, so a chip whose row
says `base` may run larger planners.

{section(sweep_md, "Largest model meeting")}

## Plot

`docs/chips.png`: modelled latency (log) against chip INT8 TOPS (dense, log), one line per model
at the best precision each chip runs; dashed: 100 ms and 50 ms. Colors: {"; ".join(legend[:-1])}.
The full numbers are in `docs/chips.json` (family) and `docs/chips-sweep.json` (sweep).
"""
    with open(a.doc, "w") as f:
        f.write(doc)

if __name__ == "__main__":
    main()
