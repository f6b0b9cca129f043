"""Exports the model classes people deploy, from stock PyTorch libraries at small widths, with
both torch exporters, into tests/exported/fixtures/<model>_<exporter>/ (model.onnx and
test_data_set_0/input_*.pb; PyTorch's own outputs as output_*.pb). Needs torch, torchvision and
transformers (not in CI: the fixtures are committed; each is well under 5 MB).

    python tests/exported/export_models.py [--out tests/exported/fixtures] [--only NAME]
        [--size test|bench]

--size bench writes the benchmark sizes instead (bench/model_classes.py; tens of MB, never
committed): torchvision's resnet18 and mobilenet_v2 at 224x224, a ViT-Ti/16 at 224x224, a
BERT-style encoder (d 256, 4 layers, 128 tokens), a Qwen2-style prefill (d 512, 8 layers, GQA
8:2, 64 tokens), a torch.nn.Transformer planner (4 + 2 layers, d 256, 96 / 12 tokens) and DETR's
shape at 320x320.

Models: resnet (torchvision BasicBlock/Bottleneck stages), mobilenetv2 (torchvision, depthwise
+ ReLU6), vit (torchvision VisionTransformer), bert (transformers BertModel with an attention
mask, mean pooling and an L2-normalize head), qwen2 (transformers Qwen2ForCausalLM prefill:
RMSNorm, RoPE, GQA, SwiGLU, causal mask), transformer (torch.nn.Transformer encoder-decoder with
a causal target mask), detr (a conv backbone, sine positions, nn.Transformer and box/class
heads). Exporters: "ts" (torch.onnx.export TorchScript-based, opset 17) and "dynamo" (the
torch.export-based default, opset 18).
"""
import argparse
import math
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper


class TinyResNet(nn.Module):
    """A ResNet from torchvision's blocks at widths 16-64 (torchvision's resnet18 is 45 MB)."""

    def __init__(self, classes=10):
        super().__init__()
        from torchvision.models.resnet import BasicBlock, Bottleneck
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 7, 2, 3, bias=False), nn.BatchNorm2d(16),
                                  nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1))

        def down(cin, cout, stride):
            return nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        self.layer1 = BasicBlock(16, 16)
        self.layer2 = BasicBlock(16, 32, 2, down(16, 32, 2))
        self.layer3 = Bottleneck(32, 16, 2, down(32, 64, 2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return self.fc(torch.flatten(self.pool(x), 1))


class BertEmbedder(nn.Module):
    """A sentence embedder: BERT encoder, masked mean pooling, L2 normalization."""

    def __init__(self, d=64, layers=2, heads=4, ff=128, vocab=500, positions=64):
        super().__init__()
        from transformers import BertConfig, BertModel
        cfg = BertConfig(vocab_size=vocab, hidden_size=d, num_hidden_layers=layers,
                         num_attention_heads=heads, intermediate_size=ff,
                         max_position_embeddings=positions)
        self.bert = BertModel(cfg, add_pooling_layer=False)

    def forward(self, input_ids, attention_mask):
        h = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return F.normalize(pooled, p=2, dim=1)


class Qwen2Prefill(nn.Module):
    """The prefill of a Qwen2-architecture decoder: logits for every prompt position."""

    def __init__(self, d=64, ff=128, layers=2, heads=4, kv_heads=2, vocab=500):
        super().__init__()
        from transformers import Qwen2Config, Qwen2ForCausalLM
        cfg = Qwen2Config(vocab_size=vocab, hidden_size=d, intermediate_size=ff,
                          num_hidden_layers=layers, num_attention_heads=heads,
                          num_key_value_heads=kv_heads, max_position_embeddings=128,
                          tie_word_embeddings=False)
        self.lm = Qwen2ForCausalLM(cfg)

    def forward(self, input_ids):
        # An explicit mask and positions, as a prefill engine passes them (and what lets the
        # TorchScript exporter trace transformers' mask construction).
        positions = torch.arange(input_ids.shape[1]).unsqueeze(0)
        mask = torch.ones_like(input_ids)
        return self.lm(input_ids=input_ids, attention_mask=mask, position_ids=positions,
                       use_cache=False).logits


class Seq2Seq(nn.Module):
    """torch.nn.Transformer as a planning team writes it: batch_first, a causal target mask."""

    def __init__(self, d=64, heads=4, enc=2, dec=2, ff=128):
        super().__init__()
        self.t = nn.Transformer(d_model=d, nhead=heads, num_encoder_layers=enc,
                                num_decoder_layers=dec, dim_feedforward=ff, dropout=0.0,
                                batch_first=True)
        self.head = nn.Linear(d, 3)

    def forward(self, src, tgt):
        mask = nn.Transformer.generate_square_subsequent_mask(tgt.shape[1])
        return self.head(self.t(src, tgt, tgt_mask=mask, tgt_is_causal=True))


class TinyDetr(nn.Module):
    """DETR's shape: conv backbone, sine positional encoding, transformer, box and class heads."""

    def __init__(self, queries=8, classes=5, d=64):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, d, 3, 2, 1), nn.ReLU())
        self.t = nn.Transformer(d_model=d, nhead=4, num_encoder_layers=1, num_decoder_layers=2,
                                dim_feedforward=128, dropout=0.0, batch_first=True)
        self.queries = nn.Parameter(torch.randn(1, queries, d))
        self.cls = nn.Linear(d, classes + 1)
        self.box = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 4))
        self.d = d

    def positions(self, h, w):
        y = torch.arange(h, dtype=torch.float32).unsqueeze(1).expand(h, w)
        x = torch.arange(w, dtype=torch.float32).unsqueeze(0).expand(h, w)
        freq = torch.exp(torch.arange(0, self.d // 2, 2, dtype=torch.float32) *
                         (-math.log(10000.0) / (self.d // 2)))
        py = y.reshape(-1, 1) * freq
        px = x.reshape(-1, 1) * freq
        return torch.cat([py.sin(), py.cos(), px.sin(), px.cos()], dim=1).unsqueeze(0)

    def forward(self, image):
        f = self.backbone(image)
        b, c, h, w = f.shape
        tokens = f.flatten(2).transpose(1, 2) + self.positions(h, w)
        hs = self.t(tokens, self.queries.expand(b, -1, -1))
        return self.cls(hs).softmax(-1), self.box(hs).sigmoid()


def models():
    from torchvision.models import MobileNetV2, VisionTransformer
    g = torch.Generator().manual_seed(1)
    image = torch.randn(1, 3, 64, 64, generator=g)
    ids = torch.randint(0, 500, (1, 16), generator=g)
    mask = torch.ones(1, 16, dtype=torch.int64)
    mask[0, 11:] = 0
    return {
        "resnet": (TinyResNet(), (image,), ["image"], ["logits"]),
        "mobilenetv2": (MobileNetV2(num_classes=10, width_mult=0.25), (image,), ["image"],
                        ["logits"]),
        "vit": (VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=4,
                                  hidden_dim=64, mlp_dim=128, num_classes=10),
                (torch.randn(1, 3, 32, 32, generator=g),), ["image"], ["logits"]),
        "bert": (BertEmbedder(), (ids, mask), ["input_ids", "attention_mask"], ["sentence_embedding"]),
        "qwen2": (Qwen2Prefill(), (ids,), ["input_ids"], ["logits"]),
        "transformer": (Seq2Seq(), (torch.randn(1, 12, 64, generator=g),
                                    torch.randn(1, 6, 64, generator=g)), ["src", "tgt"],
                        ["out"]),
        "detr": (TinyDetr(), (image,), ["image"], ["class_probs", "boxes"]),
    }


def bench_models():
    from torchvision.models import mobilenet_v2, resnet18, VisionTransformer
    g = torch.Generator().manual_seed(1)
    image = torch.randn(1, 3, 224, 224, generator=g)
    ids = torch.randint(0, 8000, (1, 128), generator=g)
    mask = torch.ones(1, 128, dtype=torch.int64)
    mask[0, 100:] = 0
    prompt = torch.randint(0, 8000, (1, 64), generator=g)
    return {
        "resnet18": (resnet18(), (image,), ["image"], ["logits"]),
        "mobilenetv2": (mobilenet_v2(), (image,), ["image"], ["logits"]),
        "vit": (VisionTransformer(image_size=224, patch_size=16, num_layers=12, num_heads=3,
                                  hidden_dim=192, mlp_dim=768, num_classes=1000),
                (image,), ["image"], ["logits"]),
        "bert": (BertEmbedder(d=256, layers=4, heads=4, ff=1024, vocab=8000, positions=128),
                 (ids, mask), ["input_ids", "attention_mask"], ["sentence_embedding"]),
        "qwen2": (Qwen2Prefill(d=512, ff=1536, layers=8, heads=8, kv_heads=2, vocab=8000),
                  (prompt,), ["input_ids"], ["logits"]),
        "transformer": (Seq2Seq(d=256, heads=8, enc=4, dec=2, ff=1024),
                        (torch.randn(1, 96, 256, generator=g), torch.randn(1, 12, 256, generator=g)),
                        ["src", "tgt"], ["out"]),
        "detr": (TinyDetr(queries=32, d=256), (torch.randn(1, 3, 320, 320, generator=g),),
                 ["image"], ["class_probs", "boxes"]),
    }


def randomize(model):
    """Trained-looking statistics: stock initializations leave BatchNorm at the identity and some
    heads at zero (torchvision's ViT head), which would make the outputs say nothing."""
    g = torch.Generator().manual_seed(2)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            elif isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight, generator=g)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)


def save_tensor(path, array, name):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(np.ascontiguousarray(array), name).SerializeToString())


