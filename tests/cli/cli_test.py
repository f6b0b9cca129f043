"""The `axle` CLI end to end, against independent oracles.

`axle run` on the hand-built zoo model (every reference op on model inputs) is checked against
numpy recomputing each output from the inputs; the TensorProto files are written and read with
onnx.numpy_helper, not with Axle's own code. The error contract (one `error:` line, exit 1; exit 2
for usage) and `inspect --json` are checked too.

Run by ctest with AXLE_BIN and AXLE_TESTMODEL pointing at the built tools.
"""
import json
import math
import os
import struct
import subprocess
import tempfile
import unittest

import numpy as np
import onnx
from onnx import helper, numpy_helper

AXLE = os.environ.get("AXLE_BIN", "build/bin/axle")
TESTMODEL = os.environ.get("AXLE_TESTMODEL", "build/bin/axle-testmodel")


def run(*args):
    return subprocess.run([AXLE, *args], capture_output=True, text=True, timeout=60)


def write_pb(path, array, name=""):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


def read_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return t.name, numpy_helper.to_array(t)


def zoo_inputs(rng):
    x = rng.uniform(-2.0, 2.0, size=(2, 3, 4)).astype(np.float32)
    y = rng.uniform(0.5, 1.5, size=(4,)).astype(np.float32)
    idx = np.array([3, -4], dtype=np.int64)  # a negative index counts from the end
    cond = rng.integers(0, 2, size=(3, 4)).astype(bool)
    ia = np.array([7, -7, 7, -7, 0, 100], dtype=np.int32)
    ib = np.array([2, 2, -2, -2, 5, 7], dtype=np.int32)
    return [x, y, idx, cond, ia, ib]


