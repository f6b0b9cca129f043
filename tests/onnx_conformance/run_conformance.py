"""ONNX node conformance: every test under the ONNX test data through `axle compile` + `axle run`.

Each test's model.onnx is compiled, run on test_data_set_0's inputs, and its outputs compared with
the expected ones (floats: rtol 1e-3, atol 1e-4; integers and bools: exact). A test passes, or
fails with a reason: a compile diagnostic, a run error, a mismatch. A crash (a signal) or a hang
(a timeout) is never acceptable. With --expected FILE the run fails if any listed test does not
pass (a regression) or anything crashed or hung; --update rewrites FILE and docs/onnx-coverage.md.
"""
import argparse
import collections
import concurrent.futures
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

DATA = "/usr/share/libonnx-testdata/data/node"


def load_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


# The operators the compiler issue requires: every test using only these must pass (or be
# explained in docs/onnx-coverage.md).
REQUIRED_OPS = set("""Add Sub Mul Div Pow Sqrt Erf Exp Log Tanh Sigmoid Relu Neg Abs Reciprocal MatMul
Gemm Softmax LayerNormalization ReduceMean ReduceSum ReduceMax Transpose Reshape Concat Split Slice
Gather Unsqueeze Squeeze Flatten Expand Where Cast Equal Less Greater Identity Constant Shape
ConstantOfShape Min Max Clip""".split())

# Required-op tests that fail for a reason outside the compiler's reach; any other required-op
# failure fails the run.
KNOWN_REQUIRED_FAILURES = {
    "test_cast_FLOAT_to_STRING": "STRING tensors: no string type in the runtime (by design)",
    "test_cast_STRING_to_FLOAT": "STRING tensors: no string type in the runtime (by design)",
    "test_castlike_FLOAT_to_STRING_expanded": "STRING tensors: no string type in the runtime",
    "test_castlike_STRING_to_FLOAT_expanded": "STRING tensors: no string type in the runtime",
    "test_identity_opt": "optional-typed graph input: only tensors are supported",
    "test_identity_sequence": "sequence-typed graph input: only tensors are supported",
    "test_cast_FLOAT_to_BFLOAT16": "the ONNX 1.12 data truncates; ONNX's current reference "
                                   "(onnx 1.23 ReferenceEvaluator) and Axle round to nearest even",
    "test_castlike_BFLOAT16_to_FLOAT_expanded": "invalid data: input 'like' is [1] for a declared "
                                                "[3, 4] (ONNX Runtime rejects it too)",
    "test_castlike_FLOAT_to_BFLOAT16_expanded": "invalid data: input 'like' is [1] for a declared "
                                                "[3, 4] (ONNX Runtime rejects it too)",
}

# Failures whose cause is outside Axle, explained in the coverage document.
KNOWN_FAILURES = {
    "test_castlike_BFLOAT16_to_FLOAT": "invalid data: input 'like' is [1] for a declared [3, 4] "
                                       "(ONNX Runtime rejects it too)",
    "test_castlike_FLOAT_to_BFLOAT16": "invalid data: input 'like' is [1] for a declared [3, 4] "
                                       "(ONNX Runtime rejects it too)",
}

NEEDS_CONSTANT = re.compile(r"\(input \d+ '([^']+)'\) must be a compile-time constant")
# The graph inputs a value that must be constant depends on (the importer names them).
DEPENDS_ON = re.compile(r"depends on graph inputs? ((?:'[^']+'(?:, )?)+)")

# Tests outside what an inference compiler is asked to run (the coverage issue's "applicable"):
# training ops, random ops, and string, sequence or optional values.
TRAINING_OPS = {"Adagrad", "Adam", "Momentum", "Gradient"}
RANDOM_OPS = {"Bernoulli", "RandomUniform", "RandomUniformLike", "RandomNormal",
              "RandomNormalLike", "Multinomial"}
STRING_OPS = {"StringNormalizer", "RegexFullMatch", "StringConcat", "StringSplit", "LabelEncoder"}
SEQUENCE_OPS = {"SequenceAt", "SequenceConstruct", "SequenceEmpty", "SequenceErase",
                "SequenceInsert", "SequenceLength", "SequenceMap", "SplitToSequence",
                "ConcatFromSequence"}
OPTIONAL_OPS = {"Optional", "OptionalGetElement", "OptionalHasElement"}


def _nodes(graph):
    for n in graph.node:
        yield n
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                yield from _nodes(a.g)
            for g in a.graphs:
                yield from _nodes(g)


