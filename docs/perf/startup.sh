#!/usr/bin/env bash
# Process start to first prediction (README, "One published artefact for AVX2 and AVX-512"): wall-clock time of
# whole processes, each command run N times interleaved after 2 warm-up runs, median and minimum in ms. Beside the
# published Inference paths it times /bin/true (what starting any process costs on this machine), a NativeAOT
# "hello world" published with the same settings (what starting the .NET runtime costs), and the program published
# as one x86-64-v4 executable (-p:IlcInstructionSet=x86-64-v4: the AVX-512 path without the hand-over, for
# machines known to have AVX-512): compare only figures of one run of this script.
# Usage: docs/perf/startup.sh [N=40] [OTHER_PUBLISH_DIR]   (publishes samples/Inference; needs clang for NativeAOT)
#   OTHER_PUBLISH_DIR: another publish folder of Inference (an older commit's), timed in the same loop.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
runs=${1:-40}
other=${2:-}

dotnet publish samples/Inference -c Release -r linux-x64 -v:q -nologo >/dev/null
publish=samples/Inference/bin/Release/net10.0/linux-x64/publish
hello=$(mktemp -d)
trap 'rm -rf "$hello"' EXIT
intermediate=samples/Inference/obj/Release/net10.0/linux-x64
dotnet publish samples/Inference -c Release -r linux-x64 -v:q -nologo -p:IlcInstructionSet=x86-64-v4 -p:CnnPublishX86_64V4=false \
  -p:NativeIntermediateOutputPath=$intermediate/native-v4-exe/ -p:NativeOutputPath=$intermediate/native-v4-exe/bin/ \
  -o "$hello/v4" >/dev/null
cat >"$hello/hello.csproj" <<'PROJECT'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><PublishAot>true</PublishAot>
    <InvariantGlobalization>true</InvariantGlobalization><UseSystemResourceKeys>true</UseSystemResourceKeys>
    <StackTraceSupport>false</StackTraceSupport><EventSourceSupport>false</EventSourceSupport>
    <StripSymbols>true</StripSymbols><IlcInstructionSet>x86-64-v3</IlcInstructionSet>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
  </PropertyGroup>
</Project>
PROJECT
echo 'System.Console.WriteLine("hello");' >"$hello/Program.cs"
dotnet publish "$hello/hello.csproj" -c Release -r linux-x64 -o "$hello/out" -v:q -nologo >/dev/null

image=samples/Inference/images/test-0-ankle-boot.pgm
commands=("/bin/true" "$hello/out/hello"
  "$publish/Inference $image" "CNN_VECTOR_WIDTH=256 $publish/Inference $image" "$hello/v4/Inference $image")
if [ -n "$other" ]; then
  commands+=("$other/Inference $image" "CNN_VECTOR_WIDTH=256 $other/Inference $image")
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$runs" "${commands[@]}" <<'PYTHON'
import os, shlex, statistics, subprocess, sys, time
runs, commands = int(sys.argv[1]), sys.argv[2:]
def parse(command):
    words, env = shlex.split(command), dict(os.environ)
    while "=" in words[0]:
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    return words, env
times = {c: [] for c in commands}
for c in commands:
    words, env = parse(c)
    for _ in range(2):
        subprocess.run(words, env=env, stdout=subprocess.DEVNULL, check=True)
for _ in range(runs):
    for c in commands:
        words, env = parse(c)
        start = time.perf_counter()
        subprocess.run(words, env=env, stdout=subprocess.DEVNULL, check=True)
        times[c].append((time.perf_counter() - start) * 1000)
for c in commands:
    print(f"{statistics.median(times[c]):7.2f} ms median {min(times[c]):7.2f} ms min  {c}")
PYTHON
