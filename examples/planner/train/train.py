"""Trains the `trained` planner of the family on the synthetic scenes of scenes.py (needs torch;
CI never runs this: it uses the committed weights, planner_trained.npz).

The torch module below is the graph that make_planner.py writes, op for op and with the same
parameter names and layouts (MatMul weights [in, out], post-LN blocks, additive key-padding
mask, erf GELU), so the trained weights drop into make_planner.build(cfg, weights=...). The
script checks that: after training it builds the ONNX from the weights and compares ONNX
Runtime's outputs with the module's on held-out scenes.

Loss: winner-takes-all over the K modes (the mode closest to the expert in ADE gets a
smooth-L1 regression on x, y and yaw; the mode scores get cross-entropy towards it).

    /path/to/torch/python examples/planner/train/train.py --minutes 10
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import make_planner  # noqa: E402
import scenes  # noqa: E402

TRAIN_SEED, VAL_SEED = 1000, 2000  # evaluate.py's held-out set uses VAL_SEED too


class Planner(torch.nn.Module):
    def __init__(self, cfg, seed=0):
        super().__init__()
        self.cfg = cfg
        # Initial values from make_planner's own random initialisation (same names, shapes).
        model, _ = make_planner.build(cfg, seed=seed)
        from onnx import numpy_helper
        inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
        self.names = sorted(n for n in inits if "." in n or n in ("token_embedding",
                                                                  "mode_queries"))
        self.p = torch.nn.ParameterDict({
            n.replace(".", "__"): torch.nn.Parameter(torch.tensor(inits[n], dtype=torch.float32))
            for n in self.names})

    def w(self, name):
        return self.p[name.replace(".", "__")]

    def linear(self, x, name, act=None):
        y = x @ self.w(name + ".weight") + self.w(name + ".bias")
        if act == "relu":
            return F.relu(y)
        if act == "gelu":
            return x.new_tensor(0.5) * y * (1 + torch.erf(y / math.sqrt(2.0)))
        return y

    def ln(self, x, name):
        return F.layer_norm(x, (self.cfg.d,), self.w(name + ".weight"), self.w(name + ".bias"),
                            1e-5)

    def attention(self, q_in, kv_in, mask, name):
        b, sq, d = q_in.shape
        sk, h = kv_in.shape[1], self.cfg.heads
        dh = d // h
        q = self.linear(q_in, name + ".q_proj").reshape(b, sq, h, dh).transpose(1, 2)
        k = self.linear(kv_in, name + ".k_proj").reshape(b, sk, h, dh).permute(0, 2, 3, 1)
        v = self.linear(kv_in, name + ".v_proj").reshape(b, sk, h, dh).transpose(1, 2)
        s = (q @ k) / math.sqrt(dh)
        if mask is not None:
            s = s + mask
        ctx = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(b, sq, d)
        return self.linear(ctx, name + ".out_proj")

    def forward(self, ego, agents, agent_mask, polylines):
        cfg = self.cfg
        b = ego.shape[0]
        e = self.linear(ego, "ego_encoder")
        a = self.linear(self.linear(agents, "agent_encoder.0", "relu"), "agent_encoder.1")
        pts = self.linear(self.linear(polylines, "map_encoder.0", "relu"), "map_encoder.1")
        x = torch.cat([e, a, pts.max(dim=2).values], 1) + self.w("token_embedding")
        valid = torch.cat([torch.ones(b, 1), agent_mask.float(), torch.ones(b, cfg.polylines)], 1)
        mask = ((1 - valid) * -1e9).reshape(b, 1, 1, -1)
        for i in range(cfg.encoder_layers):
            p = f"encoder.{i}"
            x = self.ln(x + self.attention(x, x, mask, p + ".self_attn"), p + ".attn.norm")
            x = self.ln(x + self.linear(self.linear(x, p + ".ffn.fc1", cfg.act), p + ".ffn.fc2"),
                        p + ".ffn.norm")
        q = self.w("mode_queries").expand(b, -1, -1)
        for i in range(cfg.decoder_layers):
            p = f"decoder.{i}"
            q = self.ln(q + self.attention(q, q, None, p + ".self_attn"), p + ".self.norm")
            q = self.ln(q + self.attention(q, x, mask, p + ".cross_attn"), p + ".cross.norm")
            q = self.ln(q + self.linear(self.linear(q, p + ".ffn.fc1", cfg.act), p + ".ffn.fc2"),
                        p + ".ffn.norm")
        traj = self.linear(self.linear(q, "traj_head.0", "relu"), "traj_head.1")
        logits = self.linear(q, "score_head").reshape(b, cfg.modes)
        return traj.reshape(b, cfg.modes, cfg.steps, 3), logits


def tensors(d, idx=None):
    sel = (lambda a: a[idx]) if idx is not None else (lambda a: a)
    return (torch.from_numpy(sel(d["ego"])), torch.from_numpy(sel(d["agents"])),
            torch.from_numpy(sel(d["agent_mask"])), torch.from_numpy(sel(d["map_polylines"])))


def metrics(traj, logits, target):
    """ADE/FDE in metres: best-of-K (minADE/minFDE) and the top-scored mode."""
    err = np.linalg.norm(traj[..., :2] - target[:, None, :, :2], axis=-1)  # [n, K, T]
    ade, fde = err.mean(-1), err[..., -1]
    top = logits.argmax(-1)
    rows = np.arange(len(top))
    return {"minADE": float(ade.min(-1).mean()), "minFDE": float(fde.min(-1).mean()),
            "top1_ADE": float(ade[rows, top].mean()), "top1_FDE": float(fde[rows, top].mean())}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train-scenes", type=int, default=40000)
    ap.add_argument("--val-scenes", type=int, default=2000)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default=HERE)
    a = ap.parse_args()
    torch.manual_seed(0)
    cfg = make_planner.CONFIGS["trained"]
    log_lines = []

    def log(msg):
        print(msg, flush=True)
        log_lines.append(msg)

    t0 = time.time()
    tr = scenes.scenes(a.train_scenes, TRAIN_SEED, cfg.agents, cfg.polylines, cfg.steps)
    va = scenes.scenes(a.val_scenes, VAL_SEED, cfg.agents, cfg.polylines, cfg.steps)
    log(f"scenes: {a.train_scenes} train (seed {TRAIN_SEED}), {a.val_scenes} held out "
        f"(seed {VAL_SEED}), generated in {time.time() - t0:.0f} s")
    model = Planner(cfg)
    # The trajectory head answers in metres (up to ~150): start its bias at the mean expert
    # trajectory and widen its weights, or Adam's ~lr-sized steps take forever to get there.
    with torch.no_grad():
        mean = torch.from_numpy(tr["target"].mean(0).reshape(-1))
        model.w("traj_head.1.bias").copy_(mean)
        model.w("traj_head.1.weight").mul_(10.0)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"planner 'trained': {n_params:,} parameters, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads")
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    target = torch.from_numpy(tr["target"])
    steps_per_epoch = a.train_scenes // a.batch
    deadline = time.time() + 60 * a.minutes
    step, epoch = 0, 0
    est_total = None
    while time.time() < deadline:
        perm = torch.randperm(a.train_scenes)
        model.train()
        total = 0.0
        for i in range(steps_per_epoch):
            idx = perm[i * a.batch:(i + 1) * a.batch].numpy()
            traj, logits = model(*tensors(tr, idx))
            gt = target[idx]
            ade = (traj[..., :2] - gt[:, None, :, :2]).norm(dim=-1).mean(-1)  # [b, K]
            best = ade.argmin(-1)
            chosen = traj[torch.arange(len(idx)), best]
            reg = F.smooth_l1_loss(chosen[..., :2] / 2, gt[..., :2] / 2) + F.smooth_l1_loss(
                chosen[..., 2] * 10, gt[..., 2] * 10)
            loss = reg + 0.5 * F.cross_entropy(logits, best)
            # Cosine learning rate over the time budget.
            if est_total:
                frac = min(step / est_total, 1.0)
                for g in opt.param_groups:
                    g["lr"] = a.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * frac)))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            total += loss.item()
            step += 1
        epoch += 1
        elapsed = time.time() - (deadline - 60 * a.minutes)
        est_total = int(step * (60 * a.minutes) / elapsed)
        model.eval()
        with torch.no_grad():
            vt, vl = model(*tensors(va))
        m = metrics(vt.numpy(), vl.numpy(), va["target"])
        log(f"epoch {epoch:3d} step {step:6d} loss {total / steps_per_epoch:.4f} "
            f"held-out minADE {m['minADE']:.3f} minFDE {m['minFDE']:.3f} top1 ADE "
            f"{m['top1_ADE']:.3f} FDE {m['top1_FDE']:.3f} m  ({elapsed:.0f} s)")

    weights = {n: model.w(n).detach().numpy().astype(np.float32) for n in model.names}
    npz = os.path.join(a.out, "planner_trained.npz")
    np.savez_compressed(npz, **weights)
    # The ONNX built from the weights must compute what the module computes.
    import onnxruntime as ort
    onnx_model, _ = make_planner.build(cfg, weights=weights)
    sess = ort.InferenceSession(onnx_model.SerializeToString(), providers=["CPUExecutionProvider"])
    worst = 0.0
    with torch.no_grad():
        for i in range(16):
            feeds = {k: va[k][i:i + 1] for k in ("ego", "agents", "agent_mask", "map_polylines")}
            ot, os_ = sess.run(None, feeds)
            mt, ml = model(*tensors(va, slice(i, i + 1)))
            worst = max(worst, float(np.abs(ot - mt.numpy()).max()),
                        float(np.abs(os_ - torch.softmax(ml, -1).numpy()).max()))
    log(f"ONNX (make_planner.build with these weights) vs torch on 16 held-out scenes: max |diff| "
        f"{worst:.2e}")
    with open(os.path.join(a.out, "train_log.txt"), "w") as f:
        f.write("\n".join(log_lines) + "\n")
    log(f"wrote {npz} ({os.path.getsize(npz):,} bytes)")


if __name__ == "__main__":
    main()
