#!/usr/bin/python3
"""The MLPerf Tiny models of samples/TinyMLPerf written as PyTorch modules, run on the weights our generated code makes.

  dotnet run --project samples/TinyMLPerf -c Release -- 10 --write-weights /tmp/tiny      # our seeded weights
  /usr/bin/python3 tests/Cnn.Samples.Tests/Fixtures/tiny_mlperf.py /tmp/tiny                # writes tiny_mlperf.safetensors
  /usr/bin/python3 tests/Cnn.Samples.Tests/Fixtures/tiny_mlperf.py /tmp/tiny --onnx DIR     # also DIR/<model>.onnx (float32;
                                                                                          # the benchmark uses Onnx.Export instead)

The fixture holds, per model, fixed inputs in our layout (NHWC), PyTorch's float64 outputs on them, and the SHA-256 of
the weights they were computed with (the test checks that TinyWeights still makes those weights). Layouts: our kernels
are Keras's [kh, kw, in, out] (PyTorch: [out, in, kh, kw]), depthwise [kh, kw, c, 1] (PyTorch: [c, 1, kh, kw], groups c),
Dense [in, out] (PyTorch: [out, in]). Keras's 'same' padding puts the odd row or column of padding at the bottom or
right (a stride-2 3x3 convolution of 32 rows pads 0 above and 1 below), which Conv2d's symmetric padding cannot express:
the modules pad explicitly with F.pad. Debian's python3-torch; deterministic."""
import hashlib, json, math, os, struct, sys
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", name
        a, b = info["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").copy()).reshape(info["shape"])
    return tensors, hashlib.sha256(data).hexdigest()


class Weights:
    """The file's tensors by name; every one must be used exactly once."""
    def __init__(self, tensors):
        self.tensors, self.used = tensors, set()

    def __call__(self, name):
        assert name not in self.used, name
        self.used.add(name)
        return self.tensors[name]

    def check_all_used(self):
        left = set(self.tensors) - self.used
        assert not left, f"tensors not used by the PyTorch module: {sorted(left)}"


class Names:
    """Keras's default layer names: one counter per kind (conv2d, conv2d_1, ...)."""
    def __init__(self):
        self.counts = {}

    def __call__(self, kind):
        i = self.counts.get(kind, 0)
        self.counts[kind] = i + 1
        return kind if i == 0 else f"{kind}_{i}"


def same_padding(size, kernel, stride):
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2  # the smaller half before, as TensorFlow


class KerasConv(nn.Module):
    """Conv2D or DepthwiseConv2D with 'same' padding, from our [kh, kw, in, out] / [kh, kw, c, 1] kernel."""
    def __init__(self, w, name, stride=1, depthwise=False):
        super().__init__()
        kernel, bias = w(name + (".depthwise_kernel" if depthwise else ".kernel")), w(name + ".bias")
        kh, kw, cin, cout = kernel.shape
        if depthwise:
            assert cout == 1
            self.conv = nn.Conv2d(cin, cin, (kh, kw), stride, groups=cin)
            self.conv.weight.data = kernel.permute(2, 3, 0, 1).clone()
        else:
            self.conv = nn.Conv2d(cin, cout, (kh, kw), stride)
            self.conv.weight.data = kernel.permute(3, 2, 0, 1).clone()
        self.conv.bias.data = bias.clone()
        self.kernel, self.stride = (kh, kw), stride

    def forward(self, x):  # NCHW
        top, bottom = same_padding(x.shape[2], self.kernel[0], self.stride)
        left, right = same_padding(x.shape[3], self.kernel[1], self.stride)
        if top or bottom or left or right:
            x = F.pad(x, (left, right, top, bottom))
        return self.conv(x)


def batch_norm(w, name):
    """Keras BatchNormalization (epsilon 0.001) in inference mode."""
    gamma = w(name + ".gamma")
    bn = nn.BatchNorm2d(gamma.numel(), eps=1e-3)
    bn.weight.data, bn.bias.data = gamma.clone(), w(name + ".beta").clone()
    bn.running_mean.data, bn.running_var.data = w(name + ".moving_mean").clone(), w(name + ".moving_variance").clone()
    return bn


def dense(w, name):
    kernel = w(name + ".kernel")
    linear = nn.Linear(kernel.shape[0], kernel.shape[1])
    linear.weight.data, linear.bias.data = kernel.t().clone(), w(name + ".bias").clone()
    return linear


class ResNet8(nn.Module):
    """samples/TinyMLPerf ResNet8: stem, three stacks joined by Add, 8x8 average pooling, Dense with softmax."""
    def __init__(self, w):
        super().__init__()
        n = Names()
        self.stem = nn.Sequential(KerasConv(w, n("conv2d")), batch_norm(w, n("batch_normalization")), nn.ReLU())
        self.stacks = nn.ModuleList()
        for stack in (1, 2, 3):
            stride = 1 if stack == 1 else 2
            main = nn.Sequential(KerasConv(w, n("conv2d"), stride), batch_norm(w, n("batch_normalization")), nn.ReLU(),
                                 KerasConv(w, n("conv2d")), batch_norm(w, f"stack{stack}_bn2"))
            shortcut = nn.Identity() if stack == 1 else KerasConv(w, f"stack{stack}_shortcut", 2)
            self.stacks.append(nn.ModuleList([main, shortcut]))
        self.dense = dense(w, n("dense"))

    def forward(self, x):
        x = self.stem(x)
        for main, shortcut in self.stacks:
            x = torch.relu(shortcut(x) + main(x))
        x = F.avg_pool2d(x, 8).flatten(1)
        return torch.softmax(self.dense(x), dim=1)


