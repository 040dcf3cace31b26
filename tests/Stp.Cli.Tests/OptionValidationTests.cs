using NUnit.Framework;
using Stp.Testing;

namespace Stp.Cli.Tests;

/// <summary>
/// Options and output paths are checked before any expensive work: every case below names a data file or checkpoint
/// that does not exist, so an error about the option (not the file) shows the check came first. Option values are
/// usage errors (rc 2) naming the option; unwritable output paths are rc 1 naming the path.
/// </summary>
[NonParallelizable]
public class OptionValidationTests
{
    private const string NoData = "/nonexistent/stp-data.xyz", NoModel = "/nonexistent/stp-model.safetensors";

    private static readonly string[] Train = ["train", "--data", NoData, "--out", "/nonexistent/run"];
    private static readonly string[] Sample = ["sample", "--checkpoint", NoModel, "--out", "/nonexistent/samples"];
    private static readonly string[] Analyze = ["analyze", "--checkpoint", NoModel, "--out", "/nonexistent/analysis"];

    [TestCase("train", "--eval-samples", "-5", "--eval-samples must be in 1..1000000 (got -5)")]
    [TestCase("train", "--checkpoint-every", "0", "--checkpoint-every must be at least 1 (got 0)")]
    [TestCase("train", "--time-budget", "1e9h", "--time-budget: '1e9h' is longer than a year")]
    [TestCase("train", "--time-budget", "-2h", "--time-budget: '-2h' is not a positive duration")]
    [TestCase("train", "--time-budget", "soon", "--time-budget: 'soon' is not a duration")]
    [TestCase("train", "--steps", "0", "--steps must be at least 1 (got 0)")]
    [TestCase("train", "--epochs", "-1", "--epochs must be positive")]
    [TestCase("train", "--batch-size", "0", "--batch-size must be in 1..100000 (got 0)")]
    [TestCase("train", "--lr", "-1e-4", "--lr must be positive")]
    [TestCase("train", "--lr", "NaN", "--lr must be positive")]
    [TestCase("train", "--ema", "1", "--ema must be in [0, 1) (got 1)")]
    [TestCase("train", "--eval-every", "-1", "--eval-every must be at least 0")]
    [TestCase("train", "--nf", "1000000", "--nf must be in 1..8192")]
    [TestCase("train", "--max-molecules", "0", "--max-molecules must be at least 1")]
    [TestCase("train", "--max-skipped-steps", "-1", "--max-skipped-steps must be at least 0")]
    [TestCase("train", "--model-size", "huge", "--model-size: unknown size 'huge' (tiny, small, medium, released)")]
    [TestCase("train", "--backbone", "gpt", "--backbone: unknown backbone 'gpt'")]
    [TestCase("train", "--threads", "0", "--threads must be in 1..1024 (got 0)")]
    [TestCase("train", "--objective", "gan", "--objective: unknown objective 'gan' (epsilon, flow)")]
    [TestCase("sample", "--n", "0", "--n must be in 1..10000000 (got 0)")]
    [TestCase("sample", "--n", "-3", "--n must be in 1..10000000 (got -3)")]
    [TestCase("sample", "--batch-size", "0", "--batch-size must be in 1..100000")]
    [TestCase("sample", "--steps", "0", "--steps must be at least 1 (got 0)")]
    [TestCase("sample", "--max-edges", "-1", "--max-edges must be at least 0 (got -1)")]
    [TestCase("sample", "--spacing", "cubic", "--spacing: unknown spacing 'cubic' (uniform, quadratic, or an exponent in [1, 10])")]
    [TestCase("analyze", "--spacing", "uniform,0.5", "--spacing: unknown spacing '0.5'")]
    [TestCase("sample", "--frames", "1", "--frames must be in 2..10000000")]
    [TestCase("sample", "--plan", "sparse", "--plan: unknown plan 'sparse' (efficient, padded)")]
    [TestCase("sample", "--device", "tpu", "--device: unknown device 'tpu' (cpu, cuda, cuda:N)")]
    [TestCase("sample", "--device", "cuda:x", "--device: unknown device 'cuda:x' (cpu, cuda, cuda:N)")]
    [TestCase("analyze", "--sizes", "10,abc", "--sizes: 'abc' is not an atom count")]
    [TestCase("analyze", "--sizes", "10,0", "--sizes: '0' is not an atom count")]
    [TestCase("analyze", "--per-size", "0", "--per-size must be in 1..100000")]
    [TestCase("analyze", "--stride", "0", "--stride must be at least 1")]
    public void BadOptionValuesAreUsageErrorsNamingTheOptionBeforeAnythingIsLoaded(string command, string option, string value, string expected)
    {
        var args = (command switch { "train" => Train, "sample" => Sample, _ => Analyze }).Concat(new[] { option, value }).ToArray();
        var (code, stdout, err) = CliRun.Capture(args);
        Assert.That(code, Is.EqualTo(CliApp.ExitUsageError), err);
        CliRun.AssertOneErrorLine(err, expected);
        Assert.That(err, Does.Not.Contain("nonexistent"), "the option was checked before the data or model");
        Assert.That(stdout, Is.Empty);
    }

