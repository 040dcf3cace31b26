using System.Diagnostics;
using NUnit.Framework;
using Stp.Diffusion;
using Stp.Training;

namespace Stp.Cli.Tests;

/// <summary>
/// Ctrl+C and SIGTERM on a real `stp train` child process (Linux): one signal saves a checkpoint and exits 130 (SIGINT
/// or SIGTERM); a second signal exits at once, without a crash, leaving the last checkpoint whole.
/// </summary>
[NonParallelizable]
public class SignalTests : TinyRunFixture
{
    [SetUp]
    public void OnLinuxOnly()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("POSIX signals to a child process are tested on Linux.");
    }

    /// <summary>Starts `dotnet stp.dll args` (the CLI built beside the tests) with its output collected.</summary>
    private static (Process Process, Func<string> Output) Start(params string[] args)
    {
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "stp.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        var output = new System.Text.StringBuilder();
        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (File.ReadAllText($"/proc/{p.Id}/status").Split('\n').FirstOrDefault(l => l.StartsWith("SigIgn:")) is string ign
            && (Convert.ToUInt64(ign[7..].Trim(), 16) & 0x2) != 0)
        {
            p.Kill();
            Assert.Ignore("SIGINT is ignored in this process tree (the tests were started in the background): a child cannot receive Ctrl+C.");
        }
        return (p, () => { lock (output) return output.ToString(); });
    }

    private static void Signal(Process p, string name) => Process.Start("kill", new[] { "-" + name, p.Id.ToString() })!.WaitForExit();

    private static void WaitFor(Func<bool> condition, Process p, Func<string> output)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (p.HasExited) Assert.Fail($"stp exited early with {p.ExitCode}:\n{output()}");
            if (sw.Elapsed > TimeSpan.FromMinutes(2)) { p.Kill(); Assert.Fail($"timed out:\n{output()}"); }
            Thread.Sleep(50);
        }
    }

    private static int Exit(Process p, Func<string> output)
    {
        if (!p.WaitForExit(60_000)) { p.Kill(); Assert.Fail($"stp did not stop after the signal:\n{output()}"); }
        p.WaitForExit();
        return p.ExitCode;
    }

    /// <summary>A tiny run; without --steps it goes on until a signal stops it.</summary>
    private string[] Train(string run, string? data = null, string steps = "10000000", params string[] extra) =>
        ["train", "--data", data ?? Data, "--gamma", "data", "--model-size", "tiny", "--batch-size", "8", "--steps", steps, "--eval-every", "0", "--threads", "1", "--out", run, .. extra];

    [TestCase("INT", CliApp.ExitInterrupted)]
    [TestCase("TERM", CliApp.ExitInterrupted)]
    public void OneSignalSavesACheckpointAndExitsWithTheSignalsCode(string signal, int expected)
    {
        var run = Dir.File("one-" + signal);
        var ckpt = Path.Combine(run, RunFolder.Checkpoint);
        // No periodic checkpoint: the one on disk afterwards is the one the signal made.
        var (p, output) = Start(Train(run, extra: ["--checkpoint-every", "1000000"]));
        WaitFor(() => output().Contains("Model:"), p, output);
        Thread.Sleep(1500);
        Signal(p, signal);
        Assert.That(Exit(p, output), Is.EqualTo(expected), output());
        Assert.That(output(), Does.Contain("Saved ").And.Not.Contain("Unhandled"));
        var info = TrainerCheckpoint.ReadInfo(ckpt);
        Assert.That(info.Step, Is.GreaterThan(0));
        using (DiffusionModel.Load(ckpt)) { }
        Assert.That(File.ReadAllLines(Path.Combine(run, RunFolder.TrainLog)), Has.Length.EqualTo(info.Step + 1), "the log matches the checkpoint");
        Assert.That(File.ReadAllText(Path.Combine(run, RunFolder.RunLog)), Does.Contain($"step {info.Step}: interrupted; checkpoint saved"));
    }

    [Test]
    public void ASecondSignalDuringTrainingLeavesTheManifestKilledNotRunning()
    {
        var run = Dir.File("killed");
        var ckpt = Path.Combine(run, RunFolder.Checkpoint);
        var (p, output) = Start(Train(run, extra: ["--checkpoint-every", "5"]));
        WaitFor(() => File.Exists(ckpt) && File.Exists(Path.Combine(run, "manifest.json")), p, output);
        Thread.Sleep(500);
        // Both signals are delivered together when the stopped process goes on: the second comes before the clean stop ends.
        Signal(p, "STOP");
        Signal(p, "INT");
        Signal(p, "TERM");
        Signal(p, "CONT");
        Assert.That(Exit(p, output), Is.EqualTo(CliApp.ExitInterrupted), output());
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(run, "manifest.json")))!;
        var status = (string)manifest["status"]!;
        TestContext.Out.WriteLine($"manifest status {status} at step {manifest["step"]}");
        Assert.That(status, Is.AnyOf("killed", "interrupted"), "a second signal never leaves the manifest 'running'");
        if (output().Contains("second")) Assert.That(status, Is.EqualTo("killed"), output());
        Assert.That((long)manifest["step"]!, Is.LessThanOrEqualTo(TrainerCheckpoint.ReadInfo(ckpt).Step), "the manifest names a step the checkpoint holds");
    }

    [Test]
    public void ASecondSignalExitsAtOnceWithoutACrashAndTheLastCheckpointStaysWhole()
    {
        var run = Dir.File("twice");
        var ckpt = Path.Combine(run, RunFolder.Checkpoint);
        Assert.That(CliRun.Capture(Train(run, steps: "2")).Code, Is.EqualTo(0));
        var before = File.ReadAllBytes(ckpt);
        // The second run is still loading its data (a large file) when both signals arrive: the first asks it to stop
        // cleanly, which it cannot do before the load ends; the second ends it at once.
        var big = Dir.File("big.xyz");
        File.WriteAllLines(big, Enumerable.Repeat(File.ReadAllText(Data).TrimEnd('\n'), 4000));
        var (p, output) = Start(Train(run, big, extra: ["--resume"]));
        WaitFor(() => output().Contains("Loading"), p, output);
        Signal(p, "INT");
        Thread.Sleep(100);
        Signal(p, "INT");
        var sw = Stopwatch.StartNew();
        Assert.That(Exit(p, output), Is.EqualTo(CliApp.ExitInterrupted), output());
        TestContext.Out.WriteLine($"exited {sw.Elapsed.TotalSeconds:F1} s after the second signal");
        Assert.That(output(), Does.Contain("second interrupt").And.Not.Contain("Unhandled").And.Not.Contain("unexpected"));
        Assert.That(File.ReadAllBytes(ckpt), Is.EqualTo(before), "the last checkpoint is whole");
        Assert.That(CliRun.Capture(Train(run, steps: "3", extra: ["--resume"])).Code, Is.EqualTo(0), "and resumes");
        Assert.That(TrainerCheckpoint.ReadInfo(ckpt).Step, Is.EqualTo(3));
    }
}
