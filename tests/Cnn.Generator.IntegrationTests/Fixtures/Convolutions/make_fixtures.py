#!/usr/bin/env python3
"""Reference outputs for the convolutions of SPEC §7 (ConvolutionForwardTests), computed by PyTorch in float64.

Each model of Models/ConvolutionForwardModels.cs gets <Model>.safetensors here: its parameters under their
Keras names and layouts (<layer>.kernel, .depthwise_kernel, .pointwise_kernel, .bias), an `input` and the
`output` of the model. PyTorch runs channels-first, so the kernels are permuted; TensorFlow's SAME padding
(the smaller half before) and Keras's causal padding are explicit F.pad calls, and a depthwise convolution is
torch's grouped convolution (groups = input channels, output channel ci·m + j).

Run from this folder: python3 make_fixtures.py (needs python3-torch; the committed files are its output).
"""
import json
import struct

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(2026)


def same_padding(size, kernel, stride, dilation):
    """TensorFlow SAME: out = ceil(in / s), total = max((out - 1)·s + (k - 1)·d + 1 - in, 0), the smaller half first."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def pad2d(x, kh, kw, stride, dilation, padding):
    if padding != "same":
        return x
    top, bottom = same_padding(x.shape[2], kh, stride[0], dilation)
    left, right = same_padding(x.shape[3], kw, stride[1], dilation)
    return F.pad(x, (left, right, top, bottom))


def act(x, activation):
    return {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, None: lambda v: v}[activation](x)


def uniform(*shape):
    return rng.uniform(-0.6, 0.6, size=shape)


class Builder:
    def __init__(self, name, shape):
        self.name = name
        self.tensors = {}
        self.input = rng.uniform(-1, 1, size=shape)
        # Images go NCHW, sequences NCL.
        x = torch.tensor(self.input)[None]
        self.x = x.permute(0, 3, 1, 2) if len(shape) == 3 else x.permute(0, 2, 1)

    def conv2d(self, layer, filters, kh, kw, stride=(1, 1), padding="valid", dilation=1, activation=None, bias=True, weight_scale=1.0):
        c = self.x.shape[1]
        kernel = uniform(kh, kw, c, filters) * weight_scale
        self.tensors[f"{layer}.kernel"] = kernel
        b = uniform(filters) if bias else None
        if bias:
            self.tensors[f"{layer}.bias"] = b
        w = torch.tensor(kernel).permute(3, 2, 0, 1)
        x = pad2d(self.x, kh, kw, stride, dilation, padding)
        self.x = act(F.conv2d(x, w, None if b is None else torch.tensor(b), stride=stride, dilation=dilation), activation)

    def depthwise(self, layer, kh, kw, multiplier, stride, padding, dilation, bias, prefix=""):
        c = self.x.shape[1]
        kernel = uniform(kh, kw, c, multiplier)
        self.tensors[f"{layer}.depthwise_kernel"] = kernel
        # [kh, kw, c, m] -> [c·m, 1, kh, kw]: grouped weight row ci·m + j is kernel[:, :, ci, j].
        w = torch.tensor(kernel).reshape(kh, kw, c * multiplier).permute(2, 0, 1)[:, None]
        b = None
        if bias:
            b = uniform(c * multiplier)
            self.tensors[f"{layer}.bias"] = b
        x = pad2d(self.x, kh, kw, stride, dilation, padding)
        return F.conv2d(x, w, None if b is None else torch.tensor(b), stride=stride, dilation=dilation, groups=c)

    def depthwise_conv2d(self, layer, kh, kw, multiplier=1, stride=(1, 1), padding="valid", dilation=1, activation=None, bias=True):
        self.x = act(self.depthwise(layer, kh, kw, multiplier, stride, padding, dilation, bias), activation)

    def separable_conv2d(self, layer, filters, kh, kw, multiplier=1, stride=(1, 1), padding="valid", dilation=1, activation=None, bias=True):
        z = self.depthwise(layer, kh, kw, multiplier, stride, padding, dilation, bias=False)
        pointwise = uniform(1, 1, z.shape[1], filters)
        self.tensors[f"{layer}.pointwise_kernel"] = pointwise
        b = None
        if bias:
            b = uniform(filters)
            self.tensors[f"{layer}.bias"] = b
        w = torch.tensor(pointwise).permute(3, 2, 0, 1)
        self.x = act(F.conv2d(z, w, None if b is None else torch.tensor(b)), activation)

    def conv1d(self, layer, filters, k, stride=1, padding="valid", dilation=1, activation=None, bias=True):
        c = self.x.shape[1]
        kernel = uniform(k, c, filters)
        self.tensors[f"{layer}.kernel"] = kernel
        b = uniform(filters) if bias else None
        if bias:
            self.tensors[f"{layer}.bias"] = b
        x = self.x
        if padding == "same":
            x = F.pad(x, same_padding(x.shape[2], k, stride, dilation))
        elif padding == "causal":
            x = F.pad(x, ((k - 1) * dilation, 0))
        w = torch.tensor(kernel).permute(2, 1, 0)
        self.x = act(F.conv1d(x, w, None if b is None else torch.tensor(b), stride=stride, dilation=dilation), activation)

    def save(self):
        out = self.x[0]
        out = out.permute(1, 2, 0) if out.dim() == 3 else out.permute(1, 0)
        tensors = dict(self.tensors, input=self.input, output=out.numpy())
        header, blobs, offset = {}, [], 0
        for name in sorted(tensors):
            data = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
            header[name] = {"dtype": "F32", "shape": list(np.shape(tensors[name])), "data_offsets": [offset, offset + len(data)]}
            blobs.append(data)
            offset += len(data)
        header["__metadata__"] = {"source": "make_fixtures.py, PyTorch " + torch.__version__.split("+")[0] + " in float64"}
        text = json.dumps(header, separators=(",", ":")).encode()
        text += b" " * (-len(text) % 8)
        with open(f"{self.name}.safetensors", "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


m = Builder("ForwardDilatedConv", (9, 8, 3))
m.conv2d("conv2d", 5, 3, 3, padding="same", dilation=2, activation="relu")
m.conv2d("conv2d_1", 4, 2, 3, dilation=3)
m.save()

m = Builder("ForwardDilatedConvWide", (7, 6, 5))
m.conv2d("conv2d", 20, 3, 3, padding="same", dilation=2, activation="tanh")
m.save()

m = Builder("ForwardDepthwise", (8, 7, 5))
m.depthwise_conv2d("depthwise_conv2d", 3, 3, multiplier=3, padding="same", activation="relu")
m.depthwise_conv2d("depthwise_conv2d_1", 3, 2, stride=(2, 2), padding="same")
m.depthwise_conv2d("depthwise_conv2d_2", 2, 2, dilation=2, bias=False, activation="tanh")
m.save()

m = Builder("ForwardDepthwiseWide", (6, 10, 24))
m.depthwise_conv2d("depthwise_conv2d", 3, 3, padding="same", activation="relu")
m.depthwise_conv2d("depthwise_conv2d_1", 2, 9, multiplier=2, stride=(1, 1), padding="same")
m.save()

m = Builder("ForwardSeparable", (8, 8, 4))
m.separable_conv2d("separable_conv2d", 6, 3, 3, multiplier=2, stride=(2, 2), padding="same", activation="relu")
m.separable_conv2d("separable_conv2d_1", 20, 2, 2, dilation=2, padding="same")
m.separable_conv2d("separable_conv2d_2", 3, 3, 1, bias=False, activation="sigmoid")
m.save()

m = Builder("ForwardConv1D", (12, 4))
m.conv1d("conv1d", 6, 3, padding="causal", dilation=2, activation="relu")
m.conv1d("conv1d_1", 5, 3, stride=2, padding="same")
m.conv1d("conv1d_2", 3, 2, stride=3, padding="causal", activation="tanh")
m.save()

m = Builder("ForwardConv1DWide", (16, 17))
m.conv1d("conv1d", 20, 5, padding="same", dilation=3, activation="relu")
m.conv1d("conv1d_1", 18, 4, padding="causal", bias=False)
m.save()

# 3x3 stride-1 convolutions of 64 or more channels and filters: Forward takes Winograd's F(2x2, 3x3) (Cnn.Winograd).
# Odd sizes (tiles that reach past the output), Same and Valid, with and without bias. The kernels are scaled by
# 2/sqrt(fan-in), as initialised and trained networks' are, so that the activations stay of order 1: with the other
# models' ±0.6 over 576-720 taps, the last layer's sums are in the hundreds and cancel to 0.1, below float32's reach.
m = Builder("ForwardWinograd", (16, 15, 64))
m.conv2d("conv2d", 80, 3, 3, padding="same", activation="relu", weight_scale=2 / (9 * 64) ** 0.5)
m.conv2d("conv2d_1", 64, 3, 3, weight_scale=2 / (9 * 80) ** 0.5)
m.conv2d("conv2d_2", 128, 3, 3, padding="same", bias=False, activation="tanh", weight_scale=2 / (9 * 64) ** 0.5)
m.save()