    [TestCase("cuda")]
    [TestCase("cuda:1")]
    public void AMissingCudaDeviceIsAUsageErrorThatSaysHowToGetOne(string name)
    {
        if (TorchSharp.torch.cuda.is_available()) Assert.Ignore("CUDA is available here; the message is for machines without it.");
        var (code, stdout, err) = CliRun.Capture([.. Sample, "--device", name]);
        Assert.That(code, Is.EqualTo(CliApp.ExitUsageError), err);
        CliRun.AssertOneErrorLine(err, $"--device {name}: CUDA is not available", "-p:StpCuda=true");
        Assert.That(err, Does.Not.Contain("nonexistent"), "the device was checked before the model was loaded");
        Assert.That(stdout, Is.Empty);
    }

    [Test]
    public void OutputPathsThatCannotBeWrittenAreNamedBeforeAnythingIsLoaded()
    {
        using var dir = new TempFolder();
        var file = dir.Write("not-a-folder", [1]);
        var sdfFolder = dir.File("sdf-is-a-folder");
        Directory.CreateDirectory(Path.Combine(sdfFolder, "samples.sdf"));
        var cases = new List<(string[] Args, string Expected)>
        {
            (["sample", "--checkpoint", NoModel, "--out", file], $"--out: {file} is a file, not a folder"),
            (["sample", "--checkpoint", NoModel, "--out", Path.Combine(file, "below")], $"--out: {file} is a file"),
            (["sample", "--checkpoint", NoModel, "--out", sdfFolder], $"--out: {Path.Combine(sdfFolder, "samples.sdf")} is a folder"),
            (["quickstart", "--model", NoModel, "--out", file], $"--out: {file} is a file, not a folder"),
            (["analyze", "--checkpoint", NoModel, "--out", file], $"--out: {file} is a file, not a folder"),
            (["train", "--data", NoData, "--steps", "1", "--out", file], $"--out: {file} is a file, not a folder"),
            (["scale", "--data", NoData, "--out", dir.Path], $"--out: {dir.Path} is a folder, not a file"),
            (["export", "--checkpoint", NoModel, "--out", Path.Combine(file, "model")], $"--out: {file} is a file"),
        };
        if (ReadOnlyFolder(dir) is string readOnly)
        {
            cases.Add((["sample", "--checkpoint", NoModel, "--out", Path.Combine(readOnly, "samples")], $"--out: cannot write to {readOnly}"));
            cases.Add((["train", "--data", NoData, "--steps", "1", "--out", readOnly], $"--out: cannot write to {readOnly}"));
        }
        else TestContext.Out.WriteLine("no read-only folder available here (running as root without /sys); that case is not covered");
        foreach (var (args, expected) in cases)
        {
            var (code, _, err) = CliRun.Capture(args);
            Assert.That(code, Is.EqualTo(CliApp.ExitRuntimeError), $"{string.Join(" ", args)}: {err}");
            CliRun.AssertOneErrorLine(err, expected);
            Assert.That(err, Does.Not.Contain("stp-model").And.Not.Contain("stp-data"), "the path was checked before the model or data");
        }
    }

    /// <summary>A folder this process cannot write: a chmod 555 folder, or (as root, who may write there) /sys.</summary>
    private static string? ReadOnlyFolder(TempFolder dir)
    {
        if (OperatingSystem.IsWindows()) return null;
        var ro = dir.File("read-only");
        Directory.CreateDirectory(ro);
        File.SetUnixFileMode(ro, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        if (!CanWrite(ro)) return ro;
        return Directory.Exists("/sys") && !CanWrite("/sys") ? "/sys" : null;

        static bool CanWrite(string folder)
        {
            try { File.WriteAllText(Path.Combine(folder, ".probe"), ""); File.Delete(Path.Combine(folder, ".probe")); return true; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
        }
    }
}
