"""Measures this machine with bench/peak and writes targets/host.yaml (the `host` target).

    .venv/bin/python scripts/measure_host.py [--build build] [--out targets/host.yaml]

Every figure is `measured` (verified: true, source: the peak_bench run, CPU model and date):
fp32 FMA, int8 dot (the best of AVX2, AVX-512 VNNI and AMX the host has) and the read
bandwidth, each with one thread and with every core. The cost model (`axle bench --chips`)
rooflines the host with the all-core figures; its per-op-kind efficiencies are calibrated
against the plans' measured per-op times (targets/calibration/efficiency.yaml, written by
`axle bench --chips host --calibrate`; bench/chips.py runs it). Also the L2 caches (sysfs) as
the host's `onchip_mib`, which the cost model uses for the deferred write-back.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from planner_vs_ort import cpu_name  # noqa: E402


def peaks(build, threads):
    out = subprocess.run([os.path.join(build, "bench", "peak_bench"), f"--threads={threads}",
                          "--benchmark_repetitions=3", "--benchmark_report_aggregates_only=true",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True)
    values = {}
    for b in json.loads(out.stdout)["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        for unit in ("GFLOP/s", "GOP/s", "GB/s"):
            if unit in b:
                values[b["run_name"]] = (float(b[unit]), unit)
    return values


def l2_mib(cores):
    """The L2 caches of the first `cores` CPUs, each counted once (sysfs): the host's
    `onchip_mib`. The L3 is left out: on a VM it is the host machine's, shared with others."""
    seen, total = set(), 0
    for cpu in range(cores):
        base = f"/sys/devices/system/cpu/cpu{cpu}/cache"
        for index in sorted(os.listdir(base)) if os.path.isdir(base) else []:
            d = os.path.join(base, index)
            try:
                with open(os.path.join(d, "level")) as f:
                    level = f.read().strip()
                with open(os.path.join(d, "type")) as f:
                    kind = f.read().strip()
                with open(os.path.join(d, "size")) as f:
                    size = f.read().strip()
                with open(os.path.join(d, "shared_cpu_list")) as f:
                    shared = f.read().strip()
            except OSError:
                continue
            if level != "2" or kind == "Instruction" or shared in seen:
                continue
            seen.add(shared)
            units = {"K": 1 / 1024, "M": 1, "G": 1024}
            total += float(size[:-1]) * units[size[-1]] if size[-1] in units else float(size) / 2**20
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(ROOT, "targets", "host.yaml"))
    a = ap.parse_args()
    cores = os.cpu_count() or 1
    one, all_ = peaks(a.build, 1), peaks(a.build, cores)
    date = datetime.date.today().isoformat()
    cpu = cpu_name()
    source = f"measured: build/bench/peak_bench on {cpu}, {date} (scripts/measure_host.py)"

    def best(values, unit, key=None):
        picks = [(v, n) for n, (v, u) in values.items() if u == unit and (key is None or key in n)]
        return max(picks) if picks else (0.0, "")

    f32_1, f32_n = best(one, "GFLOP/s"), best(all_, "GFLOP/s")
    dot_1, dot_n = best(one, "GOP/s", "dot_s8/avx"), best(all_, "GOP/s", "dot_s8/avx")
    amx_1, amx_n = best(one, "GOP/s", "amx"), best(all_, "GOP/s", "amx")
    bw_1, bw_n = best(one, "GB/s"), best(all_, "GB/s")
    precisions = ["f32", "int8"]

    def fig(key, value, unit, basis=None, what=""):
        b = f", basis: {basis}" if basis else ""
        return (f'  {key}: {{value: {value:.4g}, unit: "{unit}"{b}, source: "{source}{what}", '
                f"verified: true}}")
    lines = [
        "# The machine Axle runs on: every figure measured by bench/peak (scripts/measure_host.py",
        "# rewrites this file). Plans compiled for `host` run here, so `axle bench --chips` reports",
        "# the host's latency both measured (running the plan) and modelled (the cost model).",
        "",
        "name: host",
        f'display: "host: {cpu}, {cores} cores"',
        'vendor: "this machine"',
        "kind: cpu          # the main engine: gpu, npu, dsp or cpu",
        "measured: true     # latency is measured by running the plan, besides the model",
        "kernels:",
        '  family: "x86: AVX-512 8x48 / AVX2 6x16 fp32 GEMM, AMX / VNNI / AVX2 int8 GEMM, fused '
        'attention (runtime CPUID dispatch)"',
        '  tile: "fp32 8x48 register block, K block 256; int8 32x32 AMX tile blocks"',
        "  launch_us: 1   # per-step dispatch overhead (measured order of magnitude: the step loop)",
        "engines:",
        f'  - {{name: "{cpu}", kind: cpu, precisions: [{", ".join(precisions)}], '
        f'source: "{source}", verified: true}}',
        "figures:",
        fig("f32_tflops", f32_n[0] / 1000, "TFLOP/s", "dense", f" ({f32_n[1]}, {cores} threads)"),
        fig("f32_tflops_1t", f32_1[0] / 1000, "TFLOP/s", "dense", f" ({f32_1[1]}, 1 thread)"),
        fig("int8_tops", (amx_n[0] or dot_n[0]) / 1000, "TOPS", "dense",
            f" ({amx_n[1] or dot_n[1]}, {cores} threads; operands in tiles/registers)"),
        fig("int8_vector_tops", dot_n[0] / 1000, "TOPS", "dense", f" ({dot_n[1]}, {cores} threads)"),
        fig("dram_gbs", bw_n[0], "GB/s", None, f" (read, {cores} threads)"),
        fig("dram_gbs_1t", bw_1[0], "GB/s", None, " (read, 1 thread)"),
        fig("cpu_gflops", f32_n[0], "GFLOP/s", "dense", f" ({cores} threads)"),
        f'  onchip_mib: {{value: {l2_mib(cores):.4g}, unit: "MiB", source: "/sys/devices/system/'
        f'cpu/cpu*/cache: the L2 of each of the {cores} cores, summed (the L3 is the host '
        f'machine\'s, shared)", verified: true}}',
        f'  cpu: {{text: "{cpu}, {cores} logical cores", source: "/proc/cpuinfo", verified: true}}',
        f'  memory_budget_mib: {{value: 4096, unit: "MiB", source: "Axle assumption, not a '
        f'measurement", verified: false}}',
    ]
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {a.out}: f32 {f32_n[0]:.0f} GFLOP/s, int8 {amx_n[0] or dot_n[0]:.0f} GOP/s, "
          f"read {bw_n[0]:.1f} GB/s ({cores} threads)")


if __name__ == "__main__":
    main()
