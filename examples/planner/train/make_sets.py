"""Writes the trained planner as ONNX and its calibration and evaluation input sets (numpy and
onnx only; no torch).

    python examples/planner/train/make_sets.py -o build/trained [--calib 64] [--eval 500]

DIR/planner_trained.onnx   make_planner.build(CONFIGS["trained"], weights=planner_trained.npz)
DIR/calib/scene_NNNN/      input_0.pb ... (the `axle run --inputs` layout), scenes of seed 3000
DIR/eval/scene_NNNN/       the same plus expected_trajectory.pb ([T, 3] metres: the expert's
                           future), the held-out scenes of seed 2000 that train.py reports on

The three scene sets (training seed 1000, evaluation 2000, calibration 3000) are disjoint
draws of scenes.py's generator.
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import make_planner  # noqa: E402
import scenes  # noqa: E402

EVAL_SEED, CALIB_SEED = 2000, 3000
INPUTS = ("ego", "agents", "agent_mask", "map_polylines")


def load_weights(path=os.path.join(HERE, "planner_trained.npz")):
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def write_sets(directory, data, with_truth):
    os.makedirs(directory, exist_ok=True)
    n = len(data["ego"])
    for s in range(n):
        d = os.path.join(directory, f"scene_{s:04d}")
        os.makedirs(d, exist_ok=True)
        for i, name in enumerate(INPUTS):
            t = numpy_helper.from_array(np.ascontiguousarray(data[name][s:s + 1]), name)
            with open(os.path.join(d, f"input_{i}.pb"), "wb") as f:
                f.write(t.SerializeToString())
        if with_truth:
            t = numpy_helper.from_array(np.ascontiguousarray(data["target"][s]),
                                        "expected_trajectory")
            with open(os.path.join(d, "expected_trajectory.pb"), "wb") as f:
                f.write(t.SerializeToString())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--calib", type=int, default=64)
    ap.add_argument("--eval", type=int, default=500)
    a = ap.parse_args()
    cfg = make_planner.CONFIGS["trained"]
    os.makedirs(a.out, exist_ok=True)
    model, params = make_planner.build(cfg, weights=load_weights())
    path = os.path.join(a.out, "planner_trained.onnx")
    onnx.save(model, path)
    kw = dict(agents=cfg.agents, polylines=cfg.polylines, steps=cfg.steps)
    write_sets(os.path.join(a.out, "calib"), scenes.scenes(a.calib, CALIB_SEED, **kw), False)
    write_sets(os.path.join(a.out, "eval"), scenes.scenes(a.eval, EVAL_SEED, **kw), True)
    print(f"wrote {path} ({params:,} parameters), {a.calib} calibration and {a.eval} "
          f"evaluation scenes under {a.out}")


if __name__ == "__main__":
    main()
