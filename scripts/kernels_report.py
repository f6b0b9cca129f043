"""Runs the kernel benchmarks and the machine-limit probes, and writes docs/kernels.md (ratios
Axle / oneDNN and fractions of the measured peak) and docs/kernels.png (the ratios as bars).

    .venv/bin/python scripts/kernels_report.py [--build build] [--threads 1,2] [--reps 10]

Every number is the median of --reps repetitions measured in this one run; nothing is copied
from elsewhere. Only the Python standard library is needed (the PNG is written by hand).
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import png  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_json(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def medians(report, counter):
    """name (without /real_time and aggregate suffix) -> median of `counter`."""
    result = {}
    for b in report["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        name = b["run_name"].replace("/real_time", "")
        if counter in b:
            result[name] = b[counter]
    return result


def cpu_name():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                return ", ".join(f for f in ["avx2", "fma", "avx512f", "avx512bw", "avx512_vnni",
                                             "amx_int8"] if f in flags)
    return ""


def write_png(path, groups, width=900, height=360):
    """Bars of Axle/oneDNN per shape (one color per thread count), a line at 1.0."""
    colors = [(52, 101, 164), (245, 121, 0), (115, 210, 22)]
    img = png.canvas(width, height)
    labels = sorted({k for g in groups.values() for k in g})
    top = max([2.0] + [v for g in groups.values() for v in g.values()])
    margin, base = 20, height - 20
    slot = (width - 2 * margin) / max(1, len(labels))
    bar = max(1, int(slot / (len(groups) + 1)))
    for li, label in enumerate(labels):
        for gi, (_, g) in enumerate(sorted(groups.items())):
            if label not in g:
                continue
            h = int((base - margin) * g[label] / top)
            x0 = int(margin + li * slot + gi * bar)
            for y in range(base - h, base):
                for x in range(x0, min(width, x0 + bar - 1)):
                    img[y][x] = colors[gi % len(colors)]
    one = base - int((base - margin) / top)
    for x in range(margin, width - margin):
        img[one][x] = (200, 0, 0)
        img[base][x] = (0, 0, 0)
    png.save(path, img)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "kernels.md"))
    ap.add_argument("--png", default=os.path.join(ROOT, "docs", "kernels.png"))
    a = ap.parse_args()
    common = [f"--benchmark_repetitions={a.reps}", "--benchmark_report_aggregates_only=true",
              "--benchmark_min_time=0.05", "--benchmark_format=json"]
    lines, ratios = [], {}
    for threads in [int(t) for t in a.threads.split(",")]:
        peak = run_json([os.path.join(a.build, "bench", "peak_bench"), f"--threads={threads}",
                         "--benchmark_repetitions=3", "--benchmark_report_aggregates_only=true",
                         "--benchmark_format=json"])
        flops = medians(peak, "GFLOP/s")
        ops = medians(peak, "GOP/s")
        bw = medians(peak, "GB/s")
        fma_peak = max(flops.values())

        def listing(values):
            return ", ".join(f"{k.split('/')[-1]} {v:.0f}" for k, v in sorted(values.items()))
        print(f"{threads} thread(s): peak fp32 {fma_peak:.0f} GFLOP/s, int8 "
              f"{listing(ops)} GOP/s, read {max(bw.values()):.1f} GB/s", flush=True)
        gemm = run_json([os.path.join(a.build, "bench", "kernels_bench"), f"--threads={threads}",
                         "--benchmark_filter=gemm_f32/(axle|onednn)/", *common])
        att = run_json([os.path.join(a.build, "bench", "kernels_bench"), f"--threads={threads}",
                        "--benchmark_filter=attention_f32/", *common])
        gemv = medians(run_json([os.path.join(a.build, "bench", "kernels_bench"),
                                 f"--threads={threads}", "--benchmark_filter=gemv_", *common]),
                       "GB/s")
        s8 = medians(run_json([os.path.join(a.build, "bench", "kernels_bench"),
                               f"--threads={threads}", "--benchmark_filter=gemm_s8/", *common]),
                     "GOP/s")
        g = medians(gemm, "GFLOP/s")
        t = medians(att, "real_time")
        lines.append(f"\n## {threads} thread{'s' if threads > 1 else ''}\n")
        lines.append(f"Measured limits: fp32 FMA {listing(flops)} GFLOP/s; int8 dot "
                     f"{listing(ops)} GOP/s; memory read {max(bw.values()):.1f} GB/s.\n")
        lines.append("| M | K | N | Axle GFLOP/s | oneDNN GFLOP/s | Axle / oneDNN | Axle / fp32 peak |")
        lines.append("|---|---|---|---|---|---|---|")
        ratios[f"{threads}t"] = {}
        for name in sorted((k for k in g if k.startswith("gemm_f32/axle/")),
                           key=lambda k: [int(x) for x in k.split("/")[2:5]]):
            m, k, n = name.split("/")[2:5]
            other = g.get(name.replace("/axle/", "/onednn/"))
            ratio = g[name] / other if other else float("nan")
            ratios[f"{threads}t"][f"{m}/{k}/{n}"] = ratio
            lines.append(f"| {m} | {k} | {n} | {g[name]:.1f} | {other:.1f} | {ratio:.2f}x | "
                         f"{g[name] / fma_peak:.0%} |")
        # The vector int8-dot peak (VNNI, else AVX2) and, where present, the AMX tile peak.
        dot_peak = max(v for k, v in ops.items() if "/amx" not in k)
        amx_peak = max((v for k, v in ops.items() if "/amx" in k), default=None)
        amx_col = " Axle / AMX tile peak |" if amx_peak else ""
        lines.append("\n| int8 M | K | N | Axle GOP/s | oneDNN GOP/s | Axle / oneDNN | Axle / vector "
                     "int8-dot peak |" + amx_col + " M = 1: weight bytes / time vs read bandwidth |")
        lines.append("|---|---|---|---|---|---|---|---|" + ("---|" if amx_peak else ""))
        for name in sorted((k for k in s8 if k.startswith("gemm_s8/axle/")),
                           key=lambda k: [int(x) for x in k.split("/")[2:5]]):
            m, k, n = (int(v) for v in name.split("/")[2:5])
            other = s8.get(name.replace("/axle/", "/onednn/"), float("nan"))
            bw_note = ""
            if m == 1:
                gbs = s8[name] / 2 / m  # bytes of weights per second = ops / 2 for M = 1
                bw_note = f"{gbs:.1f} GB/s = {gbs / max(bw.values()):.0%}"
            amx_cell = f" {s8[name] / amx_peak:.0%} |" if amx_peak else ""
            lines.append(f"| {m} | {k} | {n} | {s8[name]:.0f} | {other:.0f} | "
                         f"{s8[name] / other:.2f}x | {s8[name] / dot_peak:.0%} |{amx_cell} {bw_note} |")
        lines.append("\n| M = 1 GEMV (K/N) | weights | warm GB/s | cold GB/s (from DRAM) | cold / "
                     "read bandwidth |")
        lines.append("|---|---|---|---|---|")
        for kind, label in [("gemv_f32", "f32"), ("gemv_w8", "int8 (per-column scale)"),
                             ("gemv_w4", "int4 (scale per 32 rows)")]:
            for shape in ["4096/4096", "1024/1024"]:
                warm = gemv.get(f"{kind}/axle/{shape}/cold:0")
                cold = gemv.get(f"{kind}/axle/{shape}/cold:1")
                if warm is None or cold is None:
                    continue
                lines.append(f"| {shape} | {label} | {warm:.1f} | {cold:.1f} | "
                             f"{cold / max(bw.values()):.0%} |")
        lines.append("\n| attention (heads/Tq/Tk/dh) | Axle fused (us) | unfused Axle GEMM + softmax (us) "
                     "| fused speed-up | reference (us) |")
        lines.append("|---|---|---|---|---|")
        for name in sorted(k for k in t if k.startswith("attention_f32/axle/")):
            shape = "/".join(name.split("/")[2:])
            un, rf = t.get(name.replace("/axle/", "/unfused/")), t.get(name.replace("/axle/", "/ref/"))
            lines.append(f"| {shape} | {t[name]:.0f} | {un:.0f} | {un / t[name]:.2f}x | {rf:.0f} |")
    with open(a.doc, "w") as f:
        f.write("# Kernels: Axle vs oneDNN, and against this machine's limits\n\n")
        f.write(f"Machine: {cpu_name()}, {os.cpu_count()} vCPUs ({cpu_flags()}). Date: "
                f"{datetime.date.today().isoformat()}. oneDNN 2.6 (Debian libdnnl, its matmul "
                "primitive with weights reordered once to the layout it asks for). Median of "
                f"{a.reps} repetitions per case, measured side by side in one run of:\n\n"
                "```sh\nmake build && .venv/bin/python scripts/kernels_report.py\n```\n\n"
                "fp32 GEMM: y = x W, weights prepared outside the timed loop for both (Axle: the "
                "panel16 layout the compiler stores in the .axm). Axle picks its microkernel "
                "from CPUID at start-up (8x48 AVX-512F here, 6x16 AVX2+FMA otherwise). "
                "`docs/kernels.png`: Axle / oneDNN per (M/K/N), one color per thread count, the "
                "red line at 1.0. int8 GEMM: u8 x s8 -> s32 with the f32 requantize epilogue; "
                "where the host has AMX (this one does) both Axle (tdpbusd on 32 x 32 blocks of "
                "tiles) and oneDNN (brg:avx512_core_amx_int8) run on the tiles, else Axle runs "
                "its AVX-512 VNNI kernel (vpdpbusd). Both are exact. The fractions are of the "
                "vector int8-dot peak (VNNI) and of the AMX tile peak (peak/dot_s8/amx, operands "
                "already in tiles: no GEMM reaches it, the loads bound it). The M = 1 "
                "column compares with the DRAM read bandwidth, but the repeated runs find the "
                "weights in the caches (16 MB at most, the L3 holds them), so above 100% means "
                "cache-resident, not faster than memory. The M = 1 GEMV table's cold runs do "
                "read from DRAM (they cycle through 640 MB of weight copies); above 100% there "
                "means the peak/read_bw probe (one summing stream per thread) is not the "
                "ceiling: the GEMV keeps four streams in flight.\n")
        f.write("\n".join(lines) + "\n")
    write_png(a.png, ratios)
    print(f"wrote {a.doc} and {a.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