def export(name, model, inputs, in_names, out_names, exporter, out_dir):
    folder = os.path.join(out_dir, f"{name}_{exporter}")
    data = os.path.join(folder, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    path = os.path.join(folder, "model.onnx")
    if exporter == "ts":
        torch.onnx.export(model, inputs, path, input_names=in_names, output_names=out_names,
                          opset_version=17, dynamo=False)
    else:
        program = torch.onnx.export(model, inputs, input_names=in_names, output_names=out_names,
                                    opset_version=18, dynamo=True)
        program.save(path, external_data=False)
    onnx.checker.check_model(path)
    with torch.no_grad():
        outputs = model(*inputs)
    if isinstance(outputs, torch.Tensor):
        outputs = (outputs,)
    for i, (n, t) in enumerate(zip(in_names, inputs)):
        save_tensor(os.path.join(data, f"input_{i}.pb"), t.numpy(), n)
    for i, (n, t) in enumerate(zip(out_names, outputs)):
        save_tensor(os.path.join(data, f"output_{i}.pb"), t.numpy(), n)
    print(f"{folder}: {os.path.getsize(path) / 1e6:.2f} MB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "fixtures"))
    ap.add_argument("--only", default="", help="only this model")
    ap.add_argument("--size", choices=["test", "bench"], default="test",
                    help="the committed test fixtures, or the benchmark sizes")
    a = ap.parse_args()
    torch.manual_seed(0)
    table = bench_models() if a.size == "bench" else models()
    for name, (model, inputs, in_names, out_names) in table.items():
        if a.only and name != a.only:
            continue
        randomize(model)
        model.eval()
        for exporter in ("ts", "dynamo"):
            export(name, model, inputs, in_names, out_names, exporter, a.out)


if __name__ == "__main__":
    main()