def not_applicable(test_dir):
    """Why a test is outside the applicable set, or None."""
    m = onnx.load(os.path.join(test_dir, "model.onnx"), load_external_data=False)
    for v in list(m.graph.input) + list(m.graph.output):
        kind = v.type.WhichOneof("value")
        if kind in ("sequence_type", "optional_type"):
            return kind.split("_")[0]
        if kind == "tensor_type" and v.type.tensor_type.elem_type == onnx.TensorProto.STRING:
            return "string"
    for n in _nodes(m.graph):
        if n.op_type in TRAINING_OPS or n.domain == "ai.onnx.preview.training":
            return "training"
        if n.op_type in RANDOM_OPS:
            return "random"
        if n.op_type in STRING_OPS:
            return "string"
        if n.op_type in SEQUENCE_OPS:
            return "sequence"
        if n.op_type in OPTIONAL_OPS:
            return "optional"
        if n.op_type == "Cast" and any(a.name == "to" and a.i == onnx.TensorProto.STRING
                                       for a in n.attribute):
            return "string"
        # Dropout in training mode with a non-zero ratio draws a random mask.
        if n.op_type == "Dropout" and len(n.input) >= 3 and n.input[2]:
            values = test_input_values(test_dir, m)
            training = values.get(n.input[2], np.array(True))
            ratio = values.get(n.input[1], np.array(0.5)) if len(n.input) > 1 and n.input[1] \
                else np.array(0.5)
            if bool(training) and float(ratio) != 0.0:
                return "random"
    return None


def test_input_values(test_dir, model):
    """The values test_data_set_0 gives the graph inputs, by name."""
    inits = {t.name for t in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in inits]
    out = {}
    for k, name in enumerate(names):
        path = os.path.join(test_dir, "test_data_set_0", f"input_{k}.pb")
        if os.path.exists(path):
            out[name] = load_pb(path)
    return out


def graph_inputs(test_dir):
    m = onnx.load(os.path.join(test_dir, "model.onnx"), load_external_data=False)
    inits = {t.name for t in m.graph.initializer}
    return [i.name for i in m.graph.input if i.name not in inits]


def bf16_values(test_dir):
    """Names of the graph inputs and outputs declared BFLOAT16."""
    m = onnx.load(os.path.join(test_dir, "model.onnx"), load_external_data=False)
    return {v.name for v in list(m.graph.input) + list(m.graph.output)
            if v.type.tensor_type.elem_type == onnx.TensorProto.BFLOAT16}


def copy_input(src, dst, as_bf16):
    """Copies a test-data tensor; the ONNX 1.12 data stores bfloat16 tensors as UINT16 with the
    same bits, which is relabelled BFLOAT16 when the model declares the input so."""
    if not as_bf16:
        shutil.copy(src, dst)
        return
    t = onnx.TensorProto()
    with open(src, "rb") as f:
        t.ParseFromString(f.read())
    if t.data_type == onnx.TensorProto.UINT16:
        bits = numpy_helper.to_array(t).astype(np.uint16)
        t = onnx.TensorProto(name=t.name, dims=t.dims, data_type=onnx.TensorProto.BFLOAT16,
                             raw_data=bits.tobytes())
    with open(dst, "wb") as f:
        f.write(t.SerializeToString())


def load_raw_bits(path):
    """A bfloat16 result as its uint16 bit patterns, to compare with UINT16-stored data."""
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return np.frombuffer(t.raw_data, dtype=np.uint16).reshape(tuple(t.dims))


def call(cmd, step, timeout):
    """(None, result) on a normal exit, else (failure tuple, None)."""
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return ("hang", f"{step} exceeded {timeout} s"), None
    if r.returncode < 0 or r.returncode > 2:
        return ("crash", f"{step} exited with {r.returncode}: {r.stderr.strip()[:300]}"), None
    return None, r


