using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Sampling;
using static TorchSharp.torch;

namespace Stp.Cli.Tests;

/// <summary>
/// What every command shares: --device, the exit codes (0 done, 1 error, 2 usage, 130 interrupted) and the progress
/// display (per reverse step while sampling; plain lines without ANSI codes when stdout is not a terminal; the final
/// progress line before the summary).
/// </summary>
[NonParallelizable]
public class CommandConventionTests : TinyRunFixture
{
    private const string NoFile = "/nonexistent/stp-input";

    /// <summary>Each command with what it requires, every input a path that does not exist.</summary>
    private static readonly Dictionary<string, string[]> Minimal = new()
    {
        ["quickstart"] = ["quickstart", "--model", NoFile + ".safetensors", "--out", "/nonexistent/quickstart"],
        ["scale"] = ["scale", "--data", NoFile + ".xyz", "--out", "/nonexistent/gamma.json"],
        ["train"] = ["train", "--data", NoFile + ".xyz", "--steps", "1", "--out", "/nonexistent/run"],
        ["sample"] = ["sample", "--checkpoint", NoFile + ".safetensors", "--out", "/nonexistent/samples"],
        ["merge"] = ["merge", NoFile + "-shard", "--out", "/nonexistent/merged"],
        ["compare"] = ["compare", "--run", "a=" + NoFile, "--out", "/nonexistent/compare"],
        ["train-predictor"] = ["train-predictor", "--property", "alpha", "--data", NoFile + ".xyz", "--out", "/nonexistent/predictor"],
        ["evaluate"] = ["evaluate", NoFile + ".xyz", "--out", "/nonexistent/evaluation"],
        ["analyze"] = ["analyze", "--checkpoint", NoFile + ".safetensors", "--out", "/nonexistent/analysis"],
        ["export"] = ["export", "--checkpoint", NoFile + ".safetensors", "--out", "/nonexistent/model"],
        ["convert"] = ["convert", "--checkpoint", NoFile + ".stp", "--out", "/nonexistent/model"],
    };

    [Test]
    public void EveryCommandHasADeviceOptionAndTheTableAboveCoversThemAll()
    {
        var commands = CliApp.CreateRoot().Subcommands.ToList();
        Assert.That(commands.Select(c => c.Name), Is.EquivalentTo(Minimal.Keys));
        foreach (var c in commands) Assert.That(c.Options.Select(o => o.Name), Does.Contain("--device"), c.Name);
    }

    [TestCaseSource(nameof(Commands))]
    public void AnUnknownDeviceIsAUsageErrorNamingTheOption(string command)
    {
        var (code, stdout, err) = CliRun.Capture([.. Minimal[command], "--device", "tpu"]);
        Assert.That(code, Is.EqualTo(CliApp.ExitUsageError), err);
        CliRun.AssertOneErrorLine(err, "--device", "'tpu'");
        Assert.That(err, Does.Not.Contain("stp-input"), "checked before any input is read");
        Assert.That(stdout, Is.Empty);
    }

    /// <summary>The commands that run a model resolve --device before they load anything.</summary>
    [TestCase("quickstart")]
    [TestCase("train")]
    [TestCase("sample")]
    [TestCase("train-predictor")]
    [TestCase("evaluate")]
    [TestCase("analyze")]
    [TestCase("export")]
    public void CudaWithoutAGpuIsAUsageErrorBeforeAnythingIsLoaded(string command)
    {
        if (cuda.is_available()) Assert.Ignore("This machine has CUDA: --device cuda is valid here.");
        var (code, _, err) = CliRun.Capture([.. Minimal[command], "--device", "cuda"]);
        Assert.That(code, Is.EqualTo(CliApp.ExitUsageError), err);
        CliRun.AssertOneErrorLine(err, "--device cuda", "CUDA is not available");
        Assert.That(err, Does.Not.Contain("stp-input"));
    }

