"""Helpers shared by the benchmark scripts: the planner plan they time, and their sections of
docs/benchmarks.md (each script owns one marked section and rewrites only that, so `make bench`,
`bench/contention.py` and `bench/ab_latency.py` refresh their own tables without erasing each
other's).
"""
import os
import subprocess
import sys

import onnx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "planner"))
import make_planner  # noqa: E402

TITLE = "# Benchmarks: the planner family, Axle vs ONNX Runtime\n"


def replace_section(path, name, body):
    """Writes `body` between <!-- NAME:begin --> and <!-- NAME:end --> in the markdown file at
    `path` (creating the file with the page title, or appending the section, as needed)."""
    begin, end = f"<!-- {name}:begin -->\n", f"<!-- {name}:end -->\n"
    text = open(path).read() if os.path.exists(path) else TITLE
    block = begin + body.rstrip("\n") + "\n" + end
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block
    with open(path, "w") as f:
        f.write(text)


def planner_plan(axle, workdir, config):
    """Generates planner `config`, writes its ONNX file and sample scene under `workdir` and
    compiles it with `axle`; returns (onnx path, scene folder, plan path, parameters)."""
    os.makedirs(workdir, exist_ok=True)
    cfg = make_planner.CONFIGS[config]
    model, params = make_planner.build(cfg)
    path = os.path.join(workdir, f"planner_{config}.onnx")
    onnx.save(model, path)
    del model
    scene = os.path.join(workdir, f"scene_{config}")
    make_planner.write_scene(cfg, scene)
    plan = os.path.join(workdir, f"planner_{config}.axm")
    subprocess.run([axle, "compile", path, "-o", plan, "-q"], check=True)
    return path, scene, plan, params
