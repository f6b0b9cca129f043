"""Shared by the benchmark scripts that write docs/benchmarks.md: each owns one marked section
of the page and rewrites only that, so `make bench` and `bench/contention.py` can refresh their
own tables without erasing each other's.
"""
import os

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