    /// <summary>A missing input is a runtime error (1) naming it, for every command that reads one.</summary>
    [TestCase("quickstart")]
    [TestCase("scale")]
    [TestCase("train")]
    [TestCase("sample")]
    [TestCase("merge")]
    [TestCase("train-predictor")]
    [TestCase("evaluate")]
    [TestCase("analyze")]
    [TestCase("export")]
    [TestCase("convert")]
    public void AMissingInputIsARuntimeErrorNamingIt(string command)
    {
        var args = Minimal[command].Select(a => a.StartsWith("/nonexistent/", StringComparison.Ordinal) && !a.Contains("stp-input") ? Dir.File(Path.GetFileName(a)) : a).ToArray();
        var (code, _, err) = CliRun.Capture(args);
        Assert.That(code, Is.EqualTo(CliApp.ExitRuntimeError), err);
        CliRun.AssertOneErrorLine(err, NoFile);
    }

    [Test]
    public void CompareWithAFolderThatHoldsNoEvaluationIsAUsageError()
    {
        var (code, _, err) = CliRun.Capture(Minimal["compare"]);
        Assert.That(code, Is.EqualTo(CliApp.ExitUsageError));
        CliRun.AssertOneErrorLine(err, "--run", "holds no summary.json");
    }

    /// <summary>Ctrl+C (here: the token) stops every long command with 130 and one line; training saves its checkpoint first.</summary>
    [Test]
    public void AnInterruptedCommandExitsWith130()
    {
        var run = Dir.File("run");
        Assert.That(CliRun.Capture(["train", "--data", Data, "--gamma", "data", "--model-size", "tiny", "--batch-size", "8", "--steps", "1", "--eval-every", "0", "--threads", "1", "--out", run]).Code, Is.EqualTo(0));
        var ckpt = Path.Combine(run, RunFolder.Checkpoint);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var cases = new Dictionary<string, string[]>
        {
            ["sample"] = ["sample", "--checkpoint", ckpt, "--n", "3", "--steps", "5", "--out", Dir.File("s"), "--threads", "1"],
            ["analyze"] = ["analyze", "--checkpoint", ckpt, "--n", "2", "--sizes", "8", "--per-size", "1", "--out", Dir.File("a"), "--threads", "1"],
            ["quickstart"] = ["quickstart", "--model", ckpt, "--n", "2", "--steps", "5", "--out", Dir.File("q"), "--threads", "1"],
            ["train"] = ["train", "--out", run, "--resume", "--steps", "1000", "--threads", "1"],
            ["scale"] = ["scale", "--data", Data, "--dataset", "any", "--out", Dir.File("gamma.json")],
        };
        foreach (var (name, args) in cases)
        {
            var (code, _, err) = CliRun.Capture(args, cancelled.Token);
            Assert.That(code, Is.EqualTo(CliApp.ExitInterrupted), $"{name}: {err}");
            Assert.That(err, Does.Not.Contain(" at Stp.").And.Not.Contain("unexpected"), name);
        }
        Assert.That(File.ReadAllText(Path.Combine(run, RunFolder.RunLog)), Does.Contain("step 1: interrupted; checkpoint saved"));
    }

    [Test]
    public void TheSamplerReportsEveryReverseStepOfEveryBatch()
    {
        using var model = DiffusionModel.Create(new ScriptedDenoiser(AtomFeatures.Qm9.Count), PriorKind.Unit, null, AtomFeatures.Qm9);
        var reports = new List<SamplingProgress>();
        var sampler = new DiffusionSampler(model, new SamplerOptions { Steps = 5 }) { StepProgress = new SyncProgress<SamplingProgress>(reports.Add) };
        var plan = SamplingPlan.Efficient([3, 3, 4, 5, 5], 2);
        var mols = sampler.Sample(plan, seed: 1);
        Assert.That(mols, Has.Count.EqualTo(5));
        Assert.That(reports.Select(r => r.StepsDone), Is.EqualTo(Enumerable.Range(1, 15).Select(i => (long)i)), "3 batches of 5 reverse steps, each reported");
        Assert.That(reports.Select(r => r.StepsTotal).Distinct(), Is.EqualTo(new[] { 15L }));
        Assert.That(reports.Select(r => r.MoleculesDone).Distinct(), Is.EqualTo(new[] { 0, 2, 4 }));
        Assert.That(reports.Select(r => r.Batch.MoleculeIds.Count).Distinct(), Is.EquivalentTo(new[] { 2, 1 }));
    }

