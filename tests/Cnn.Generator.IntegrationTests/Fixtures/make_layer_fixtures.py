#!/usr/bin/env python3
"""Reference outputs and input gradients for the ReLU variants, ZeroPadding2D, 1D pooling and global pooling.

Run with Debian's PyTorch (/usr/bin/python3, python3-torch) from this folder: it writes one safetensors file per
model of Models/LayerFixtureModels.cs, in the SPEC §5 layout (HWC, HWIO kernels), with `input` [n, ...], `output`
[n, out] (after the final activation) and `saliency` [n, out, ...]: the gradient of each output with respect to the
input (what InputGradient returns), computed in float64 and rounded to float32. The C# side (LayerFixtureTests.cs)
only reads the files, so the tests do not need PyTorch. Each layer is written out from its definition (Keras
semantics, TensorFlow's Same padding), not taken from a library layer, so that the reference is readable.
"""
import json
import struct

import torch
import torch.nn.functional as F

torch.manual_seed(2026)
D = torch.float64


def pad_hwc(x, top, bottom, left, right):
    # F.pad pads the last dimensions first: channels (none), width, height.
    return F.pad(x, (0, 0, left, right, top, bottom))


def conv2d_hwc(x, kernel, bias, activation=None):
    y = F.conv2d(x.permute(2, 0, 1)[None], kernel.permute(3, 2, 0, 1), bias)[0].permute(1, 2, 0)
    return activation(y) if activation else y


def relu(x, negative_slope=0.0, max_value=float("inf")):
    # Keras ReLU: x < 0 ? negative_slope * x : min(x, max_value).
    return torch.where(x < 0, negative_slope * x, torch.clamp(x, max=max_value))


def pool1d(x, size, stride, same, is_max):
    # x: [steps, channels]. TensorFlow's Same: out = ceil(steps / stride), padding total max((out-1)*s + k - steps, 0),
    # the smaller half before; max ignores padded steps, the average divides by the steps inside.
    steps = x.shape[0]
    if same:
        out = -(-steps // stride)
        before = max((out - 1) * stride + size - steps, 0) // 2
    else:
        out = (steps - size) // stride + 1
        before = 0
    rows = []
    for o in range(out):
        start = o * stride - before
        window = x[max(start, 0):min(start + size, steps)]
        rows.append(window.amax(dim=0) if is_max else window.mean(dim=0))
    return torch.stack(rows)


def dense(x, kernel, bias, activation=None):
    y = x @ kernel + bias
    return activation(y) if activation else y


def glorot(*shape, fan_in, fan_out, gain=1.0):
    limit = gain * (6.0 / (fan_in + fan_out)) ** 0.5
    return ((torch.rand(*shape, dtype=D) * 2 - 1) * limit).float().double()


def small(*shape, scale=0.3):
    return ((torch.rand(*shape, dtype=D) * 2 - 1) * scale).float().double()


MODELS = {}


def model(name, input_shape, params, forward):
    MODELS[name] = (input_shape, params, forward)


# The convolution weights are scaled up (gain 4) so that ReLU6's cap at 6 and the ReLU layer's cap at 2 are reached.
model("fixture_image_max", (6, 5, 3), {
    "conv2d.kernel": glorot(3, 3, 3, 10, fan_in=27, fan_out=90, gain=6.0), "conv2d.bias": small(10),
    "conv2d_1.kernel": glorot(2, 2, 10, 12, fan_in=40, fan_out=48, gain=2.0), "conv2d_1.bias": small(12),
    "dense.kernel": glorot(12, 4, fan_in=12, fan_out=4, gain=0.3), "dense.bias": small(4),
}, lambda x, p: dense(
    F.leaky_relu(relu(conv2d_hwc(pad_hwc(conv2d_hwc(pad_hwc(x, 1, 1, 1, 1), p["conv2d.kernel"], p["conv2d.bias"], F.relu6), 1, 0, 2, 1),
                                 p["conv2d_1.kernel"], p["conv2d_1.bias"]), 0.25, 6.5), 0.3).amax(dim=(0, 1)),
    p["dense.kernel"], p["dense.bias"], F.relu6))

model("fixture_image_average", (5, 5, 2), {
    "conv2d.kernel": glorot(2, 2, 2, 9, fan_in=8, fan_out=36), "conv2d.bias": small(9),
    "dense.kernel": glorot(9, 3, fan_in=9, fan_out=3), "dense.bias": small(3),
}, lambda x, p: dense(
    F.leaky_relu(conv2d_hwc(pad_hwc(x, 1, 1, 2, 2), p["conv2d.kernel"], p["conv2d.bias"]), 0.1).mean(dim=(0, 1)),
    p["dense.kernel"], p["dense.bias"]))

# Flatten reads every position: the only model here in which swapping left and right, or top and bottom, shows.
model("fixture_image_flatten", (4, 3, 2), {
    "dense.kernel": glorot(7 * 8 * 2, 3, fan_in=112, fan_out=3), "dense.bias": small(3),
}, lambda x, p: dense(pad_hwc(x, 0, 3, 4, 1).flatten(), p["dense.kernel"], p["dense.bias"]))

model("fixture_sequence_average", (11, 6), {
    "dense.kernel": glorot(6, 3, fan_in=6, fan_out=3, gain=2.0), "dense.bias": small(3),
}, lambda x, p: dense(
    pool1d(pool1d(relu(pool1d(pool1d(x, 3, 2, True, True), 2, 1, True, False), 0.1), 4, 3, True, False), 2, 2, False, True).mean(dim=0),
    p["dense.kernel"], p["dense.bias"]))

model("fixture_sequence_max", (10, 4), {
    "dense.kernel": glorot(4, 2, fan_in=4, fan_out=2), "dense.bias": small(2),
}, lambda x, p: dense(pool1d(x, 3, 1, False, False).amax(dim=0), p["dense.kernel"], p["dense.bias"]))


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        data = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


SAMPLES = 3
for name, (shape, params, forward) in MODELS.items():
    inputs = (torch.rand(SAMPLES, *shape, dtype=D) * 4 - 2).float().double()
    outputs, saliencies = [], []
    for s in range(SAMPLES):
        x = inputs[s].clone().requires_grad_(True)
        y = forward(x, params)
        outputs.append(y.detach())
        rows = []
        for k in range(y.shape[0]):
            (g,) = torch.autograd.grad(y[k], x, retain_graph=True)
            rows.append(g)
        saliencies.append(torch.stack(rows))
    tensors = dict(params)
    tensors.update(input=inputs, output=torch.stack(outputs), saliency=torch.stack(saliencies))
    write_safetensors(f"{name}.safetensors", tensors, {"reference": f"PyTorch {torch.__version__}, float64", "script": "make_layer_fixtures.py"})
    print(name, [round(v, 4) for v in torch.stack(outputs).flatten().tolist()[:8]])
