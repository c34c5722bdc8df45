#!/usr/bin/python3
"""The seed model trained in PyTorch with the recipe of ../shared/peers/pytorch_peer.py (Keras's RMSprop, batch 64,
Fashion-MNIST from Debian's dataset-fashion-mnist), then exported to ONNX with its softmax, for the import test.
Usage: /usr/bin/python3 train_fashion_peer.py OUT_DIR [EPOCHS]
Writes OUT_DIR/fashion_peer.onnx, and OUT_DIR/fashion_peer.txt: the test accuracy (percent) on the first line, then
PyTorch's predicted class of each of the 10,000 test images, one line of digits."""
import gzip, os, struct, sys
import numpy as np, torch, torch.nn as nn

out = sys.argv[1]; epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 1
os.makedirs(out, exist_ok=True)
torch.set_num_threads(2); torch.manual_seed(0)
D = "/usr/share/datasets/fashion-mnist/"
def idx(name):
    b = gzip.open(D + name).read()
    return np.frombuffer(b, np.uint8, offset=16 if b[3] == 3 else 8)
xtr = torch.tensor(idx("train-images-idx3-ubyte.gz").reshape(-1, 1, 28, 28) / 255.0, dtype=torch.float32)
ytr = torch.tensor(idx("train-labels-idx1-ubyte.gz").astype(np.int64))
xte = torch.tensor(idx("t10k-images-idx3-ubyte.gz").reshape(-1, 1, 28, 28) / 255.0, dtype=torch.float32)
yte = torch.tensor(idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))

model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(64, 64, 3), nn.ReLU(), nn.Flatten(), nn.Linear(576, 64), nn.ReLU(), nn.Linear(64, 10))
assert sum(p.numel() for p in model.parameters()) == 93322
opt = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)  # Keras defaults, as the peer
lossf = nn.CrossEntropyLoss()
model.train()
for ep in range(epochs):
    perm = torch.randperm(len(xtr))
    for i in range(0, len(xtr), 64):
        b = perm[i:i + 64]; opt.zero_grad(); lossf(model(xtr[b]), ytr[b]).backward(); opt.step()

exported = nn.Sequential(model, nn.Softmax(dim=1)).eval()
with torch.no_grad():
    predictions = exported(xte).argmax(1)
accuracy = (predictions == yte).float().mean().item() * 100
torch.onnx.export(exported, xte[:1], os.path.join(out, "fashion_peer.onnx"), opset_version=13,
                  input_names=["image"], output_names=["probabilities"])
with open(os.path.join(out, "fashion_peer.txt"), "w") as f:
    f.write(f"{accuracy:.2f}\n")
    f.write("".join(str(int(p)) for p in predictions) + "\n")
print(f"PyTorch {torch.__version__}: {epochs} epoch(s), test accuracy {accuracy:.2f} %, exported {out}/fashion_peer.onnx")
