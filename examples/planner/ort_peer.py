"""ONNX Runtime as the speed peer and numerical oracle: timing a session the way Axle is timed,
and reading ONNX test-data tensors. Shared by demo.py and bench/planner_vs_ort.py.
"""
import statistics
import time

import onnx
import onnxruntime as ort
from onnx import numpy_helper


def read_pb(path):
    """(name, array) of a serialized TensorProto file."""
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return t.name, numpy_helper.to_array(t)


def ort_median(path, inputs, threads, warmup, runs):
    """Median milliseconds of InferenceSession.run over `runs` timed runs after `warmup`, with
    intra_op_num_threads = threads, inter_op 1, default (all) graph optimizations; and the
    outputs of the last run."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    session = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    for _ in range(warmup):
        session.run(None, inputs)
    times, outputs = [], None
    for _ in range(runs):
        start = time.perf_counter()
        outputs = session.run(None, inputs)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times), outputs
