"""Exports torch_planner.Planner (small dims, fixed seed) with torch.onnx.export into the
checked-in fixture tests/planner/fixtures/planner_torch_tiny.onnx, with a sample scene and
PyTorch's own outputs for it. Needs torch (not in CI: the fixture is committed).

    python examples/planner/export_torch.py [--out tests/planner/fixtures] [--dynamo]
"""
import argparse
import os
import sys

import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_planner import Planner  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="tests/planner/fixtures")
    ap.add_argument("--dynamo", action="store_true",
                    help="use the torch.export-based exporter instead of TorchScript's")
    a = ap.parse_args()
    torch.manual_seed(0)
    model = Planner().eval()
    g = torch.Generator().manual_seed(1)
    agents, polylines = 16, 8
    mask = torch.ones(1, agents, dtype=torch.bool)
    mask[0, 12:] = False
    inputs = (torch.randn(1, 1, 8, generator=g), torch.randn(1, agents, 10, generator=g), mask,
              torch.randn(1, polylines, 10, 6, generator=g), torch.randn(1, 64, 10, 10, generator=g))
    names = ["ego", "agents", "agent_mask", "map_polylines", "bev"]
    os.makedirs(a.out, exist_ok=True)
    stem = "planner_torch_tiny" + ("_dynamo" if a.dynamo else "")
    path = os.path.join(a.out, stem + ".onnx")
    torch.onnx.export(model, inputs, path, input_names=names,
                      output_names=["trajectories", "mode_scores"], opset_version=17,
                      dynamo=a.dynamo)
    with torch.no_grad():
        outputs = model(*inputs)
    data = os.path.join(a.out, stem, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    for i, (n, t) in enumerate(zip(names, inputs)):
        with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(t.numpy(), n).SerializeToString())
    for i, (n, t) in enumerate(zip(["trajectories", "mode_scores"], outputs)):
        with open(os.path.join(data, f"output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(t.numpy(), n).SerializeToString())
    m = onnx.load(path)
    ops = sorted({n.op_type for n in m.graph.node})
    print(f"wrote {path} ({os.path.getsize(path):,} bytes, opset "
          f"{m.opset_import[0].version}, {len(m.graph.node)} nodes: {', '.join(ops)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
