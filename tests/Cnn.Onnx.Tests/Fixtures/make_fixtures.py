#!/usr/bin/python3
"""Exports the PyTorch fixtures of tests/Cnn.Onnx.Tests (run with Debian's python3-torch and python3-onnx):

    /usr/bin/python3 tests/Cnn.Onnx.Tests/Fixtures/make_fixtures.py

For each network: NAME.onnx (seeded random weights, eval mode, opset 13) and NAME.json with a seeded input and
PyTorch's output for it (both flat, NCHW), which the tests compare the imported C# model with.
"""
import json
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))


class SmallCnn(nn.Module):
    """Conv-ReLU-BN-MaxPool, a strided convolution, Flatten (CHW order) and two Linear layers."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.bn1 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.relu2 = nn.ReLU()
        self.fc1 = nn.Linear(16 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(self.bn1(self.relu1(self.conv1(x))))
        x = self.relu2(self.conv2(x))
        x = torch.flatten(x, 1)
        return torch.softmax(self.fc2(torch.relu(self.fc1(x))), dim=1)


class MobileBlock(nn.Module):
    """Depthwise convolution with ReLU6, a pointwise one, a residual Add, global pooling and x.view(x.size(0), -1)."""

    def __init__(self):
        super().__init__()
        self.expand = nn.Conv2d(8, 16, 1)
        self.dw = nn.Conv2d(16, 16, 3, padding=1, groups=16)
        self.act = nn.ReLU6()
        self.project = nn.Conv2d(16, 8, 1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        y = self.project(self.act(self.dw(torch.relu(self.expand(x)))))
        x = self.pool(x + y)
        return self.fc(x.view(x.size(0), -1))


class Sequence(nn.Module):
    """Conv1d with padding, MaxPool1d, global average pooling over the steps, Linear."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 6, 5, padding=2)
        self.pool = nn.MaxPool1d(2)
        self.conv2 = nn.Conv1d(6, 6, 3, dilation=2, padding=2)
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        x = torch.tanh(self.conv2(x)).mean(dim=2)
        return torch.sigmoid(self.fc(x))


def export(name, model, shape, dynamic_batch=False):
    torch.manual_seed(0)
    model.train()
    for _ in range(3):  # moving statistics that are not 0 and 1
        model(torch.randn(8, *shape[1:]) * 2 + 0.5)
    model.eval()
    x = torch.randn(*shape)
    with torch.no_grad():
        y = model(x)
    path = os.path.join(HERE, name + ".onnx")
    axes = {"input": {0: "batch"}, "output": {0: "batch"}} if dynamic_batch else None
    torch.onnx.export(model, x, path, opset_version=13, input_names=["input"], output_names=["output"],
                      dynamic_axes=axes, do_constant_folding=True)
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump({"input_shape": list(x.shape), "input": x.flatten().tolist(),
                   "output_shape": list(y.shape), "output": y.flatten().tolist()}, f)


if __name__ == "__main__":
    torch.manual_seed(1)
    export("torch_small_cnn", SmallCnn(), (2, 3, 16, 16))
    torch.manual_seed(2)
    export("torch_mobile_block", MobileBlock(), (1, 8, 12, 12), dynamic_batch=True)
    torch.manual_seed(3)
    export("torch_sequence", Sequence(), (2, 4, 20))
