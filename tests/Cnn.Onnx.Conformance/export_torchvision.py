#!/usr/bin/python3
"""Exports torchvision architectures to ONNX for tests/Cnn.Onnx.Conformance (ArchitectureTests).

Usage: /usr/bin/python3 export_torchvision.py OUT_DIR
Writes OUT_DIR/<architecture>_<size>/model.onnx and input_0.pb (a float32 TensorProto, NCHW, batch 1) for each case
below. The weights are random (fixed seed); BatchNormalization's statistics and affine parameters are drawn too, so
that folding them into the convolutions is tested with values other than PyTorch's defaults (mean 0, variance 1,
scale 1, shift 0). The reference output is not written here: the C# test computes it with ONNX Runtime on the same
model.onnx.

Needs Debian's python3-torchvision (0.14) and python3-onnx, which .ci/run installs.
"""
import os
import sys

import onnx
import onnx.numpy_helper
import torch
import torchvision

# (architecture, input height and width): the three the importer must handle at two sizes, and three that need what
# the layers lack (channel shuffles; SiLU and squeeze-and-excitation, i.e. Mul/Sigmoid attention; grouped convolutions).
CASES = [
    ("resnet18", 64), ("resnet18", 224),
    ("mobilenet_v2", 64), ("mobilenet_v2", 224),
    ("squeezenet1_1", 64), ("squeezenet1_1", 224),
    ("shufflenet_v2_x0_5", 64),
    ("efficientnet_b0", 64),
    ("regnet_x_400mf", 64),
]
SEED = 20261130
OPSET = 13


def randomize_batch_norm(model, generator):
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            with torch.no_grad():
                n = module.num_features
                module.running_mean.copy_(torch.empty(n).uniform_(-0.2, 0.2, generator=generator))
                module.running_var.copy_(torch.empty(n).uniform_(0.5, 1.5, generator=generator))
                module.weight.copy_(torch.empty(n).uniform_(0.5, 1.5, generator=generator))
                module.bias.copy_(torch.empty(n).uniform_(-0.2, 0.2, generator=generator))


def export(name, size, out_dir):
    torch.manual_seed(SEED)
    generator = torch.Generator().manual_seed(SEED)
    model = getattr(torchvision.models, name)(weights=None)
    randomize_batch_norm(model, generator)
    model.eval()
    x = torch.rand(1, 3, size, size, generator=generator)
    case_dir = os.path.join(out_dir, f"{name}_{size}")
    os.makedirs(case_dir, exist_ok=True)
    # Eval mode with constant folding: BatchNormalization is folded into the convolutions before it, as exporters do
    # by default; static shapes (no dynamic axes).
    torch.onnx.export(model, x, os.path.join(case_dir, "model.onnx"), opset_version=OPSET,
                      input_names=["input"], output_names=["output"], do_constant_folding=True)
    tensor = onnx.numpy_helper.from_array(x.numpy(), name="input")
    with open(os.path.join(case_dir, "input_0.pb"), "wb") as f:
        f.write(tensor.SerializeToString())
    print(f"{case_dir}: {sum(p.numel() for p in model.parameters()):,} parameters")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: export_torchvision.py OUT_DIR")
    for name, size in CASES:
        export(name, size, sys.argv[1])


if __name__ == "__main__":
    main()
