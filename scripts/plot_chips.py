"""Plots `axle bench --chips` JSON as a PNG: modelled latency (log, vertical) against each
chip's dense INT8 TOPS (log, horizontal), one colored line per model (its best precision per
chip), dashed lines at 100 ms (10 Hz) and 50 ms (20 Hz), grid lines at powers of ten. The
legend (colors -> models) is printed on stdout; docs/chips.md repeats it.

    python scripts/plot_chips.py CHIPS.json OUT.png
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import png  # noqa: E402

COLORS = [(52, 101, 164), (245, 121, 0), (115, 210, 22), (204, 0, 0), (117, 80, 123),
          (193, 125, 17), (0, 150, 150), (100, 100, 100)]
COLOR_NAMES = ["blue", "orange", "green", "red", "purple", "brown", "teal", "gray"]


def main():
    data = json.load(open(sys.argv[1]))
    best = {}
    for r in data["rows"]:
        if r["int8_tops_dense"] <= 0:
            continue
        key = (r["model"], r["target"])
        if key not in best or r["latency_ms"] < best[key]["latency_ms"]:
            best[key] = r
    xs = [r["int8_tops_dense"] for r in best.values()]
    ys = [r["latency_ms"] for r in best.values()]
    x0, x1 = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)))
    y0 = math.floor(math.log10(min(ys + [50])))
    y1 = math.ceil(math.log10(max(ys + [100])))
    w, h, m = 900, 520, 40
    img = png.canvas(w, h)

    def px(x, y):
        return (m + (math.log10(x) - x0) / (x1 - x0) * (w - 2 * m),
                h - m - (math.log10(y) - y0) / (y1 - y0) * (h - 2 * m))
    for e in range(x0, x1 + 1):
        a, _ = px(10 ** e, 10 ** y0)
        png.line(img, a, m, a, h - m, (225, 225, 225))
    for e in range(y0, y1 + 1):
        _, b = px(10 ** x0, 10 ** e)
        png.line(img, m, b, w - m, b, (225, 225, 225))
    png.line(img, m, h - m, w - m, h - m, (0, 0, 0))
    png.line(img, m, m, m, h - m, (0, 0, 0))
    for ms in (100, 50):
        _, b = px(10 ** x0, ms)
        png.line(img, m, b, w - m, b, (150, 150, 150), dash=6)
    models = [mm["name"] for mm in data["models"]]
    for i, model in enumerate(models):
        color = COLORS[i % len(COLORS)]
        pts = sorted((r["int8_tops_dense"], r["latency_ms"])
                     for (mo, _), r in best.items() if mo == model)
        for (ax, ay), (bx, by) in zip(pts, pts[1:]):
            png.line(img, *px(ax, ay), *px(bx, by), color)
        for p in pts:
            png.dot(img, *px(*p), color)
        print(f"{COLOR_NAMES[i % len(COLORS)]}: {model}")
    png.save(sys.argv[2], img)
    print(f"axes: x 10^{x0}..10^{x1} INT8 TOPS (dense), y 10^{y0}..10^{y1} ms; dashed: 100 and "
          f"50 ms")


if __name__ == "__main__":
    main()