    [Test]
    public void PlainProgressMovesPerReverseStepHasNoAnsiCodesAndEndsBeforeTheSummary()
    {
        var run = Dir.File("progress-run");
        Assert.That(CliRun.Capture(["train", "--data", Data, "--gamma", "data", "--model-size", "tiny", "--batch-size", "8", "--steps", "1", "--eval-every", "0", "--threads", "1", "--out", run]).Code, Is.EqualTo(0));
        var before = ProgressLine.PlainInterval;
        ProgressLine.PlainInterval = TimeSpan.Zero;
        (int Code, string Out, string Err) result;
        try { result = CliRun.Capture(["sample", "--checkpoint", Path.Combine(run, RunFolder.Checkpoint), "--n", "3", "--steps", "8", "--out", Dir.File("progress"), "--threads", "1"]); }
        finally { ProgressLine.PlainInterval = before; }
        Assert.That(result.Code, Is.EqualTo(0), result.Err);
        var lines = result.Out.Split('\n', StringSplitOptions.TrimEntries);
        var progress = lines.Where(l => l.StartsWith("sampling (", StringComparison.Ordinal)).ToList();
        Assert.That(progress, Has.Count.GreaterThanOrEqualTo(8), "a line per reverse step here (no interval): the display moves within a batch");
        Assert.That(progress.Any(l => l.Contains("at step 4/8")), string.Join("\n", progress));
        Assert.That(progress.Any(l => l.Contains("ETA ")));
        Assert.That(result.Out.Contains('\u001b'), Is.False, "no ANSI codes when stdout is not a terminal");
        int final = Array.FindIndex(lines, l => l.StartsWith("sampling (100%)", StringComparison.Ordinal) && l.Contains("done in"));
        int summary = Array.FindIndex(lines, l => l.StartsWith("Sampled 3 molecules", StringComparison.Ordinal));
        Assert.That(final, Is.GreaterThanOrEqualTo(0), result.Out);
        Assert.That(final, Is.LessThan(summary), "the final progress line comes before the summary");
        Assert.That(lines[final], Does.Contain("3/3 molecules"));
    }

    [Test]
    public void PlainProgressPrintsTheFirstReportAndThenOneLinePerInterval()
    {
        var (old, oldInterval) = (Console.Out, ProgressLine.PlainInterval);
        var captured = new StringWriter();
        Console.SetOut(captured);
        ProgressLine.PlainInterval = TimeSpan.FromHours(1);
        try
        {
            using (var p = new ProgressLine("evaluating", 200, "molecules"))
            {
                for (int i = 1; i <= 200; i++) p.Report(i, i == 200 ? "all read" : null);
                p.WriteLine("a notice");
                p.Complete();
            }
        }
        finally { Console.SetOut(old); ProgressLine.PlainInterval = oldInterval; }
        var lines = captured.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(lines, Has.Length.EqualTo(3), captured.ToString());
        Assert.That(lines[0], Does.StartWith("evaluating 1/200 molecules (0%)").And.Contain("ETA "));
        Assert.That(lines[1], Is.EqualTo("a notice"));
        Assert.That(lines[2], Does.StartWith("evaluating 200/200 molecules (100%), ").And.Contain("molecules/s, done in ").And.EndWith(", all read"));
    }

    private static IEnumerable<string> Commands() => Minimal.Keys;
}