def separable_blocks(w, n, filters_and_strides):
    """Depthwise 3x3, BatchNormalization, ReLU, 1x1 convolution, BatchNormalization, ReLU; per (filters, stride)."""
    layers = []
    for _filters, stride in filters_and_strides:
        layers += [KerasConv(w, n("depthwise_conv2d"), stride, depthwise=True), batch_norm(w, n("batch_normalization")), nn.ReLU(),
                   KerasConv(w, n("conv2d")), batch_norm(w, n("batch_normalization")), nn.ReLU()]
    return layers


class DsCnn(nn.Module):
    """samples/TinyMLPerf DsCnn: 10x4 stride-2 convolution, four separable blocks, (24, 5) average pooling, 12 classes."""
    def __init__(self, w):
        super().__init__()
        n = Names()
        self.body = nn.Sequential(KerasConv(w, n("conv2d"), 2), batch_norm(w, n("batch_normalization")), nn.ReLU(), nn.Dropout(0.2),
                                  *separable_blocks(w, n, [(64, 1)] * 4), nn.Dropout(0.4), nn.AvgPool2d((24, 5)), nn.Flatten())
        self.dense = dense(w, n("dense"))

    def forward(self, x):
        return torch.softmax(self.dense(self.body(x)), dim=1)


class MobileNetV1(nn.Module):
    """samples/TinyMLPerf MobileNetV1 (alpha 0.25, 96x96x3): 13 separable blocks, 3x3 average pooling, 2 classes."""
    BLOCKS = [(16, 1), (32, 2), (32, 1), (64, 2), (64, 1), (128, 2)] + [(128, 1)] * 5 + [(256, 2), (256, 1)]

    def __init__(self, w):
        super().__init__()
        n = Names()
        self.body = nn.Sequential(KerasConv(w, n("conv2d"), 2), batch_norm(w, n("batch_normalization")), nn.ReLU(),
                                  *separable_blocks(w, n, self.BLOCKS), nn.AvgPool2d(3), nn.Flatten())
        self.dense = dense(w, n("dense"))

    def forward(self, x):
        return torch.softmax(self.dense(self.body(x)), dim=1)


# name, module, input shape (ours, HWC), how many inputs, how they are drawn
MODELS = [
    ("ResNet8", ResNet8, (32, 32, 3), 3, lambda g, s: torch.rand(s, generator=g, dtype=torch.float64)),
    ("DsCnn", DsCnn, (49, 10, 1), 4, lambda g, s: torch.rand(s, generator=g, dtype=torch.float64)),
    ("MobileNetV1", MobileNetV1, (96, 96, 3), 1, lambda g, s: torch.rand(s, generator=g, dtype=torch.float64)),
]


def main():
    if len(sys.argv) not in (2, 4) or (len(sys.argv) == 4 and sys.argv[2] != "--onnx"):
        sys.exit(__doc__)
    weights_dir = sys.argv[1]
    onnx_dir = sys.argv[3] if len(sys.argv) == 4 else None
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(2026)
    tensors, metadata = {}, {"reference": f"PyTorch {torch.__version__}, float64", "script": "tiny_mlperf.py"}
    for name, module, (h, wd, c), count, draw in MODELS:
        raw, sha = read_safetensors(os.path.join(weights_dir, name + ".safetensors"))
        w = Weights(raw)
        model = module(w).eval()
        w.check_all_used()
        inputs = draw(generator, (count, h, wd, c))  # NHWC, as our Forward takes them
        with torch.no_grad():
            outputs = model.double()(inputs.permute(0, 3, 1, 2))
        tensors[name + ".inputs"], tensors[name + ".outputs"] = inputs, outputs
        metadata[name + ".weights_sha256"] = sha
        print(f"{name}: {sum(t.numel() for t in raw.values())} parameters, outputs {outputs[0].tolist()}")
        if onnx_dir:
            os.makedirs(onnx_dir, exist_ok=True)
            path = os.path.join(onnx_dir, name + ".onnx")
            torch.onnx.export(model.float(), torch.zeros(1, c, h, wd), path, input_names=["input"], output_names=["output"],
                              opset_version=13, do_constant_folding=True)
            print(f"  {path}: input [1, {c}, {h}, {wd}] (NCHW), {os.path.getsize(path)} bytes")

    header, data = {"__metadata__": metadata}, b""
    for k, v in tensors.items():
        raw = v.to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[k] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(os.path.join(HERE, "tiny_mlperf.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


if __name__ == "__main__":
    main()
