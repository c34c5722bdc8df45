#!/usr/bin/env bash
# Makes what ImportedBenchmarks needs besides the committed ImportedResNet18.cs and ImportedMobileNetV2.cs: torchvision's
# resnet18 and mobilenet_v2 at 224x224 with random weights (export_torchvision.py's seed and randomized
# BatchNormalization) exported to ONNX (onnx/resnet18.onnx and onnx/mobilenet_v2.onnx, for ONNX Runtime), then imported
# by dotnet-cnn. The weights it writes (ImportedResNet18.safetensors, 45 MB, and ImportedMobileNetV2.safetensors, 14 MB)
# and the ONNX files are git-ignored. It rewrites the .cs files too: they come out unchanged (git diff shows otherwise).
# About 2 minutes, most of it building the tool.
# Usage, from the repository root: bash bench/Cnn.Benchmarks/Imported/make.sh   (Debian's python3-torchvision, python3-onnx)
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=bench/Cnn.Benchmarks/Imported
rm -rf "$out/onnx"
/usr/bin/python3 - "$out/onnx" <<'PY'
import sys
sys.path.insert(0, "tests/Cnn.Onnx.Conformance")
import export_torchvision
import os, shutil
for name in ("resnet18", "mobilenet_v2"):
    export_torchvision.export(name, 224, sys.argv[1])
    os.replace(os.path.join(sys.argv[1], f"{name}_224", "model.onnx"), os.path.join(sys.argv[1], f"{name}.onnx"))
    shutil.rmtree(os.path.join(sys.argv[1], f"{name}_224"))
PY
dotnet build src/Cnn.Tool -c Release -v q -nologo
dotnet run --project src/Cnn.Tool -c Release --no-build -- import "$out/onnx/resnet18.onnx" --class ImportedResNet18 --namespace Cnn.Benchmarks.Imported --out "$out"
dotnet run --project src/Cnn.Tool -c Release --no-build -- import "$out/onnx/mobilenet_v2.onnx" --class ImportedMobileNetV2 --namespace Cnn.Benchmarks.Imported --out "$out"
