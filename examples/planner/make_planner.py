"""The reference distilled-planner family, generated as ONNX (opset 17, static shapes, fixed seed).

A post-perception transformer planner: one ego-state token, N agent tokens (with a validity
mask), M map polylines (points encoded by a small MLP and max-pooled), optionally a BEV map
projected to dense tokens; a transformer encoder over the scene tokens; a decoder of K learned
mode queries that self-attend and cross-attend to the encoder memory; heads that output
trajectories [1, K, T, 3] (x, y, yaw) and mode scores [1, K].

The graph is written the way exporters write it (MatMul + Add linears, Reshape/Transpose head
splits, explicit Softmax attention), and each --variant knob picks one of the export forms the
compiler must handle: LayerNormalization op or its decomposed chain, erf- or tanh-GELU, the
attention scale by Div, Mul or split sqrt-scales on Q and K, the key-padding mask as an
additive bias or through Where.

    python examples/planner/make_planner.py --config small -o build/planner
    python examples/planner/make_planner.py --table      # the README's table

Only numpy and onnx are needed (no torch).
"""
import argparse
import dataclasses
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


@dataclasses.dataclass(frozen=True)
class Config:
    name: str
    d: int
    heads: int
    ffn: int
    encoder_layers: int
    decoder_layers: int
    agents: int
    polylines: int
    modes: int
    steps: int
    act: str = "relu"            # FFN activation: relu | gelu
    pre_ln: bool = False         # pre-LN blocks and a final LayerNorm (else post-LN)
    bev: int = 0                 # BEV grid side (0: none); BEV channels = d
    decoder_passes: int = 1      # decoder runs (shared weights) for refinement
    points: int = 20             # points per map polyline
    ego_features: int = 8
    agent_features: int = 10
    point_features: int = 6
    cameras: int = 0             # surround cameras (0: none), each [3, image, image]
    image: int = 64              # camera image side; a conv encoder gives (image / 8)^2 tokens

    @property
    def camera_tokens(self):
        return self.cameras * (self.image // 8) ** 2

    @property
    def tokens(self):
        return 1 + self.agents + self.polylines + self.camera_tokens


CONFIGS = {
    "tiny": Config("tiny", d=256, heads=8, ffn=512, encoder_layers=2, decoder_layers=3,
                   agents=64, polylines=32, modes=6, steps=6, act="relu", bev=50),
    "small": Config("small", d=512, heads=8, ffn=2048, encoder_layers=4, decoder_layers=3,
                    agents=128, polylines=128, modes=20, steps=8, act="gelu"),
    "base": Config("base", d=768, heads=12, ffn=3072, encoder_layers=6, decoder_layers=6,
                   agents=256, polylines=384, modes=64, steps=8, act="gelu", pre_ln=True,
                   decoder_passes=2),
    # The trained planner (examples/planner/train/): small enough to train on a laptop CPU,
    # judged on the synthetic scenes of train/scenes.py (12 steps of 0.5 s).
    "trained": Config("trained", d=128, heads=4, ffn=256, encoder_layers=2, decoder_layers=2,
                      agents=16, polylines=8, modes=6, steps=12, act="gelu"),
    # The camera member: the trained planner's dimensions with six surround cameras whose conv
    # encoder (stride-2 3x3 stages, a depthwise 3x3, a 1x1 projection) adds image tokens to the
    # scene tokens: a vision-to-trajectory plan (random weights).
    "camera": Config("camera", d=128, heads=4, ffn=256, encoder_layers=2, decoder_layers=2,
                     agents=16, polylines=8, modes=6, steps=12, act="gelu", cameras=6, image=64),
}


@dataclasses.dataclass(frozen=True)
class Variant:
    ln: str = "op"        # op | decomposed
    gelu: str = "erf"     # erf | tanh
    scale: str = "div"    # div | mul | sqrt
    mask: str = "add"     # add | where

    @property
    def suffix(self):
        parts = [f"{k}-{v}" for k, v in dataclasses.asdict(self).items()
                 if v != getattr(Variant(), k)]
        return "_".join(parts)


class Graph:
    """Nodes and initializers, with exporter-style helpers."""

    def __init__(self, cfg, variant, seed, weights=None):
        self.cfg, self.v = cfg, variant
        self.weights = weights  # name -> array: trained weights instead of random ones
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.params = [], {}, 0
        self.counter = 0

    def name(self, hint):
        self.counter += 1
        return f"{hint}_{self.counter}"

    def const(self, array, hint="const"):
        name = self.name(hint)
        self.inits[name] = numpy_helper.from_array(np.asarray(array), name)
        return name

    def param(self, name, array_fn):
        """A weight, created once per name (a second use shares it)."""
        if name not in self.inits:
            if self.weights is not None:
                a = np.asarray(self.weights[name], dtype=np.float32)
            else:
                a = np.asarray(array_fn(), dtype=np.float32)
            self.inits[name] = numpy_helper.from_array(a, name)
            self.params += a.size
        return name

    def op(self, op_type, inputs, hint=None, **attrs):
        out = self.name(hint or op_type)
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def scalar(self, value, hint="scalar"):
        return self.const(np.array(value, dtype=np.float32), hint)

    # --- layers ---

    def conv(self, x, c_in, c_out, k, stride, name, group=1, act="relu"):
        """Conv2d (+ bias, + ReLU), He-initialized: a conv stage as the exporters write it."""
        w = self.param(name + ".weight", lambda: self.rng.normal(
            0, np.sqrt(2.0 / (c_in // group * k * k)), (c_out, c_in // group, k, k)))
        b = self.param(name + ".bias", lambda: self.rng.normal(0, 0.05, c_out))
        y = self.op("Conv", [x, w, b], name, kernel_shape=[k, k], strides=[stride, stride],
                    pads=[k // 2] * 4, group=group)
        return self.op("Relu", [y], name + "/relu") if act == "relu" else y

    def camera_encoder(self, x):
        """[1, N, 3, H, W] images -> [1, N (H/8)(W/8), d] tokens (+ a learned embedding)."""
        cfg = self.cfg
        n, side = cfg.cameras, cfg.image // 8
        imgs = self.op("Reshape", [x, self.const(np.array([n, 3, cfg.image, cfg.image], np.int64),
                                                 "shape")], "camera_encoder/batch")
        h = self.conv(imgs, 3, 16, 3, 2, "camera_encoder.0")
        h = self.conv(h, 16, 32, 3, 2, "camera_encoder.1")
        h = self.conv(h, 32, 64, 3, 2, "camera_encoder.2")
        h = self.conv(h, 64, 64, 3, 1, "camera_encoder.3", group=64)  # depthwise
        h = self.conv(h, 64, cfg.d, 1, 1, "camera_encoder.4", act=None)
        h = self.op("Reshape", [h, self.const(np.array([1, n, cfg.d, side * side], np.int64),
                                              "shape")])
        h = self.op("Transpose", [h], perm=[0, 1, 3, 2])
        h = self.op("Reshape", [h, self.const(np.array([1, n * side * side, cfg.d], np.int64),
                                              "shape")], "camera_tokens")
        emb = self.param("camera_embedding",
                         lambda: self.rng.normal(0, 0.1, (1, n * side * side, cfg.d)))
        return self.op("Add", [h, emb], "camera_tokens/pos")

    def linear(self, x, n_in, n_out, name, act=None):
        w = self.param(name + ".weight",
                       lambda: self.rng.normal(0, n_in ** -0.5, (n_in, n_out)))
        b = self.param(name + ".bias", lambda: self.rng.normal(0, 0.02, n_out))
        y = self.op("Add", [self.op("MatMul", [x, w], name + "/MatMul"), b], name + "/Add")
        if act == "relu":
            y = self.op("Relu", [y], name + "/Relu")
        elif act == "gelu":
            y = self.gelu(y, name)
        return y

    def gelu(self, x, name):
        if self.v.gelu == "erf":  # torch.nn.functional.gelu as torch.onnx exports it
            e = self.op("Erf", [self.op("Div", [x, self.scalar(np.sqrt(2.0))], name + "/Div")])
            return self.op("Mul", [self.op("Mul", [x, self.op("Add", [e, self.scalar(1.0)])]),
                                   self.scalar(0.5)], name + "/gelu")
        cube = self.op("Pow", [x, self.scalar(3.0)], name + "/Pow")
        inner = self.op("Add", [x, self.op("Mul", [self.scalar(0.044715), cube])])
        t = self.op("Tanh", [self.op("Mul", [inner, self.scalar(np.sqrt(2 / np.pi))])])
        half_x = self.op("Mul", [self.scalar(0.5), x])
        return self.op("Mul", [half_x, self.op("Add", [self.scalar(1.0), t])], name + "/gelu")

    def layer_norm(self, x, name):
        d = self.cfg.d
        g = self.param(name + ".weight", lambda: 1 + self.rng.normal(0, 0.05, d))
        b = self.param(name + ".bias", lambda: self.rng.normal(0, 0.05, d))
        if self.v.ln == "op":
            return self.op("LayerNormalization", [x, g, b], name, axis=-1, epsilon=1e-5)
        mean = self.op("ReduceMean", [x], name + "/mean", axes=[-1], keepdims=1)
        dx = self.op("Sub", [x, mean])
        var = self.op("ReduceMean", [self.op("Pow", [dx, self.scalar(2.0)])], axes=[-1],
                      keepdims=1)
        std = self.op("Sqrt", [self.op("Add", [var, self.scalar(1e-5)])])
        y = self.op("Div", [dx, std])
        return self.op("Add", [self.op("Mul", [y, g]), b], name)

    def split_heads(self, x, seq, perm):
        cfg = self.cfg
        shape = self.const(np.array([1, seq, cfg.heads, cfg.d // cfg.heads], np.int64), "shape")
        return self.op("Transpose", [self.op("Reshape", [x, shape])], perm=perm)

    def attention(self, q_in, kv_in, sq, sk, mask, name):
        """Multi-head attention as exported: projections, head split, scores, softmax."""
        cfg, d = self.cfg, self.cfg.d
        dh = d // cfg.heads
        q = self.split_heads(self.linear(q_in, d, d, name + ".q_proj"), sq, [0, 2, 1, 3])
        k_lin = self.linear(kv_in, d, d, name + ".k_proj")
        v = self.split_heads(self.linear(kv_in, d, d, name + ".v_proj"), sk, [0, 2, 1, 3])
        if self.v.scale == "sqrt":  # F.scaled_dot_product_attention's export
            s = self.scalar(dh ** -0.25)
            kt = self.op("Transpose", [self.split_heads(k_lin, sk, [0, 2, 1, 3])],
                         perm=[0, 1, 3, 2])
            scores = self.op("MatMul", [self.op("Mul", [q, s]), self.op("Mul", [kt, s])])
        else:
            kt = self.split_heads(k_lin, sk, [0, 2, 3, 1])
            scores = self.op("MatMul", [q, kt], name + "/scores")
            if self.v.scale == "div":
                scores = self.op("Div", [scores, self.scalar(np.sqrt(dh))])
            else:
                scores = self.op("Mul", [scores, self.scalar(1 / np.sqrt(dh))])
        if mask is not None:
            if self.v.mask == "add":
                scores = self.op("Add", [scores, mask])
            else:
                scores = self.op("Where", [mask, self.scalar(-np.inf), scores])
        probs = self.op("Softmax", [scores], name + "/softmax", axis=-1)
        ctx = self.op("Transpose", [self.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
        ctx = self.op("Reshape", [ctx, self.const(np.array([1, sq, d], np.int64), "shape")])
        return self.linear(ctx, d, d, name + ".out_proj")

    def ffn(self, x, name):
        d, f = self.cfg.d, self.cfg.ffn
        return self.linear(self.linear(x, d, f, name + ".fc1", act=self.cfg.act), f, d,
                           name + ".fc2")

    def block(self, x, sublayer, name):
        """Residual sublayer, post-LN or pre-LN."""
        if self.cfg.pre_ln:
            return self.op("Add", [x, sublayer(self.layer_norm(x, name + ".norm"))])
        return self.layer_norm(self.op("Add", [x, sublayer(x)]), name + ".norm")


def build(cfg, variant=Variant(), seed=0, weights=None):
    """The planner as ONNX, with random weights (seeded) or `weights` (name -> array, e.g. the
    trained planner's train/planner_trained.npz)."""
    g = Graph(cfg, variant, seed, weights)
    d, n = cfg.d, cfg.tokens
    inputs = [
        helper.make_tensor_value_info("ego", TensorProto.FLOAT, [1, 1, cfg.ego_features]),
        helper.make_tensor_value_info("agents", TensorProto.FLOAT,
                                      [1, cfg.agents, cfg.agent_features]),
        helper.make_tensor_value_info("agent_mask", TensorProto.BOOL, [1, cfg.agents]),
        helper.make_tensor_value_info("map_polylines", TensorProto.FLOAT,
                                      [1, cfg.polylines, cfg.points, cfg.point_features]),
    ]
    if cfg.bev:
        inputs.append(helper.make_tensor_value_info("bev", TensorProto.FLOAT,
                                                    [1, d, cfg.bev, cfg.bev]))
    if cfg.cameras:
        inputs.append(helper.make_tensor_value_info(
            "cameras", TensorProto.FLOAT, [1, cfg.cameras, 3, cfg.image, cfg.image]))

    # Scene tokens: ego, agents (2-layer MLP), map polylines (point MLP + max-pool over points).
    ego = g.linear("ego", cfg.ego_features, d, "ego_encoder")
    agents = g.linear(g.linear("agents", cfg.agent_features, d, "agent_encoder.0", act="relu"),
                      d, d, "agent_encoder.1")
    pts = g.linear(g.linear("map_polylines", cfg.point_features, d // 2, "map_encoder.0",
                            act="relu"), d // 2, d, "map_encoder.1")
    polylines = g.op("ReduceMax", [pts], "map_encoder/maxpool", axes=[2], keepdims=0)
    parts = [ego, agents, polylines]
    if cfg.cameras:
        parts.append(g.camera_encoder("cameras"))
    tokens = g.op("Concat", parts, "scene_tokens", axis=1)
    pos = g.param("token_embedding", lambda: g.rng.normal(0, 0.1, (1, n, d)))
    x = g.op("Add", [tokens, pos], "scene_tokens/pos")

    # Key-padding mask over the scene tokens (ego and map always valid).
    valid = g.op("Concat", [g.const(np.ones((1, 1), bool), "ego_valid"), "agent_mask",
                            g.const(np.ones((1, cfg.polylines + cfg.camera_tokens), bool),
                                    "map_valid")],
                 "key_valid", axis=1)
    mask_shape = g.const(np.array([1, 1, 1, n], np.int64), "mask_shape")
    if variant.mask == "add":
        invalid = g.op("Sub", [g.scalar(1.0), g.op("Cast", [valid], to=TensorProto.FLOAT)])
        mask = g.op("Reshape", [g.op("Mul", [invalid, g.scalar(-1e9)]), mask_shape],
                    "key_padding_bias")
    else:
        mask = g.op("Reshape", [g.op("Not", [valid]), mask_shape], "key_padding_mask")

    for i in range(cfg.encoder_layers):
        p = f"encoder.{i}"
        x = g.block(x, lambda h, p=p: g.attention(h, h, n, n, mask, p + ".self_attn"),
                    p + ".attn")
        x = g.block(x, lambda h, p=p: g.ffn(h, p + ".ffn"), p + ".ffn")
    if cfg.bev:  # dense cross-attention to the BEV grid: a 1x1 conv as a linear projection
        side = cfg.bev * cfg.bev
        bev = g.op("Transpose", [g.op("Reshape", ["bev", g.const(np.array([1, d, side], np.int64),
                                                                 "shape")])], perm=[0, 2, 1])
        bev = g.linear(bev, d, d, "bev_proj")
        x = g.block(x, lambda h: g.attention(h, bev, n, side, None, "bev.cross_attn"),
                    "bev.attn")
        x = g.block(x, lambda h: g.ffn(h, "bev.ffn"), "bev.ffn")
    if cfg.pre_ln:
        x = g.layer_norm(x, "encoder.final_norm")
    memory = x

    # Decoder: K learned mode queries (run decoder_passes times with shared weights).
    q = g.param("mode_queries", lambda: g.rng.normal(0, 1.0, (1, cfg.modes, d)))
    k = cfg.modes
    for _ in range(cfg.decoder_passes):
        for i in range(cfg.decoder_layers):
            p = f"decoder.{i}"
            q = g.block(q, lambda h, p=p: g.attention(h, h, k, k, None, p + ".self_attn"),
                        p + ".self")
            q = g.block(q, lambda h, p=p: g.attention(h, memory, k, n, mask, p + ".cross_attn"),
                        p + ".cross")
            q = g.block(q, lambda h, p=p: g.ffn(h, p + ".ffn"), p + ".ffn")
    if cfg.pre_ln:
        q = g.layer_norm(q, "decoder.final_norm")

    traj = g.linear(g.linear(q, d, d, "traj_head.0", act="relu"), d, cfg.steps * 3, "traj_head.1")
    g.nodes.append(helper.make_node(
        "Reshape", [traj, g.const(np.array([1, k, cfg.steps, 3], np.int64), "shape")],
        ["trajectories"], name="trajectories"))
    logits = g.op("Reshape", [g.linear(q, d, 1, "score_head"),
                              g.const(np.array([1, k], np.int64), "shape")])
    g.nodes.append(helper.make_node("Softmax", [logits], ["mode_scores"], name="mode_scores",
                                    axis=-1))
    outputs = [
        helper.make_tensor_value_info("trajectories", TensorProto.FLOAT, [1, k, cfg.steps, 3]),
        helper.make_tensor_value_info("mode_scores", TensorProto.FLOAT, [1, k]),
    ]
    graph = helper.make_graph(g.nodes, f"planner_{cfg.name}", inputs, outputs,
                              list(g.inits.values()))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="axle make_planner.py")
    model.ir_version = 8
    return model, g.params


def scene(cfg, seed=1):
    """A plausible sample scene: agents around the ego (some absent), lane polylines ahead."""
    rng = np.random.default_rng(seed)
    ego = np.array([[[0, 0, 0, 8.0, 0, 0.2, 0, 0.01]]], np.float32)
    agents = np.zeros((1, cfg.agents, cfg.agent_features), np.float32)
    present = min(cfg.agents, 3 * cfg.agents // 4)
    agents[0, :present, 0:2] = rng.uniform(-40, 60, (present, 2)) / 20
    agents[0, :present, 2] = rng.uniform(-np.pi, np.pi, present)
    agents[0, :present, 3:5] = rng.normal(0, 4, (present, 2)) / 10
    agents[0, :present, 5:] = rng.normal(0, 0.5, (present, cfg.agent_features - 5))
    mask = np.zeros((1, cfg.agents), bool)
    mask[0, :present] = True
    lanes = np.zeros((1, cfg.polylines, cfg.points, cfg.point_features), np.float32)
    for i in range(cfg.polylines):
        offset, heading = rng.uniform(-3, 3), rng.normal(0, 0.1)
        s = np.linspace(0, 1, cfg.points)
        lanes[0, i, :, 0] = s * 2 * np.cos(heading)
        lanes[0, i, :, 1] = offset / 3 + s * 2 * np.sin(heading)
        lanes[0, i, :, 2] = np.cos(heading)
        lanes[0, i, :, 3] = np.sin(heading)
        lanes[0, i, :, 4] = i % 3
        lanes[0, i, :, 5] = 1
    arrays = {"ego": ego, "agents": agents, "agent_mask": mask, "map_polylines": lanes}
    if cfg.bev:
        arrays["bev"] = rng.normal(0, 1, (1, cfg.d, cfg.bev, cfg.bev)).astype(np.float32)
    if cfg.cameras:  # normalized images: smooth gradients plus noise
        yy, xx = np.meshgrid(np.linspace(-1, 1, cfg.image), np.linspace(-1, 1, cfg.image),
                             indexing="ij")
        cams = np.stack([np.stack([np.sin(3 * xx + c + k) * np.cos(2 * yy - k) for k in range(3)])
                         for c in range(cfg.cameras)])[None]
        arrays["cameras"] = (cams + rng.normal(0, 0.1, cams.shape)).astype(np.float32)
    return arrays


def write_scene(cfg, directory, seed=1):
    os.makedirs(directory, exist_ok=True)
    for i, (name, a) in enumerate(scene(cfg, seed).items()):
        with open(os.path.join(directory, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(a, name).SerializeToString())


def table():
    rows = ["| config | d / heads / FFN | blocks | layers (enc + dec) | scene tokens | "
            "BEV tokens | modes x steps | parameters |", "|---|---|---|---|---|---|---|---|"]
    for cfg in CONFIGS.values():
        _, params = build(cfg)
        act = "ReLU" if cfg.act == "relu" else "GELU(erf)"
        dec = f"{cfg.decoder_layers}" + (f" (run {cfg.decoder_passes}x, shared)"
                                         if cfg.decoder_passes > 1 else "")
        rows.append(f"| {cfg.name} | {cfg.d} / {cfg.heads} / {cfg.ffn} {act} | "
                    f"{'pre-LN + final LN' if cfg.pre_ln else 'post-LN'} | "
                    f"{cfg.encoder_layers} + {dec} | {cfg.tokens} (1 + {cfg.agents} + "
                    f"{cfg.polylines}{f' + {cfg.camera_tokens}' if cfg.cameras else ''}) | {cfg.bev * cfg.bev or '-'} | {cfg.modes} x {cfg.steps} | "
                    f"{params:,} |")
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", choices=sorted(CONFIGS), default="tiny")
    ap.add_argument("-o", "--out", default=".", help="directory for the .onnx and the scene")
    ap.add_argument("--ln", choices=["op", "decomposed"], default="op")
    ap.add_argument("--gelu", choices=["erf", "tanh"], default="erf")
    ap.add_argument("--scale", choices=["div", "mul", "sqrt"], default="div")
    ap.add_argument("--mask", choices=["add", "where"], default="add")
    ap.add_argument("--act", choices=["relu", "gelu"], help="override the FFN activation")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--table", action="store_true", help="print the family table and exit")
    a = ap.parse_args()
    if a.table:
        print(table())
        return 0
    cfg = CONFIGS[a.config]
    if a.act:
        cfg = dataclasses.replace(cfg, act=a.act)
    variant = Variant(ln=a.ln, gelu=a.gelu, scale=a.scale, mask=a.mask)
    model, params = build(cfg, variant, a.seed)
    stem = f"planner_{cfg.name}" + (f"_{variant.suffix}" if variant.suffix else "") + \
        (f"_act-{a.act}" if a.act else "")
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, stem + ".onnx")
    onnx.save(model, path)
    write_scene(cfg, os.path.join(a.out, f"scene_{cfg.name}"))
    print(f"wrote {path}: {params:,} parameters, {len(model.graph.node)} nodes; "
          f"sample scene in {os.path.join(a.out, f'scene_{cfg.name}')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
