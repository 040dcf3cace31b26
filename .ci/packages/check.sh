#!/usr/bin/env bash
# CI: the packages as a user gets them. Packs every library and the stp tool (a version unique to this run) into
# artifacts/packages, checks their metadata, then two tests, each counted once in TestResults/packages.counts:
#   1. package consumer: tests/PackageConsumer (outside Stp.sln, its own nuget.config) restores Stp.Core,
#      Stp.Backbones.Edm and Stp.Metrics by that version, builds, trains, samples, evaluates and loads the shipped
#      model; built again without the native runtime package, its first Stp call must name the package to add.
#   2. stp tool: dotnet tool install from artifacts/packages into a temporary tool path, then stp quickstart.
# Run from the repository root: bash .ci/packages/check.sh
set -u
cd "$(dirname "$0")/../.."
root=$(pwd)
mkdir -p TestResults
passed=0 failed=0
pass() { echo "packages: PASSED $1"; passed=$((passed + 1)); }
fail() { echo "packages: FAILED $1"; failed=$((failed + 1)); }
finish() { echo "$passed $failed" > TestResults/packages.counts; echo "packages: $passed passed, $failed failed"; exit $((failed > 0)); }
elapsed() { echo "$(( $(date +%s) - $1 )) s"; }

suffix="ci.$(date -u +%Y%m%d%H%M%S).$$"
version="0.1.0-$suffix"
feed="$root/artifacts/packages"
rm -rf "$feed"
t0=$(date +%s)
if ! dotnet pack .ci/packages.slnf -c Release -o "$feed" --version-suffix "$suffix" -nologo -v q > TestResults/packages-pack.log 2>&1; then
    tail -40 TestResults/packages-pack.log
    fail "pack (log: TestResults/packages-pack.log)"; fail "stp tool (not packed)"; finish
fi
echo "packages: packed $version in $(elapsed $t0)"
ls -l "$feed" | awk 'NR > 1 { printf "  %10d  %s\n", $5, $9 }'

# Every library: nupkg + snupkg, README shown on the package page, license, project and repository URLs, tags.
if ! python3 - "$feed" "$version" <<'PY'
import sys, zipfile, re, pathlib
feed, version = pathlib.Path(sys.argv[1]), sys.argv[2]
libraries = ["Stp.Core", "Stp.Backbones.Edm", "Stp.Backbones.GeoLdm", "Stp.Backbones.Radm", "Stp.Metrics",
             "Stp.Metrics.Plotting", "Stp.Metrics.Properties"]
problems = []
for name in libraries + ["Stp.Cli", "Stp.Cli.linux-x64"]:
    nupkg = feed / f"{name}.{version}.nupkg"
    if not nupkg.exists():
        problems.append(f"{nupkg.name} was not packed"); continue
    with zipfile.ZipFile(nupkg) as z:
        nuspec = z.read(f"{name}.nuspec").decode("utf-8")
        files = z.namelist()
    for what, pattern in [("readme", r"<readme>README.md</readme>"), ("license", r'<license type="expression">MIT</license>'),
                          ("projectUrl", r"<projectUrl>https://"), ("repository", r'<repository type="git" url="https://[^"]+"[^>]* commit="[0-9a-f]{40}"'),
                          ("description", r"<description>.{20,}</description>"), ("tags", r"<tags>.*StP.*</tags>")]:
        if not re.search(pattern, nuspec): problems.append(f"{name}: no {what} in the nuspec")
    if "README.md" not in files: problems.append(f"{name}: README.md is not in the package")
    if name in libraries:
        if not (feed / f"{name}.{version}.snupkg").exists(): problems.append(f"{name}: no .snupkg")
        if f"lib/net10.0/{name}.dll" not in files or f"lib/net10.0/{name}.xml" not in files:
            problems.append(f"{name}: lib/net10.0 lacks the assembly or its XML documentation")
    if name == "Stp.Core" and "buildTransitive/Stp.Core.targets" not in files: problems.append("Stp.Core: buildTransitive/Stp.Core.targets is not shipped")
    if name == "Stp.Metrics" and "ScottPlot" in nuspec: problems.append("Stp.Metrics depends on ScottPlot")
    if name == "Stp.Cli.linux-x64" and not any(f.endswith("/libtorch_cpu.so") for f in files): problems.append("Stp.Cli.linux-x64 lacks libtorch")
for p in problems: print("packages:", p)
sys.exit(1 if problems else 0)
PY
then fail "package metadata"; fail "stp tool (metadata)"; finish; fi

# 1. The package consumer.
consumer=tests/PackageConsumer
out=$(mktemp -d)
t0=$(date +%s)
rm -rf "$consumer/bin" "$consumer/obj"
ok=1
dotnet build "$consumer" -c Release -p:StpPackageVersion="$version" -nologo -v q > TestResults/packages-consumer.log 2>&1 || ok=0
if [ $ok = 1 ]; then
    echo "packages: consumer output $(du -sb "$consumer/bin/Release/net10.0" | cut -f1) bytes ($(du -sh "$consumer/bin/Release/net10.0" | cut -f1))"
    "$consumer/bin/Release/net10.0/PackageConsumer" --model samples/Stp.Cli/Models/qm9-stp-small.safetensors \
        --data ../shared/data/qm9/qm9.xyz.gz --out "$out" >> TestResults/packages-consumer.log 2>&1 || ok=0
fi
# Without the native runtime package: NUGET_PACKAGES elsewhere keeps TorchSharp from copying libtorch out of the cache.
if [ $ok = 1 ]; then
    dotnet build "$consumer" -c Release -p:StpPackageVersion="$version" -p:StpConsumerNativeRuntime=false \
        -p:BaseIntermediateOutputPath=obj/no-runtime/ -p:OutputPath=bin/no-runtime/ -nologo -v q >> TestResults/packages-consumer.log 2>&1 || ok=0
fi
if [ $ok = 1 ]; then
    NUGET_PACKAGES="$out/no-packages" "$consumer/bin/no-runtime/PackageConsumer" --expect-missing-runtime \
        --model samples/Stp.Cli/Models/qm9-stp-small.safetensors > "$out/no-runtime.log" 2>&1 || ok=0
    grep "^package consumer" "$out/no-runtime.log" >> TestResults/packages-consumer.log
fi
grep -E "^(package consumer|QM9 data not found|\| consumer|\| shipped)" TestResults/packages-consumer.log | sed 's/^/  /'
if [ $ok = 1 ]; then pass "package consumer ($(elapsed $t0))"; else tail -40 TestResults/packages-consumer.log; fail "package consumer (log: TestResults/packages-consumer.log)"; fi
rm -rf "$out"

# 2. The stp tool, installed from the folder into a temporary tool path.
tools=$(mktemp -d)
t0=$(date +%s)
ok=1
dotnet tool install Stp.Cli --tool-path "$tools" --add-source "$feed" --version "$version" > TestResults/packages-tool.log 2>&1 || ok=0
if [ $ok = 1 ]; then
    "$tools/stp" quickstart --n 4 --steps 10 --sampler ddim --out "$tools/quickstart" >> TestResults/packages-tool.log 2>&1 || ok=0
    [ -s "$tools/quickstart/samples.sdf" ] && [ -s "$tools/quickstart/metrics_by_size.png" ] || ok=0
fi
if [ $ok = 1 ]; then pass "stp tool: installed $version, quickstart ran ($(elapsed $t0))"; else tail -30 TestResults/packages-tool.log; fail "stp tool (log: TestResults/packages-tool.log)"; fi
rm -rf "$tools"
finish