def zoo_oracle(x, y, idx, cond, ia, ib):
    """numpy (float64 where it matters) for every output of BuildZoo, by output name."""
    xd, yd = x.astype(np.float64), y.astype(np.float64)
    erf = np.vectorize(math.erf)
    e = np.exp(xd - xd.max(axis=1, keepdims=True))
    mean = xd.mean(axis=2, keepdims=True)
    var = ((xd - mean) ** 2).mean(axis=2, keepdims=True)
    expand_t = np.broadcast_to(yd, (5, 4)).T
    return {
        "add": xd + yd, "sub": xd - yd, "mul": xd * yd, "div": xd / yd,
        "less": x < y, "max": np.maximum(xd, yd),
        "relu": np.maximum(xd, 0), "sigmoid": 1 / (1 + np.exp(-xd)), "tanh": np.tanh(xd),
        "erf": erf(xd), "exp": np.exp(xd),
        "sqrt_abs": np.sqrt(np.abs(xd)), "pow_abs": np.abs(xd) ** yd,
        "softmax_axis1": e / e.sum(axis=1, keepdims=True),
        "layernorm": (xd - mean) / np.sqrt(var + 1e-5) * yd + yd,
        "transpose_201": xd.transpose(2, 0, 1),
        "reducemean_1": xd.mean(axis=1),
        "reducesum_02_keep": xd.sum(axis=(0, 2), keepdims=True),
        "concat_xx_1": np.concatenate([xd, xd], axis=1),
        "slice_rev": xd[1::-1, 2::-1, 3::-2],
        "gather_idx_2": np.take(xd, idx, axis=2),
        "where": np.where(cond, xd, yd),
        "cast_i32": np.trunc(xd).astype(np.int32),
        "cast_f16": x.astype(np.float16),
        "expand_t": expand_t,
        "matmul": xd @ expand_t,
        "gemm": 0.5 * (xd.reshape(6, 4) @ expand_t) + 2.0 * expand_t.sum(axis=0, keepdims=True),
        "int_div": np.fix(ia.astype(np.float64) / ib).astype(np.int32),
    }


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.zoo = os.path.join(cls.dir, "zoo.axm")
        cls.mlp = os.path.join(cls.dir, "mlp.axm")
        for name, path in (("zoo", cls.zoo), ("mlp", cls.mlp)):
            subprocess.run([TESTMODEL, name, "-o", path], check=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def make_dir(self, name):
        path = os.path.join(self.dir, name)
        os.makedirs(path, exist_ok=True)
        return path

    def assert_error(self, result, code, fragment):
        self.assertEqual(result.returncode, code, result.stderr)
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith("error: "), lines[0])
        self.assertIn(fragment, lines[0])

    def test_run_zoo_matches_numpy(self):
        inputs = zoo_inputs(np.random.default_rng(7))
        in_dir, out_dir = self.make_dir("zoo_in"), self.make_dir("zoo_out")
        for i, a in enumerate(inputs):
            write_pb(os.path.join(in_dir, f"input_{i}.pb"), a)
        r = run("run", self.zoo, "--inputs", in_dir, "--outputs", out_dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        expected = zoo_oracle(*inputs)
        info = json.loads(run("inspect", self.zoo, "--json").stdout)
        self.assertEqual(len(info["outputs"]), len(expected))
        for i, out in enumerate(info["outputs"]):
            name, got = read_pb(os.path.join(out_dir, f"output_{i}.pb"))
            self.assertEqual(name, out["name"])
            want = np.asarray(expected[name])
            self.assertEqual(list(got.shape), out["shape"], name)
            self.assertEqual(got.shape, want.shape, name)
            if got.dtype.kind == "f":
                np.testing.assert_allclose(got.astype(np.float64), want, rtol=1e-5, atol=1e-6,
                                           err_msg=name)
            else:
                np.testing.assert_array_equal(got, want.astype(got.dtype), err_msg=name)

    def test_typed_fields_read_like_raw_data(self):
        x = np.linspace(-1, 1, 16, dtype=np.float32).reshape(1, 16)
        raw_dir, typed_dir = self.make_dir("raw_in"), self.make_dir("typed_in")
        write_pb(os.path.join(raw_dir, "input_0.pb"), x)
        typed = helper.make_tensor("x", onnx.TensorProto.FLOAT, [1, 16], x.flatten().tolist())
        self.assertFalse(typed.HasField("raw_data"))
        with open(os.path.join(typed_dir, "input_0.pb"), "wb") as f:
            f.write(typed.SerializeToString())
        outs = []
        for d in (raw_dir, typed_dir):
            out_dir = d + "_out"
            r = run("run", self.mlp, "--inputs", d, "--outputs", out_dir, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, "")
            outs.append(read_pb(os.path.join(out_dir, "output_0.pb"))[1])
        np.testing.assert_array_equal(outs[0], outs[1])
        self.assertAlmostEqual(float(outs[0].sum()), 1.0, places=5)  # a softmax

    def test_inspect_json_describes_the_plan(self):
        r = run("inspect", self.mlp, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        info = json.loads(r.stdout)
        self.assertEqual(info["target"], "host")
        self.assertEqual([s["op"] for s in info["steps"]],
                         ["matmul", "add", "relu", "matmul", "add", "softmax"])
        self.assertEqual(info["steps"][0]["inputs"], ["x", "W1"])
        self.assertEqual(info["steps"][-1]["outputs"], ["probs"])
        # Constants: W1, b1, W2 fill whole 64-byte lines; b2's 40 bytes are padded to 64.
        self.assertEqual(info["constant_bytes"], 4 * (16 * 32 + 32 + 32 * 10) + 64)
        self.assertEqual(info["file_bytes"], os.path.getsize(self.mlp))
        self.assertEqual(len(info["tensors"]), 11)
        for t in info["tensors"]:
            self.assertEqual(t["size"], 4 * math.prod(t["shape"]))
        text = run("inspect", self.mlp)
        self.assertEqual(text.returncode, 0)
        self.assertIn("arena", text.stdout)
        self.assertIn("fc1/matmul", text.stdout)

    def test_help_for_every_command(self):
        for args in (["--help"], ["inspect", "--help"], ["run", "--help"], ["help"]):
            r = run(*args)
            self.assertEqual(r.returncode, 0, args)
            self.assertIn("usage: axle", r.stdout)
        self.assertIn("axle 0.1.0", run("--version").stdout)

    def test_usage_errors_exit_2(self):
        self.assertEqual(run().returncode, 2)
        self.assert_error(run("frobnicate"), 2, "unknown command 'frobnicate'")
        self.assert_error(run("inspect"), 2, "expected exactly one model file")
        self.assert_error(run("inspect", self.mlp, "--bogus"), 2, "unknown option '--bogus'")
        self.assert_error(run("run", self.mlp, "--inputs", self.dir), 2, "--outputs DIR is required")
        self.assert_error(run("run", self.mlp, "--outputs"), 2, "option '--outputs' needs a value")
        self.assert_error(run("run", self.mlp, "--outputs", self.dir), 2, "--inputs DIR is required")

    def test_failures_exit_1_with_one_line(self):
        bad = os.path.join(self.dir, "truncated.axm")
        with open(self.mlp, "rb") as f:
            data = f.read()
        with open(bad, "wb") as f:
            f.write(data[:100])
        self.assert_error(run("inspect", bad), 1, "truncated file")
        self.assert_error(run("inspect", os.path.join(self.dir, "missing.axm")), 1, "cannot open")
        garbage = os.path.join(self.dir, "garbage.axm")
        with open(garbage, "wb") as f:
            f.write(b"\x00" * 4 + b"not a model at all, just bytes" * 8)
        self.assert_error(run("inspect", garbage), 1, garbage)

        in_dir, out_dir = self.make_dir("bad_in"), os.path.join(self.dir, "bad_out")
        r = run("run", self.mlp, "--inputs", in_dir, "--outputs", out_dir)
        self.assert_error(r, 1, "input_0.pb")
        write_pb(os.path.join(in_dir, "input_0.pb"), np.zeros((1, 15), np.float32))
        self.assert_error(run("run", self.mlp, "--inputs", in_dir, "--outputs", out_dir), 1,
                          "tensor is f32[1,15], but model input 0 'x' is f32[1,16]")
        write_pb(os.path.join(in_dir, "input_0.pb"), np.zeros((1, 16), np.int32))
        self.assert_error(run("run", self.mlp, "--inputs", in_dir, "--outputs", out_dir), 1,
                          "i32[1,16]")
        with open(os.path.join(in_dir, "input_0.pb"), "wb") as f:
            f.write(b"\xff\xff\xff\xff garbage")
        self.assert_error(run("run", self.mlp, "--inputs", in_dir, "--outputs", out_dir), 1,
                          "not a valid ONNX TensorProto")
        short = onnx.TensorProto(name="x", data_type=onnx.TensorProto.FLOAT, dims=[1, 16],
                                 raw_data=b"\0" * 60)
        with open(os.path.join(in_dir, "input_0.pb"), "wb") as f:
            f.write(short.SerializeToString())
        self.assert_error(run("run", self.mlp, "--inputs", in_dir, "--outputs", out_dir), 1,
                          "raw_data holds 60 bytes, but f32[1,16] needs 64")

    def test_data_error_names_the_step(self):
        inputs = zoo_inputs(np.random.default_rng(1))
        inputs[2] = np.array([0, 9], dtype=np.int64)  # gather index 9 on an axis of size 4
        in_dir = self.make_dir("oob_in")
        for i, a in enumerate(inputs):
            write_pb(os.path.join(in_dir, f"input_{i}.pb"), a)
        r = run("run", self.zoo, "--inputs", in_dir, "--outputs", self.make_dir("oob_out"))
        self.assert_error(r, 1, "(gather 'gather'): index 9 at element 1")


    def test_hostile_names_print_as_escaped_utf8(self):
        """Names carry whatever bytes a file holds: every output stays valid UTF-8 with control
        characters escaped, and JSON output parses."""
        with open(self.zoo, "rb") as f:
            data = f.read()
        # FlatBuffers strings: a 4-byte length, the bytes, a NUL. Same length, hostile bytes.
        for name, hostile in ((b"idx", b"\x1b\xff\x07"), (b"y", b"\x9b")):
            pattern = struct.pack("<I", len(name)) + name + b"\0"
            self.assertIn(pattern, data)
            data = data.replace(pattern, struct.pack("<I", len(name)) + hostile + b"\0")
        bad = os.path.join(self.dir, "hostile.axm")
        with open(bad, "wb") as f:
            f.write(data)

        def check_text(raw, what):
            text = raw.decode("utf-8")  # strict: raises on invalid UTF-8
            controls = [c for c in text if (ord(c) < 0x20 and c != "\n") or ord(c) == 0x7F]
            self.assertEqual(controls, [], f"{what}: control characters in {text!r}")
            return text

        r = subprocess.run([AXLE, "inspect", bad], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("\\x1b\\xff\\x07", check_text(r.stdout, "inspect"))
        r = subprocess.run([AXLE, "inspect", bad, "--json"], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        plan = json.loads(check_text(r.stdout, "inspect --json"))
        names = [t["name"] for t in plan["tensors"]]
        self.assertIn("\\x1b\\xff\\x07", names)
        self.assertIn("\\x9b", names)

        # A runtime error naming the tensor (gather index out of range)...
        inputs = zoo_inputs(np.random.default_rng(1))
        inputs[2] = np.array([0, 9], dtype=np.int64)
        in_dir = self.make_dir("hostile_in")
        for i, a in enumerate(inputs):
            write_pb(os.path.join(in_dir, f"input_{i}.pb"), a)
        r = subprocess.run([AXLE, "run", bad, "--inputs", in_dir, "--outputs",
                            self.make_dir("hostile_out")], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 1)
        err = check_text(r.stderr, "run (data error)").strip()
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("'\\x1b\\xff\\x07'", err)
        # ... and a CLI error naming a model input (wrong shape).
        write_pb(os.path.join(in_dir, "input_1.pb"), np.zeros((5,), np.float32))
        r = subprocess.run([AXLE, "run", bad, "--inputs", in_dir, "--outputs",
                            self.make_dir("hostile_out")], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn("model input 1 '\\x9b' is f32[4]",
                      check_text(r.stderr, "run (input error)"))

        # ONNX node names reach compile errors: one with an escape sequence, one with bytes
        # that are not UTF-8 (patched into the serialized model).
        x = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [2])
        y = helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [2])
        for node_name in ("\x1b[31mRED\x1b[0m", "BADNAME"):
            node = helper.make_node("Bernoulli", ["x"], ["y"], name=node_name)
            model = helper.make_model(helper.make_graph([node], "g", [x], [y]),
                                      opset_imports=[helper.make_opsetid("", 17)])
            blob = model.SerializeToString()
            if node_name == "BADNAME":
                blob = blob.replace(b"BADNAME", b"\xff\xfe\x07\x00NAM")
            path = os.path.join(self.dir, "hostile.onnx")
            with open(path, "wb") as f:
                f.write(blob)
            r = subprocess.run([AXLE, "compile", path, "-o", os.path.join(self.dir, "h.axm")],
                               capture_output=True, timeout=60)
            self.assertEqual(r.returncode, 1, r.stderr)
            err = check_text(r.stderr, f"compile of node {node_name!r}").strip()
            self.assertTrue(err.startswith("error: "), err)
            self.assertEqual(len(err.splitlines()), 1, err)
            self.assertIn("\\x1b[31mRED" if "RED" in node_name else "\\xff\\xfe\\x07\\x00NAM", err)

    def test_execution_options(self):
        """--threads, --cpus and --spin-us: bad values are clear errors, good ones change no
        result bit."""
        x = np.random.default_rng(3).uniform(-1, 1, (1, 16)).astype(np.float32)
        in_dir = self.make_dir("opt_in")
        write_pb(os.path.join(in_dir, "input_0.pb"), x)
        base = ["run", self.mlp, "--inputs", in_dir, "-q"]
        self.assert_error(run(*base, "--outputs", self.dir, "--cpus", ""), 2, "the list is empty")
        self.assert_error(run(*base, "--outputs", self.dir, "--cpus", "0-"), 2,
                          "'0-' is not a CPU number")
        self.assert_error(run(*base, "--outputs", self.dir, "--cpus", "1,x"), 2,
                          "'x' is not a CPU number")
        self.assert_error(run(*base, "--outputs", self.dir, "--cpus", "4000"), 1,
                          "CPU 4000 (entry 0 of the CPU list) is not available to this process")
        self.assert_error(run(*base, "--outputs", self.dir, "--spin-us", "-5"), 2, "--spin-us")
        self.assert_error(run(*base, "--outputs", self.dir, "--spin-us", "2000000"), 2,
                          "to 1000000 at most")
        self.assert_error(run("bench", self.mlp, "--cpus", "4000", "--runs", "1"), 1, "CPU 4000")
        cpus = sorted(os.sched_getaffinity(0))
        outs = []
        for flags in (["--threads", "1"],
                      ["--threads", "2", "--cpus", ",".join(map(str, cpus)), "--spin-us", "0"],
                      ["--threads", "3", "--cpus", str(cpus[-1]), "--spin-us", "50"]):
            out = self.make_dir("opt_out_" + "_".join(flags).replace(",", "."))
            r = run(*base, "--outputs", out, *flags)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(out, "output_0.pb"), "rb") as f:
                outs.append(f.read())
        self.assertEqual(outs[1], outs[0])
        self.assertEqual(outs[2], outs[0])
        r = run("bench", self.mlp, "--threads", "2", "--cpus", str(cpus[0]), "--spin-us", "0",
                "--runs", "2", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["threads"], 2)

if __name__ == "__main__":
    unittest.main(verbosity=2)