def run_one(axle, test_dir, timeout):
    """Compiles (freezing the graph inputs the compiler needs as constants, as a deployment
    engineer would with --freeze-input), runs and compares one test."""
    name = os.path.basename(test_dir)
    data = os.path.join(test_dir, "test_data_set_0")
    inputs = graph_inputs(test_dir)
    bf16 = bf16_values(test_dir)
    frozen = []
    with tempfile.TemporaryDirectory() as tmp:
        plan, out, in_dir = (os.path.join(tmp, "m.axm"), os.path.join(tmp, "out"),
                             os.path.join(tmp, "in"))
        while True:
            cmd = [axle, "compile", os.path.join(test_dir, "model.onnx"), "-o", plan, "-q"]
            for n in frozen:
                cmd.append(f"--freeze-input={n}={data}/input_{inputs.index(n)}.pb")
            bad, r = call(cmd, "compile", timeout)
            if bad:
                return (name, *bad)
            if r.returncode == 0:
                break
            first = (r.stderr.strip().splitlines() or ["(no message)"])[0]
            m = NEEDS_CONSTANT.search(first)
            deps = DEPENDS_ON.search(first)
            wanted = ([m.group(1)] if m and m.group(1) in inputs else
                      re.findall(r"'([^']+)'", deps.group(1)) if deps else [])
            wanted = [w for w in wanted if w in inputs and w not in frozen]
            if not wanted:
                return name, "compile-error", first[:300]
            frozen.extend(wanted)
        os.makedirs(in_dir)
        for k, n in enumerate(x for x in inputs if x not in frozen):
            copy_input(f"{data}/input_{inputs.index(n)}.pb", f"{in_dir}/input_{k}.pb", n in bf16)
        bad, r = call([axle, "run", plan, "--inputs", in_dir, "--outputs", out, "-q"], "run",
                      timeout)
        if bad:
            return (name, *bad)
        if r.returncode != 0:
            return name, "run-error", (r.stderr.strip().splitlines() or ["(no message)"])[0][:300]
        for path in sorted(glob.glob(os.path.join(data, "output_*.pb"))):
            want = load_pb(path)
            got_path = os.path.join(out, os.path.basename(path))
            if not os.path.exists(got_path):
                return name, "mismatch", f"{os.path.basename(path)} was not written"
            got = load_pb(got_path)
            if want.dtype == np.uint16 and str(got.dtype) == "bfloat16":
                got = load_raw_bits(got_path)  # the data's UINT16-for-bfloat16 convention
            if got.shape != want.shape or got.dtype != want.dtype:
                return name, "mismatch", (f"{os.path.basename(path)}: got {got.dtype}{list(got.shape)}"
                                          f", expected {want.dtype}{list(want.shape)}")
            if want.dtype.kind in "fc":
                ok = np.allclose(got, want, rtol=1e-3, atol=1e-4, equal_nan=True)
            else:
                ok = np.array_equal(got, want)
            if not ok:
                return name, "mismatch", f"{os.path.basename(path)}: values differ"
    return name, "pass", ""


def op_types(test_dir):
    m = onnx.load(os.path.join(test_dir, "model.onnx"), load_external_data=False)
    return sorted({n.op_type for n in m.graph.node})


def write_coverage(results, dirs, path, required, required_failing, excluded):
    by_op = collections.defaultdict(lambda: [0, 0])
    for d in dirs:
        name = os.path.basename(d)
        for op in op_types(d):
            by_op[op][1] += 1
            by_op[op][0] += results[name][0] == "pass"
    passed = sum(1 for s, _ in results.values() if s == "pass")
    with open(path, "w") as f:
        f.write("# ONNX node conformance coverage\n\n")
        f.write("Generated by `tests/onnx_conformance/run_conformance.py --update` from the ONNX\n"
                "1.12 node tests (`/usr/share/libonnx-testdata/data/node`): each test's model is\n"
                "compiled with `axle compile` and run with `axle run`, outputs compared with rtol\n"
                "1e-3, atol 1e-4 (floats) or exactly (integers, bools). Do not edit by hand.\n\n")
        applicable = [n for n in results if n not in excluded]
        app_pass = sum(1 for n in applicable if results[n][0] == "pass")
        f.write(f"**{app_pass} of the {len(applicable)} applicable tests pass "
                f"({100.0 * app_pass / max(len(applicable), 1):.1f}%)**; {passed} of all "
                f"{len(results)}. Applicable: not a training op (Adagrad, Adam, Momentum, "
                f"Gradient), not a random op (Bernoulli, Random*, Dropout in training mode with "
                f"a non-zero ratio), no string, sequence or optional values.\n\n")
        f.write("Every applicable test that fails, and why (the first line of Axle's error, or "
                "the comparison that failed):\n\n| test | status | reason |\n|---|---|---|\n")
        for n in sorted(applicable):
            st, why = results[n]
            why = KNOWN_REQUIRED_FAILURES.get(n, KNOWN_FAILURES.get(n, why))
            if st != "pass":
                why = why.replace("|", "\\|").replace("\n", " ")
                why = re.sub(r"/tmp/[^ :]+", "<tmp>", why)
                f.write(f"| {n} | {st} | {why} |\n")
        f.write("\nNot applicable (not counted above): " + ", ".join(
            f"{k} {v}" for k, v in sorted(collections.Counter(excluded.values()).items())) +
            ".\n\n")
        f.write(f"Tests whose operators all come from the compiler issue's required list: "
                f"**{len(required) - len(required_failing)} of {len(required)} pass**; the "
                f"others, and why:\n\n")
        f.write("| test | reason |\n|---|---|\n")
        for n in required_failing:
            f.write(f"| {n} | {KNOWN_REQUIRED_FAILURES.get(n, 'unexplained')} |\n")
        f.write("\nA test counts under every operator its model uses.\n\n")
        f.write("| operator | tests passed / total |\n|---|---|\n")
        for op in sorted(by_op):
            p, t = by_op[op]
            f.write(f"| {op} | {p} / {t} |\n")


