#!/usr/bin/env bash
# Build cost of the generator (issue #4 part 4): times the FashionMnist sample (the seed model) built
#   with the generator    : samples/FashionMnist as it is (the generator as an Analyzer project reference)
#   without the generator : a copy of the sample whose generated source is committed as plain C#, no analyzer
#                           (it references Cnn.Runtime and samples/Shared, as the sample does)
# each RUNS times (median), in two ways:
#   "sample only" : dotnet build PROJECT -c Release --no-incremental --no-dependencies   (only the sample's own compile)
#   "full command": dotnet build PROJECT -c Release --no-incremental                     (also rebuilds Cnn.Runtime, and
#                   for the sample the generator project itself: what a developer of this repository pays)
# and reads the generator's own time from the compiler (-p:ReportAnalyzer=true).
# Usage: docs/perf/build-cost.sh [RUNS]   (default 5). Writes the tables to stdout; docs/perf/build-cost.md holds a run.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-5}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
SAMPLE=samples/FashionMnist/FashionMnist.csproj
WORK=artifacts/build-cost/FashionMnistNoGenerator
NOGEN="$WORK/FashionMnistNoGenerator.csproj"

# Warm everything up: the generator, the runtime, the compiler server, the sample's generated source.
dotnet build "$SAMPLE" -c Release -v:q -nologo >/dev/null
GENERATED=$(find samples/FashionMnist/obj/Release -path '*Cnn.Generator.CnnGenerator/*.g.cs' | sort)
[ -n "$GENERATED" ] || { echo "no generated source under samples/FashionMnist/obj (EmitCompilerGeneratedFiles)" >&2; exit 1; }

# The same sample without the generator: its sources plus the generated files as plain C#.
rm -rf "$WORK"; mkdir -p "$WORK"
cp samples/FashionMnist/*.cs "$WORK/"
for f in $GENERATED; do cp "$f" "$WORK/$(basename "$f")"; done
cat > "$NOGEN" <<'PROJ'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
    <IsPackable>false</IsPackable>
    <AssemblyName>FashionMnist</AssemblyName>
  </PropertyGroup>
  <ItemGroup>
    <ProjectReference Include="../../../src/Cnn.Runtime/Cnn.Runtime.csproj" />
    <ProjectReference Include="../../../samples/Shared/Cnn.Samples.Shared.csproj" />
  </ItemGroup>
</Project>
PROJ
dotnet build "$NOGEN" -c Release -v:q -nologo >/dev/null

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
time_builds() { # PROJECT EXTRA-ARGS...: prints one elapsed time (s) per run
  local project=$1; shift
  for _ in $(seq "$RUNS"); do
    local t0 t1
    t0=$(date +%s.%N)
    dotnet build "$project" -c Release --no-incremental -v:q -nologo "$@" >/dev/null
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
  done
}
row() { # LABEL TIMES...
  local label=$1; shift
  printf '| %s | %s | %s |\n' "$label" "$(printf '%s\n' "$@" | median)" "$(printf '%s ' "$@")"
}

echo "Date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "SDK: $(dotnet --version); runs: $RUNS; the compiler server is warm (a build before the timed ones)."
echo
echo "| build | median (s) | runs (s) |"
echo "|---|---|---|"
mapfile -t a < <(time_builds "$SAMPLE" --no-dependencies)
row "sample only, with the generator" "${a[@]}"
mapfile -t b < <(time_builds "$NOGEN" --no-dependencies)
row "sample only, without the generator (generated code as plain C#)" "${b[@]}"
mapfile -t c < <(time_builds "$SAMPLE")
row "full command (sample + Cnn.Runtime + Shared + Cnn.Generator), with the generator" "${c[@]}"
mapfile -t d < <(time_builds "$NOGEN")
row "full command (sample + Cnn.Runtime + Shared), without the generator" "${d[@]}"
echo

# The generator's own time as the compiler measures it.
echo "Compiler's analyzer report for the sample (-p:ReportAnalyzer=true, one build):"
echo
echo '```'
dotnet build "$SAMPLE" -c Release --no-incremental --no-dependencies -nologo -v:d -p:ReportAnalyzer=true 2>&1 \
  | grep -E 'CompilerServer:|Total (analyzer|generator) execution time|^ +[0-9.<]+ +[0-9<]+ +Cnn\.Generator' \
  | sed -e 's/^ *//' -e 's/ - FashionMnist.*//' || true
echo '```'
rm -rf "$WORK"
