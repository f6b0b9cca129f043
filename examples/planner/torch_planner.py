"""The planner as a PyTorch module, the way a planning team writes it (nn.TransformerEncoder /
nn.TransformerDecoder, batch_first, a key-padding mask), for export_torch.py. Needs torch;
nothing in CI imports this file.
"""
import torch
from torch import nn


class PointNet(nn.Module):
    """Per-point MLP then max-pool over the points of each polyline."""

    def __init__(self, features, d):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(features, d // 2), nn.ReLU(), nn.Linear(d // 2, d))

    def forward(self, polylines):  # [B, P, N, F] -> [B, P, d]
        return self.mlp(polylines).max(dim=2).values


class Planner(nn.Module):
    def __init__(self, d=64, heads=4, ffn=128, encoder_layers=2, decoder_layers=2, agents=16,
                 polylines=8, bev=10, modes=6, steps=6, ego_features=8, agent_features=10,
                 point_features=6, activation="relu"):
        super().__init__()
        self.modes, self.steps = modes, steps
        tokens = 1 + agents + polylines
        self.ego = nn.Linear(ego_features, d)
        self.agent = nn.Sequential(nn.Linear(agent_features, d), nn.ReLU(), nn.Linear(d, d))
        self.map = PointNet(point_features, d)
        self.pos = nn.Parameter(torch.randn(1, tokens, d) * 0.1)
        layer = nn.TransformerEncoderLayer(d, heads, ffn, dropout=0.0, activation=activation,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, encoder_layers, enable_nested_tensor=False)
        self.bev_proj = nn.Conv2d(d, d, kernel_size=1) if bev else None
        self.bev_attn = nn.MultiheadAttention(d, heads, batch_first=True) if bev else None
        self.bev_norm = nn.LayerNorm(d) if bev else None
        self.queries = nn.Parameter(torch.randn(1, modes, d))
        dec = nn.TransformerDecoderLayer(d, heads, ffn, dropout=0.0, activation=activation,
                                         batch_first=True)
        self.decoder = nn.TransformerDecoder(dec, decoder_layers)
        self.traj = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, steps * 3))
        self.score = nn.Linear(d, 1)

    def forward(self, ego, agents, agent_mask, map_polylines, bev):
        b = ego.shape[0]
        tokens = torch.cat([self.ego(ego), self.agent(agents), self.map(map_polylines)], dim=1)
        x = tokens + self.pos
        valid = torch.cat([torch.ones(b, 1, dtype=torch.bool), agent_mask,
                           torch.ones(b, map_polylines.shape[1], dtype=torch.bool)], dim=1)
        padding = ~valid  # True = ignore, PyTorch's key_padding_mask convention
        x = self.encoder(x, src_key_padding_mask=padding)
        if self.bev_proj is not None:
            grid = self.bev_proj(bev).flatten(2).transpose(1, 2)  # [B, H*W, d]
            x = self.bev_norm(x + self.bev_attn(x, grid, grid, need_weights=False)[0])
        q = self.queries.expand(b, -1, -1)
        q = self.decoder(q, x, memory_key_padding_mask=padding)
        traj = self.traj(q).reshape(b, self.modes, self.steps, 3)
        scores = self.score(q).squeeze(-1).softmax(dim=-1)
        return traj, scores
