#!/usr/bin/env bash
# What ships (README, "Weights compiled in, and a NativeAOT executable"): the size of the NativeAOT Inference
# executable (the trained weights and the runtime inside) against ONNX Runtime's NuGet packages and its native
# library for linux-x64, as restored for bench/Cnn.Benchmarks.
# Usage: docs/perf/sizes.sh   (publishes samples/Inference; needs clang or gcc for the NativeAOT link)
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet publish samples/Inference -c Release -r linux-x64 -v:q -nologo >/dev/null
binary=samples/Inference/bin/Release/net10.0/linux-x64/publish/Inference
files=$(find "$(dirname "$binary")" -mindepth 1 | wc -l)
printf '%-64s %12s bytes  (%s file(s) in the publish folder)\n' "NativeAOT Inference (weights included)" "$(stat -c %s "$binary")" "$files"
# Beside it, the same program for AVX-512 machines, which Inference loads there (README, "One published artefact").
printf '%-64s %12s bytes\n' "NativeAOT Inference-x86-64-v4.so (the AVX-512 build)" "$(stat -c %s "$binary-x86-64-v4.so")"

dotnet restore bench/Cnn.Benchmarks -v:q -nologo >/dev/null
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
version=$(sed -n 's/.*PackageVersion Include="Microsoft.ML.OnnxRuntime" Version="\([^"]*\)".*/\1/p' Directory.Packages.props)
[ -n "$version" ] || { echo "no Microsoft.ML.OnnxRuntime version in Directory.Packages.props" >&2; exit 1; }
for id in microsoft.ml.onnxruntime microsoft.ml.onnxruntime.managed; do
  nupkg="$packages/$id/$version/$id.$version.nupkg"
  [ -f "$nupkg" ] || { echo "not in the NuGet cache: $nupkg" >&2; exit 1; }
  printf '%-64s %12s bytes\n' "$id $version package (all platforms)" "$(stat -c %s "$nupkg")"
done
so="$packages/microsoft.ml.onnxruntime/$version/runtimes/linux-x64/native/libonnxruntime.so"
printf '%-64s %12s bytes\n' "libonnxruntime.so, linux-x64" "$(stat -c %s "$so")"
