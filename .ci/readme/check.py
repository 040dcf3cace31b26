"""Compiles and runs every ```csharp block of README.md, from the repository root, each within a time limit."""
import pathlib, re, subprocess, sys, time

root = pathlib.Path(__file__).resolve().parents[2]
here = pathlib.Path(__file__).resolve().parent
blocks = re.findall(r"```csharp\n(.*?)```", (root / "README.md").read_text(encoding="utf-8"), re.S)
if not blocks:
    print("README.md has no C# block"); sys.exit(1)
failed = 0
for i, code in enumerate(blocks, 1):
    (here / "Block.cs").write_text(code, encoding="utf-8")
    build = subprocess.run(["dotnet", "build", str(here / "ReadmeExample.csproj"), "-c", "Release", "-v", "q", "-nologo"], capture_output=True, text=True)
    if build.returncode != 0:
        print(f"README C# block {i}: does not compile\n{build.stdout[-3000:]}{build.stderr[-2000:]}"); failed += 1; continue
    exe = here / "bin" / "Release" / "net10.0" / "ReadmeExample"
    start = time.time()
    try:
        run = subprocess.run([str(exe)], cwd=root, capture_output=True, text=True, timeout=300)
        ok = run.returncode == 0
        tail = (run.stdout + run.stderr)[-1500:]
    except subprocess.TimeoutExpired:
        ok, tail = False, "timed out after 300 s"
    print(f"README C# block {i}: {'ran' if ok else 'FAILED'} in {time.time() - start:.0f} s")
    if "-v" in sys.argv: print(tail)
    if not ok:
        print(tail); failed += 1
(here / "Block.cs").unlink(missing_ok=True)
results = root / "TestResults"
results.mkdir(exist_ok=True)
(results / "readme.counts").write_text(f"{len(blocks) - failed} {failed}\n")
sys.exit(1 if failed else 0)
