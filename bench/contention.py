"""Axle and ONNX Runtime when the cores are shared: the planner at 1 and 2 threads, idle and
with N busy-loop processes competing for the machine, measured side by side in one run.

    .venv/bin/python bench/contention.py --axle build/bin/axle [--config small] [--busy 3]
        [--threads 1,2] [--rounds 5] [--runs 10] [--doc docs/benchmarks.md] [--json FILE]

On a vehicle a planner shares its cores with perception, logging and middleware; this is the
development machine's stand-in. The script starts the busy processes itself (each a `while
True: pass` loop in its own Python interpreter) and ends them by pid, also on error or
Ctrl-C. Every round measures, for each thread count, Axle (`axle bench`, a fresh process) and
ONNX Runtime (an InferenceSession in a fresh Python process, intra_op_num_threads = the same
count, inter_op 1) back to back, alternating which goes first; the table reports the median over rounds of each
round's median, with the load average (1 min) read when the row's measurements ended.
"""
import argparse
import datetime
import glob
import json
import os
import statistics
import subprocess
import sys
import time

import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import planner_plan, replace_section  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, "examples", "planner"))
from ort_peer import read_pb  # noqa: E402
from planner_vs_ort import cpu_flags, cpu_name  # noqa: E402

BUSY_LOOP = "while True:\n    pass\n"


class BusyLoad:
    """N busy-loop processes for the duration of a `with` block, ended by pid on exit."""

    def __init__(self, n):
        self.n, self.procs = n, []

    def __enter__(self):
        for _ in range(self.n):
            self.procs.append(subprocess.Popen([sys.executable, "-c", BUSY_LOOP],
                                               stdin=subprocess.DEVNULL))
        time.sleep(1.0)  # let the scheduler spread them
        for p in self.procs:
            if p.poll() is not None:
                raise RuntimeError(f"busy process {p.pid} exited with {p.returncode}")
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
        for p in self.procs:
            p.wait()
        self.procs = []
        return False


def load1():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def axle_median(axle, plan, scene, threads, warmup, runs, extra):
    r = subprocess.run([axle, "bench", plan, "--inputs", scene, "--threads", str(threads),
                        "--warmup", str(warmup), "--runs", str(runs), "--json"] + extra,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"axle bench failed: {r.stderr.strip()}")
    return json.loads(r.stdout)["median_ms"]


def ort_median(path, scene, threads, warmup, runs):
    """ONNX Runtime's median in a fresh process, as Axle's: no thread of either engine outlives
    its measurement (ORT's workers spin after a run, which would tax whatever runs next)."""
    r = subprocess.run([sys.executable, os.path.abspath(__file__), "--ort-worker", path, scene,
                        str(threads), str(warmup), str(runs)], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"ONNX Runtime worker failed: {r.stderr.strip()}")
    return float(r.stdout.strip().splitlines()[-1])


def ort_worker(path, scene, threads, warmup, runs):
    from ort_peer import ort_median as in_process_median
    inputs = dict(read_pb(p) for p in sorted(glob.glob(os.path.join(scene, "*.pb"))))
    ms, _ = in_process_median(path, inputs, int(threads), int(warmup), int(runs))
    print(ms)
    return 0


def measure(a, plan, scene, path, label):
    """{threads: {axle: [round medians], ort: [...], load: [...]}} under the current load."""
    out = {t: {"axle": [], "ort": [], "load": []} for t in a.threads}
    for r in range(a.rounds):
        for t in a.threads:
            order = ["axle", "ort"] if r % 2 == 0 else ["ort", "axle"]
            for who in order:
                if who == "axle":
                    out[t]["axle"].append(axle_median(a.axle, plan, scene, t, a.warmup, a.runs,
                                                      a.axle_args))
                else:
                    out[t]["ort"].append(ort_median(path, scene, t, a.warmup, a.runs))
            out[t]["load"].append(load1())
            print(f"  {label:>7s} round {r + 1}/{a.rounds} threads {t}: Axle "
                  f"{out[t]['axle'][-1]:7.1f} ms  ORT {out[t]['ort'][-1]:7.1f} ms  "
                  f"load {out[t]['load'][-1]:.2f}", flush=True)
    return out


