"""A/B latency of two `axle` builds on the same plan, alternated run by run: how a runtime
change is shown not to cost idle speed (the machine's drift hits both sides alike).

    git worktree add /tmp/axle-base REV && make -C /tmp/axle-base build
    .venv/bin/python bench/ab_latency.py --base /tmp/axle-base/build/bin/axle \\
        --new build/bin/axle [--config small] [--threads 1,2] [--rounds 16] [--runs 15]
        [--doc docs/benchmarks.md --base-label REV]

Each round runs `axle bench` (warm-up 3, then --runs timed runs, a fresh process) for base and
new back to back, alternating which goes first; the result per side is the median over rounds
of the per-run medians. The plan is compiled by the new build (the .axm format is shared).
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import planner_plan, replace_section  # noqa: E402
from planner_vs_ort import cpu_flags, cpu_name  # noqa: E402


def bench(axle, plan, scene, threads, runs):
    r = subprocess.run([axle, "bench", plan, "--inputs", scene, "--threads", str(threads),
                        "--warmup", "3", "--runs", str(runs), "--json"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{axle} bench failed: {r.stderr.strip()}")
    d = json.loads(r.stdout)
    return d["median_ms"], d["min_ms"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="the reference build's axle")
    ap.add_argument("--new", default=os.path.join(ROOT, "build", "bin", "axle"))
    ap.add_argument("--base-label", default="base")
    ap.add_argument("--workdir", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--config", default="small")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=16)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--doc", help="rewrite the idle A/B section of this markdown file")
    a = ap.parse_args()
    _, scene, plan, params = planner_plan(a.new, a.workdir, a.config)

    threads = [int(t) for t in a.threads.split(",")]
    sides = {"base": a.base, "new": a.new}
    res = {(s, t): [] for s in sides for t in threads}
    mins = {(s, t): [] for s in sides for t in threads}
    loads = {t: [] for t in threads}
    for r in range(a.rounds):
        for t in threads:
            for side in (["base", "new"] if r % 2 == 0 else ["new", "base"]):
                med, low = bench(sides[side], plan, scene, t, a.runs)
                res[(side, t)].append(med)
                mins[(side, t)].append(low)
            with open("/proc/loadavg") as f:
                loads[t].append(float(f.read().split()[0]))
            print(f"round {r + 1}/{a.rounds} threads {t}: base {res[('base', t)][-1]:.1f} ms  "
                  f"new {res[('new', t)][-1]:.1f} ms  load {loads[t][-1]:.2f}", flush=True)
    rows = []
    for t in threads:
        b, n = statistics.median(res[("base", t)]), statistics.median(res[("new", t)])
        bl, nl = min(mins[("base", t)]), min(mins[("new", t)])
        rows.append((t, b, n, n / b, bl, nl, nl / bl, max(loads[t])))
        print(f"threads {t}: median base {b:.2f} ms, new {n:.2f} ms, new/base {n / b:.3f}; "
              f"fastest run base {bl:.2f} ms, new {nl:.2f} ms, new/base {nl / bl:.3f}")
    if a.doc:
        machine = f"{cpu_name()}, {os.cpu_count()} vCPUs"
        lines = [
            "## Idle latency, before and after a runtime change",
            "",
            f"Machine: {machine} ({cpu_flags()}). Date: {datetime.date.today().isoformat()}. "
            f"The `{a.config}` planner ({params:,} parameters), the sample scene, idle machine. "
            f"Base: `{a.base_label}`; new: this tree. {a.rounds} rounds, base and new "
            f"alternated within each; a cell is the median over rounds of each run's median of "
            f"{a.runs} timed runs.",
            "",
            "```sh",
            f"git worktree add /tmp/axle-base {a.base_label} && make -C /tmp/axle-base build",
            f".venv/bin/python bench/ab_latency.py --base /tmp/axle-base/build/bin/axle "
            f"--base-label {a.base_label} --config {a.config} --rounds {a.rounds} "
            f"--runs {a.runs} --doc docs/benchmarks.md",
            "```",
            "",
            "| threads | base median (ms) | new median (ms) | new / base (median) | base fastest "
            "run (ms) | new fastest run (ms) | new / base (fastest) | highest load average |",
            "|---|---|---|---|---|---|---|---|",
        ] + [f"| {t} | {b:.1f} | {n:.1f} | {r:.3f} | {bl:.1f} | {nl:.1f} | {rl:.3f} | {ld:.2f} |"
             for t, b, n, r, bl, nl, rl, ld in rows] + [
            "",
            "The fastest run is what the code does when the shared host leaves it alone; the "
            "median includes the host's noise (on this machine single runs of one binary range "
            "over +-25%), which alternation spreads over both sides alike."]
        replace_section(a.doc, "idle-ab", "\n".join(lines) + "\n")
        print(f"wrote {a.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
