"""`make demo` until the planner lands: write a small hand-built model, inspect it, run it.

The model is the two-layer perceptron of tests/models (x f32[1,16] -> 32 ReLU -> 10 softmax),
written by `axle-testmodel` without the compiler. The demo feeds it one input in the ONNX
test-data layout, runs `axle run`, and prints the class probabilities it wrote back.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def step(title, cmd):
    print(f"\n$ {' '.join(cmd)}", flush=True)
    r = subprocess.run(cmd)
    if r.returncode != 0:
        sys.exit(f"demo: '{title}' failed with exit code {r.returncode}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--axle", default="build/bin/axle")
    p.add_argument("--testmodel", default="build/bin/axle-testmodel")
    p.add_argument("--workdir", default="build/demo")
    a = p.parse_args()

    in_dir, out_dir = os.path.join(a.workdir, "inputs"), os.path.join(a.workdir, "outputs")
    os.makedirs(in_dir, exist_ok=True)
    model = os.path.join(a.workdir, "mlp.axm")
    step("write model", [a.testmodel, "mlp", "-o", model])
    step("inspect", [a.axle, "inspect", model])

    x = np.sin(np.arange(16, dtype=np.float32) * 0.7).reshape(1, 16)
    with open(os.path.join(in_dir, "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x, "x").SerializeToString())
    step("run", [a.axle, "run", model, "--inputs", in_dir, "--outputs", out_dir])

    t = onnx.TensorProto()
    with open(os.path.join(out_dir, "output_0.pb"), "rb") as f:
        t.ParseFromString(f.read())
    probs = numpy_helper.to_array(t)[0]
    print(f"\n{t.name}: " + " ".join(f"{v:.3f}" for v in probs))
    print(f"most likely class: {int(probs.argmax())} (p = {probs.max():.3f}); "
          f"probabilities sum to {probs.sum():.6f}")


if __name__ == "__main__":
    main()