def run_suite(axle, dirs, jobs, timeout):
    results = {}
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        futures = [pool.submit(run_one, axle, d, timeout) for d in dirs]
        for i, fut in enumerate(concurrent.futures.as_completed(futures), 1):
            name, status, reason = fut.result()
            results[name] = (status, reason)
            if i % 100 == 0 or i == len(futures):
                print(f"conformance: {i}/{len(futures)} done", flush=True)
    return results


PYTORCH_SUITES = ("pytorch-converted", "pytorch-operator")


def write_pytorch_section(path, suites):
    """Appends the PyTorch-exported suites (each {name: (status, reason)}) to the coverage doc."""
    with open(path, "a") as f:
        f.write("## Debian's PyTorch-exported models\n\n"
                "`libonnx-testdata`'s `pytorch-converted` and `pytorch-operator` models, as "
                "shipped (opset 6, upgraded on import to opset 13 by ONNX's C++ version "
                "converter), through the same compile, run and comparison:\n\n"
                "| suite | passed / total | failing |\n|---|---|---|\n")
        for suite, results in suites.items():
            passed = sum(1 for st, _ in results.values() if st == "pass")
            failing = ", ".join(f"{n} ({results[n][0]}: {results[n][1][:120]})"
                                for n in sorted(results) if results[n][0] != "pass") or "none"
            f.write(f"| {suite} | {passed} / {len(results)} | {failing} |\n")
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--axle", required=True)
    ap.add_argument("--expected", help="file listing the tests that must pass")
    ap.add_argument("--update", action="store_true", help="rewrite --expected and --coverage")
    ap.add_argument("--coverage", help="docs/onnx-coverage.md to write with --update")
    ap.add_argument("--report", help="write every test's status and reason as JSON here")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("--filter", default="", help="only tests whose name contains this")
    ap.add_argument("--data", default=DATA,
                    help="folder of ONNX test directories (default: the node tests; also "
                         ".../pytorch-converted and .../pytorch-operator)")
    a = ap.parse_args()

    dirs = sorted(d for d in glob.glob(os.path.join(a.data, "*")) if a.filter in os.path.basename(d))
    results = run_suite(a.axle, dirs, a.jobs, a.timeout)

    counts = collections.Counter(s for s, _ in results.values())
    print("conformance: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if a.report:
        with open(a.report, "w") as f:
            json.dump({k: {"status": s, "reason": r} for k, (s, r) in sorted(results.items())}, f,
                      indent=1)
    excluded = {}
    for d in dirs:
        why = not_applicable(d)
        if why:
            excluded[os.path.basename(d)] = why
    applicable = [n for n in results if n not in excluded]
    app_pass = sum(1 for n in applicable if results[n][0] == "pass")
    print(f"conformance: applicable tests: {app_pass} of {len(applicable)} pass "
          f"({100.0 * app_pass / max(len(applicable), 1):.1f}%); not applicable: {len(excluded)}")
    bad = sorted(n for n, (s, _) in results.items() if s in ("crash", "hang"))
    for n in bad:
        print(f"CRASH/HANG {n}: {results[n][1]}")
    passing = sorted(n for n, (s, _) in results.items() if s == "pass")
    required = [os.path.basename(d) for d in dirs if set(op_types(d)) <= REQUIRED_OPS]
    required_failing = [n for n in required if results[n][0] != "pass"]
    print(f"conformance: required-op tests: {len(required) - len(required_failing)} of "
          f"{len(required)} pass")
    unexplained = [n for n in required_failing if n not in KNOWN_REQUIRED_FAILURES]
    for n in required_failing:
        why = KNOWN_REQUIRED_FAILURES.get(n, "UNEXPLAINED")
        print(f"  required-op test failing: {n}: {results[n][0]}: {results[n][1]} [{why}]")
    if a.update:
        with open(a.expected, "w") as f:
            f.write("\n".join(passing) + "\n")
        if a.coverage:
            write_coverage(results, dirs, a.coverage, required, required_failing, excluded)
            root = os.path.dirname(os.path.abspath(a.data.rstrip("/")))
            suites = {}
            for suite in PYTORCH_SUITES:
                sdirs = sorted(glob.glob(os.path.join(root, suite, "*")))
                suites[suite] = run_suite(a.axle, sdirs, a.jobs, a.timeout)
            write_pytorch_section(a.coverage, suites)
        print(f"conformance: wrote {len(passing)} expected passes to {a.expected}")
    regressions = []
    if a.expected and not a.update:
        with open(a.expected) as f:
            expected = [l.strip() for l in f if l.strip() and not l.startswith("#")]
        regressions = [n for n in expected if n in results and results[n][0] != "pass"]
        for n in regressions:
            print(f"REGRESSION {n}: {results[n][0]}: {results[n][1]}")
    passed, failed = len(passing), len(results) - len(passing)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if bad or regressions or (unexplained and not a.filter) else 0)


if __name__ == "__main__":
    main()
