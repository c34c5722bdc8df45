"""Writes bn_batch.safetensors: a training-mode batch of a Conv2D/BatchNormalization/ReLU/Flatten/Dense model in the
batch format of SPEC section 7, computed by PyTorch in float64 (BatchNormalization written out by hand: Keras's biased
variance for both the normalisation and the moving update). Run: /usr/bin/python3 bn_batch.py (Debian python3-torch) (deterministic)."""
import json, struct
import torch

torch.manual_seed(13)
D = torch.float64
MODEL = """[Model(6, 6, 2, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(4, 3, Padding = Padding.Same)]
[BatchNormalization(Momentum = 0.9)]
[ReLU]
[Conv2D(3, 3, Stride = 2)]
[BatchNormalization(Epsilon = 0.01, Scale = false)]
[ReLU]
[Flatten]
[Dense(3, Activation = Activation.Softmax)]"""
n = 5

def rand(*shape, scale=1.0, offset=0.0):
    return (torch.rand(*shape, dtype=D) * 2 - 1) * scale + offset

params = {  # Keras layouts and names, in Parameters order
    "conv2d.kernel": rand(3, 3, 2, 4, scale=0.5),
    "conv2d.bias": rand(4, scale=0.2),
    "batch_normalization.gamma": rand(4, scale=0.3, offset=1.0),
    "batch_normalization.beta": rand(4, scale=0.3),
    "batch_normalization.moving_mean": rand(4, scale=0.5),
    "batch_normalization.moving_variance": rand(4, scale=0.4, offset=1.0),
    "conv2d_1.kernel": rand(3, 3, 4, 3, scale=0.5),
    "conv2d_1.bias": rand(3, scale=0.2),
    "batch_normalization_1.beta": rand(3, scale=0.3),
    "batch_normalization_1.moving_mean": rand(3, scale=0.5),
    "batch_normalization_1.moving_variance": rand(3, scale=0.4, offset=1.0),
    "dense.kernel": rand(12, 3, scale=0.6),
    "dense.bias": rand(3, scale=0.2),
}
trainable = [k for k in params if "moving" not in k]
for k in trainable:
    params[k].requires_grad_(True)
inputs = rand(n, 6, 6, 2, scale=1.5, offset=0.3)
targets = torch.tensor([0, 2, 1, 1, 0])

def conv(x, kernel, bias, stride, padding):  # x NHWC, kernel [kh, kw, cin, cout]
    y = torch.nn.functional.conv2d(x.permute(0, 3, 1, 2), kernel.permute(3, 2, 0, 1), bias, stride=stride, padding=padding)
    return y.permute(0, 2, 3, 1)

def bn(x, name, eps, training, scale=True):  # over the last axis
    if training:
        mean = x.mean(dim=(0, 1, 2))
        var = ((x - mean) ** 2).mean(dim=(0, 1, 2))  # biased
    else:
        mean, var = params[name + ".moving_mean"], params[name + ".moving_variance"]
    y = (x - mean) / torch.sqrt(var + eps)
    if scale:
        y = y * params[name + ".gamma"]
    return y + params[name + ".beta"], mean.detach(), var.detach()

def model(x, training):
    h = conv(x, params["conv2d.kernel"], params["conv2d.bias"], 1, 1)
    h, m0, v0 = bn(h, "batch_normalization", 0.001, training)
    h = torch.relu(h)
    h = conv(h, params["conv2d_1.kernel"], params["conv2d_1.bias"], 2, 0)
    h, m1, v1 = bn(h, "batch_normalization_1", 0.01, training, scale=False)
    h = torch.relu(h)
    logits = h.reshape(x.shape[0], -1) @ params["dense.kernel"] + params["dense.bias"]
    return logits, [(m0, v0, 0.9), (m1, v1, 0.99)]

logits, stats = model(inputs, training=True)
outputs = torch.softmax(logits, dim=1)
loss = torch.nn.functional.cross_entropy(logits, targets)  # the mean over the batch
loss.backward()
with torch.no_grad():
    inference = torch.softmax(model(inputs, training=False)[0], dim=1)

tensors = {k: v.detach() for k, v in params.items()}
tensors["inputs"] = inputs
tensors["targets"] = targets.to(D)
tensors["outputs"] = outputs.detach()
tensors["loss"] = loss.detach().reshape(1)
for k, v in params.items():
    tensors["grad." + k] = v.grad.detach() if k in trainable else torch.zeros_like(v)
for name, (m, v, momentum) in zip(["batch_normalization", "batch_normalization_1"], stats):
    tensors[name + ".moving_mean_after"] = momentum * params[name + ".moving_mean"] + (1 - momentum) * m
    tensors[name + ".moving_variance_after"] = momentum * params[name + ".moving_variance"] + (1 - momentum) * v
tensors["inference_outputs"] = inference

header, data = {}, b""
for k, v in tensors.items():
    raw = v.to(torch.float32).contiguous().numpy().tobytes()
    header[k] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
count = sum(v.numel() for v in params.values())
header["__metadata__"] = {
    "model": MODEL, "loss": "SparseCategoricalCrossEntropy", "batch": str(n), "parameters": str(count),
    "trainable_parameters": str(sum(params[k].numel() for k in trainable)), "spec_version": "2",
    "reference": "PyTorch " + torch.__version__ + ", float64",
}
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
with open("bn_batch.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data)
print(f"loss {loss.item():.6f}, {count} parameters")
