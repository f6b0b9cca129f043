"""Writes a ResNet-18 (torchvision's layer shapes: 11.7 M parameters, 224x224 input) as ONNX with
random weights, the way the TorchScript exporter lays it out (Conv with folded BatchNorm, Relu,
MaxPool, Add, GlobalAveragePool, Flatten, Gemm), plus one input image. Generated in the build
(47 MB), never committed; no torch needed.

    python tests/exported/make_resnet18.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "test_data_set_0"), exist_ok=True)
    rng = np.random.default_rng(0)
    nodes, inits = [], []
    counter = [0]

    def name(prefix):
        counter[0] += 1
        return f"{prefix}_{counter[0]}"

    def conv(x, cin, cout, k, stride, relu):
        w, b, y = name("w"), name("b"), name("conv")
        std = np.sqrt(2.0 / (cin * k * k))
        inits.append(numpy_helper.from_array(
            (rng.standard_normal((cout, cin, k, k)) * std).astype(np.float32), w))
        inits.append(numpy_helper.from_array(
            (rng.standard_normal(cout) * 0.05).astype(np.float32), b))
        nodes.append(helper.make_node("Conv", [x, w, b], [y], kernel_shape=[k, k],
                                      strides=[stride, stride], pads=[k // 2] * 4))
        if not relu:
            return y
        r = name("relu")
        nodes.append(helper.make_node("Relu", [y], [r]))
        return r

    x = conv("image", 3, 64, 7, 2, True)
    p = name("pool")
    nodes.append(helper.make_node("MaxPool", [x], [p], kernel_shape=[3, 3], strides=[2, 2],
                                  pads=[1, 1, 1, 1]))
    x, cin = p, 64
    for cout, stride in [(64, 1), (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
                         (512, 1)]:
        h = conv(x, cin, cout, 3, stride, True)
        h = conv(h, cout, cout, 3, 1, False)
        skip = x if stride == 1 and cin == cout else conv(x, cin, cout, 1, stride, False)
        s, r = name("add"), name("relu")
        nodes += [helper.make_node("Add", [h, skip], [s]), helper.make_node("Relu", [s], [r])]
        x, cin = r, cout
    g, f = name("gap"), name("flat")
    nodes += [helper.make_node("GlobalAveragePool", [x], [g]),
              helper.make_node("Flatten", [g], [f])]
    inits.append(numpy_helper.from_array(
        (rng.standard_normal((1000, 512)) * 0.03).astype(np.float32), "fc_w"))
    inits.append(numpy_helper.from_array(np.zeros(1000, np.float32), "fc_b"))
    nodes.append(helper.make_node("Gemm", [f, "fc_w", "fc_b"], ["logits"], transB=1))
    graph = helper.make_graph(
        nodes, "resnet18",
        [helper.make_tensor_value_info("image", onnx.TensorProto.FLOAT, [1, 3, 224, 224])],
        [helper.make_tensor_value_info("logits", onnx.TensorProto.FLOAT, [1, 1000])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "model.onnx"))
    image = rng.standard_normal((1, 3, 224, 224)).astype(np.float32)
    with open(os.path.join(out, "test_data_set_0", "input_0.pb"), "wb") as fh:
        fh.write(numpy_helper.from_array(image, "image").SerializeToString())
    params = sum(int(np.prod(t.dims)) for t in inits)
    print(f"{out}/model.onnx: {params:,} parameters")


if __name__ == "__main__":
    main()
