#!/usr/bin/python3
"""PyTorch twin of `samples/FashionMnist -- --model resnet`: FashionResNet (samples/FashionMnist/FashionResNet.cs,
78,378 parameters) trained on Fashion-MNIST with the recipe of the sample and of ../shared/peers/pytorch_peer.py:
RMSprop with Keras's defaults (lr 0.001, rho 0.9, epsilon 1e-7), batch 64, pixels / 255, the test set evaluated after
every epoch. As Keras builds the model: Glorot-uniform kernels and zero biases, BatchNormalization with momentum 0.9 as
the sample sets it (PyTorch's momentum 0.1) and Keras's epsilon 0.001, 'same' padding with the odd row or column at the bottom or right (F.pad).
Usage: /usr/bin/python3 bench/pytorch/fashion_resnet.py THREADS [EPOCHS] [LIMIT] [SEED] [LAST_LR]   (Debian python3-torch, dataset-fashion-mnist)
  LIMIT: train on the first LIMIT training images only (the sample's --limit; 0: all)
  SEED: torch.manual_seed (default 0), for the spread over several seeds (the sample's --seed)
  LAST_LR: the learning rate of the last epoch (the sample's --last-epoch-lr; default: 0.001 throughout)
Prints per epoch: training throughput (img/s, the optimizer steps only, as the sample's figure), the training pass's loss and
accuracy (as Keras reports them), and the test accuracy."""
import gzip, math, struct, sys, time
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F

threads = int(sys.argv[1]); epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
limit = int(sys.argv[3]) if len(sys.argv) > 3 else 0
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
last_lr = float(sys.argv[5]) if len(sys.argv) > 5 else None
torch.set_num_threads(threads); torch.manual_seed(seed)
D = "/usr/share/datasets/fashion-mnist/"
def idx(name):
    b = gzip.open(D + name).read()
    return np.frombuffer(b, np.uint8, offset=16 if b[3] == 3 else 8)
xtr = torch.tensor(idx("train-images-idx3-ubyte.gz").reshape(-1, 1, 28, 28) / 255.0, dtype=torch.float32)
ytr = torch.tensor(idx("train-labels-idx1-ubyte.gz").astype(np.int64))
xte = torch.tensor(idx("t10k-images-idx3-ubyte.gz").reshape(-1, 1, 28, 28) / 255.0, dtype=torch.float32)
yte = torch.tensor(idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))
if limit: xtr, ytr = xtr[:limit], ytr[:limit]


class SameConv(nn.Module):
    """Keras Conv2D with padding='same': TensorFlow's padding, the smaller half before."""
    def __init__(self, cin, cout, k, stride=1):
        super().__init__()
        self.conv, self.k, self.stride = nn.Conv2d(cin, cout, k, stride), k, stride
        nn.init.xavier_uniform_(self.conv.weight); nn.init.zeros_(self.conv.bias)

    def forward(self, x):
        pads = []
        for size in (x.shape[3], x.shape[2]):  # F.pad takes (left, right, top, bottom)
            total = max((math.ceil(size / self.stride) - 1) * self.stride + self.k - size, 0)
            pads += [total // 2, total - total // 2]
        return self.conv(F.pad(x, pads) if any(pads) else x)


def bn(c):
    return nn.BatchNorm2d(c, eps=1e-3, momentum=0.1)  # Keras momentum 0.9, as FashionResNet.cs sets it


class Stage(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.main = nn.Sequential(SameConv(cin, cout, 3, stride), bn(cout), nn.ReLU(), SameConv(cout, cout, 3), bn(cout))
        self.shortcut = nn.Identity() if stride == 1 else SameConv(cin, cout, 1, stride)

    def forward(self, x):
        return torch.relu(self.shortcut(x) + self.main(x))


class FashionResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(SameConv(1, 16, 3), bn(16), nn.ReLU())
        self.stages = nn.Sequential(Stage(16, 16, 1), Stage(16, 32, 2), Stage(32, 64, 2))
        self.dense = nn.Linear(64, 10)
        nn.init.xavier_uniform_(self.dense.weight); nn.init.zeros_(self.dense.bias)

    def forward(self, x):  # logits; the loss applies the softmax
        return self.dense(self.stages(self.stem(x)).mean(dim=(2, 3)))


model = FashionResNet()
params = sum(p.numel() for p in model.parameters()) + sum(b.numel() for n, b in model.named_buffers() if "running" in n)
assert params == 78378, params  # Keras's count_params(): the moving statistics count too
print(f"torch {torch.__version__} threads={threads} seed={seed} FashionResNet {params} parameters, {len(xtr)} training images")
opt = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)  # Keras defaults
lossf = nn.CrossEntropyLoss()
for ep in range(epochs):
    if last_lr is not None and ep == epochs - 1:
        for group in opt.param_groups: group["lr"] = last_lr
        print(f"learning rate {last_lr} for the last epoch")
    model.train()
    perm = torch.randperm(len(xtr)); t = time.perf_counter(); n = 0; loss_sum = 0.0; correct = 0
    for i in range(0, len(xtr), 64):
        b = perm[i:i + 64]; opt.zero_grad(); out = model(xtr[b]); l = lossf(out, ytr[b]); l.backward(); opt.step(); n += len(b)
        loss_sum += l.item() * len(b); correct += (out.argmax(1) == ytr[b]).sum().item()
    dt = time.perf_counter() - t
    model.eval()
    with torch.no_grad(): acc = sum((model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item() for i in range(0, len(xte), 1000)) / len(xte)
    # The training loss and accuracy as Keras reports them: of the training pass itself, over the epoch.
    print(f"epoch {ep+1}: train {n/dt:.0f} img/s ({dt:.1f} s), loss {loss_sum/n:.4f}, accuracy {correct*100/n:.2f}%, test accuracy {acc*100:.2f}%")