def main():
    if len(sys.argv) == 7 and sys.argv[1] == "--ort-worker":
        return ort_worker(*sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--axle", default=os.path.join(ROOT, "build", "bin", "axle"))
    ap.add_argument("--workdir", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--config", default="small", help="planner size (make_planner.CONFIGS)")
    ap.add_argument("--busy", type=int, default=3, help="busy-loop processes under load")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--axle-arg", dest="axle_args", action="append", default=[],
                    help="extra argument for `axle bench` (repeatable), e.g. --axle-arg=--spin-us=0")
    ap.add_argument("--doc", help="rewrite the contention section of this markdown file")
    ap.add_argument("--json", help="write the results as JSON here")
    a = ap.parse_args()
    a.threads = [int(t) for t in a.threads.split(",")]
    path, scene, plan, params = planner_plan(a.axle, a.workdir, a.config)

    print(f"{a.config} planner ({params:,} parameters), idle (load {load1():.2f})", flush=True)
    idle = measure(a, plan, scene, path, "idle")
    print(f"{a.config} planner, {a.busy} busy processes", flush=True)
    with BusyLoad(a.busy):
        loaded = measure(a, plan, scene, path, "loaded")

    med = statistics.median
    rows = []
    for state, res in (("idle", idle), (f"{a.busy} busy processes", loaded)):
        for t in a.threads:
            rows.append({"load": state, "threads": t, "axle_ms": med(res[t]["axle"]),
                         "ort_ms": med(res[t]["ort"]), "loadavg": res[t]["load"][-1],
                         "axle_rounds": res[t]["axle"], "ort_rounds": res[t]["ort"]})
    by = {(r["load"], r["threads"]): r for r in rows}
    loaded_name = f"{a.busy} busy processes"
    verdicts = []
    if 1 in a.threads and 2 in a.threads:
        a1, a2 = by[(loaded_name, 1)]["axle_ms"], by[(loaded_name, 2)]["axle_ms"]
        o2 = by[(loaded_name, 2)]["ort_ms"]
        verdicts = [
            f"Axle 2 threads / Axle 1 thread under load: {a2 / a1:.2f}x (bar: <= 1.20x: "
            f"{'met' if a2 <= 1.2 * a1 else 'NOT met'})",
            f"Axle 2 threads / ORT 2 threads under load: {a2 / o2:.2f}x (bar: <= 1.00x: "
            f"{'met' if a2 <= o2 else 'NOT met'})"]
    for v in verdicts:
        print(v)
    machine = f"{cpu_name()}, {os.cpu_count()} vCPUs"
    date = datetime.date.today().isoformat()
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"machine": machine, "date": date, "onnxruntime": ort.__version__,
                       "config": a.config, "busy": a.busy, "rounds": a.rounds, "runs": a.runs,
                       "axle_args": a.axle_args, "results": rows}, f, indent=1)
    if a.doc:
        lines = [
            "## Under contention: the planner sharing its cores",
            "",
            f"Machine: {machine} ({cpu_flags()}). Date: {date}. ONNX Runtime {ort.__version__}. "
            f"The `{a.config}` planner ({params:,} parameters, fp32, the sample scene). Each "
            f"cell: the median over {a.rounds} rounds of the median of {a.runs} timed runs "
            f"(after {a.warmup} warm-up); Axle and ONNX Runtime alternate within every round. "
            f"Under load, {a.busy} busy-loop processes (started and ended by the script) compete "
            "for the cores. Load average: the 1-minute figure when the row's last round ended."
            + (f" Axle options: `{' '.join(a.axle_args)}`." if a.axle_args else ""),
            "",
            "Produced by one command (rerun it to refresh this table):",
            "",
            "```sh",
            f".venv/bin/python bench/contention.py --axle build/bin/axle --config {a.config} "
            f"--busy {a.busy} --rounds {a.rounds} --runs {a.runs} --doc docs/benchmarks.md",
            "```",
            "",
            "| load | threads | Axle median (ms) | ONNX Runtime median (ms) | Axle / ORT | "
            "Axle / its own 1-thread time | load average |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            own = by.get((r["load"], 1))
            lines.append(f"| {r['load']} | {r['threads']} | {r['axle_ms']:.1f} | "
                         f"{r['ort_ms']:.1f} | {r['axle_ms'] / r['ort_ms']:.2f}x | "
                         f"{r['axle_ms'] / own['axle_ms']:.2f}x | {r['loadavg']:.2f} |"
                         if own else "")
        lines += [""] + [f"- {v}" for v in verdicts]
        lines += [
            "",
            "How Axle's thread pool degrades (runtime/src/thread_pool.h): a parallel step's work "
            "is cut into chunks (up to 8 per thread) that the threads claim from one counter, so "
            "a descheduled worker's share is taken by the caller instead of waited for; a "
            "waiting thread spins for at most the spin budget (`--spin-us`, default 1000), "
            "yields as long again, then sleeps, and stops spinning at once when it sees it was "
            "preempted. `--cpus` pins the caller and the workers.",
        ]
        replace_section(a.doc, "contention", "\n".join(lines) + "\n")
        print(f"wrote {a.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
