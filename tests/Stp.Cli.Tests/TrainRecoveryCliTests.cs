using System.Diagnostics;
using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Training;
using static TorchSharp.torch;

namespace Stp.Cli.Tests;

/// <summary>
/// Training faults are recoverable from the CLI: a divergence keeps the last good checkpoint and says how to go on,
/// --lr on --resume changes the rate (run.log records it), an interrupted evaluation stops at once and saves, and a
/// folder that holds a run is never silently overwritten.
/// </summary>
[NonParallelizable]
public class TrainRecoveryCliTests : TinyRunFixture
{
    private string[] Train(string run, params string[] extra) =>
        ["train", "--data", Data, "--gamma", "data", "--model-size", "tiny", "--batch-size", "8", "--out", run, "--threads", "1",
         .. extra.Contains("--eval-every") ? [] : new[] { "--eval-every", "0" }, .. extra];

    [Test]
    public void LrOnResumeChangesTheRateAndIsRecordedWithoutItTheCheckpointsRateIsKept()
    {
        var run = Dir.File("lr");
        var ckpt = Path.Combine(run, RunFolder.Checkpoint);
        Assert.That(CliRun.Capture(Train(run, "--steps", "2", "--lr", "5e-4")).Code, Is.EqualTo(0));
        Assert.That(CliRun.Capture(Train(run, "--steps", "3", "--resume")).Code, Is.EqualTo(0));
        Assert.That(TrainerCheckpoint.ReadInfo(ckpt).LearningRate, Is.EqualTo(5e-4), "a resume without --lr keeps the run's rate (not the default 1e-4)");
        var (code, stdout, _) = CliRun.Capture(Train(run, "--steps", "4", "--resume", "--lr", "1e-4"));
        Assert.That(code, Is.EqualTo(0));
        Assert.That(stdout, Does.Contain("Learning rate changed on resume: 0.0005 -> 0.0001 from step 4"));
        Assert.That(TrainerCheckpoint.ReadInfo(ckpt), Is.EqualTo(new TrainerCheckpoint.Info(4, 0, 1e-4)));
        var log = File.ReadAllLines(Path.Combine(run, RunFolder.RunLog));
        Assert.That(log.Count(l => l.Contains("new run (lr 0.0005")), Is.EqualTo(1));
        Assert.That(log.Count(l => l.Contains("step 2: resumed (lr 0.0005)")), Is.EqualTo(1));
        Assert.That(log.Count(l => l.Contains("step 3: resumed; learning rate changed from 0.0005 to 0.0001 (--lr)")), Is.EqualTo(1));
        Assert.That(log.Count(l => l.Contains("finished; checkpoint saved")), Is.EqualTo(3));
    }

    [Test]
    public void ADivergenceKeepsTheLastGoodCheckpointAndSaysHowToGoOn()
    {
        var run = Dir.File("diverged");
        var ckpt = Path.Combine(run, RunFolder.Checkpoint);
        var den = new ScriptedDenoiser(AtomFeatures.Qm9.Count) { NaNFromCall = 2 }; // one call per training step: steps 3 and 4 are NaN
        using var model = DiffusionModel.Create(den, PriorKind.Unit, null, AtomFeatures.Qm9);
        var mols = XyzFile.Read(Data).ToList();
        using var trainer = new DiffusionTrainer(model, mols, new TrainerOptions { BatchSize = 4, MaxSkippedSteps = 1, LearningRate = 2e-4 });
        var options = new TrainingLoopOptions(run, ckpt, new Dictionary<string, string>(), MaxSteps: 10, TimeBudget: null, CheckpointEvery: 2, EvalEvery: 0, EvalSamples: 1, "qm9", CPU);
        var e = Assert.Throws<InvalidOperationException>(() => TrainingLoop.Run(trainer, options, CancellationToken.None))!;
        Assert.That(e.InnerException, Is.InstanceOf<TrainingDivergedException>());
        Assert.That(e.Message, Does.Contain("Training diverged at step 4").And.Contain("more than --max-skipped-steps 1")
            .And.Contain($"The last good checkpoint, step 2, is kept: {ckpt}").And.Contain("--resume --lr 2e-5 (a lower learning rate; now 0.0002)").And.Contain(RunFolder.UnsavedSteps));
        Assert.That(TrainerCheckpoint.ReadInfo(ckpt).Step, Is.EqualTo(2), "the diverged state did not overwrite the checkpoint");
        Assert.That(File.ReadAllLines(Path.Combine(run, RunFolder.TrainLog)).Skip(1).Select(l => l.Split(',')[0]), Is.EqualTo(new[] { "1", "2" }), "the log matches the checkpoint");
        Assert.That(File.ReadAllLines(Path.Combine(run, RunFolder.UnsavedSteps)).Skip(1).Single(), Does.StartWith("3,").And.Contain("NaN"));
        Assert.That(File.ReadAllText(Path.Combine(run, RunFolder.RunLog)), Does.Contain("stopped: Training diverged at step 4"));
        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try { Assert.That(CliApp.Report(e), Is.EqualTo(CliApp.ExitRuntimeError)); }
        finally { Console.SetError(old); }
        CliRun.AssertOneErrorLine(err.ToString(), "Training diverged at step 4", "--resume --lr");
    }

    [Test]
    public void CtrlCDuringAnEvaluationStopsWithinASamplingStepAndSaves()
    {
        var run = Dir.File("eval");
        using var cts = new CancellationTokenSource();
        // Step 1 saves (--checkpoint-every 1), then evaluates 20,000 molecules over 1000 steps: minutes, unless cancelled.
        var task = Task.Run(() => CliRun.Capture(Train(run, "--steps", "5", "--checkpoint-every", "1", "--eval-every", "1", "--eval-samples", "20000"), cts.Token));
        var ckpt = Path.Combine(run, RunFolder.Checkpoint);
        var wait = Stopwatch.StartNew();
        while (!File.Exists(ckpt) && !task.IsCompleted && wait.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(50);
        Thread.Sleep(500);
        var stop = Stopwatch.StartNew();
        cts.Cancel();
        Assert.That(task.Wait(TimeSpan.FromSeconds(30)), Is.True, "an evaluation is cancellable");
        TestContext.Out.WriteLine($"stopped {stop.Elapsed.TotalSeconds:F1} s after the cancellation");
        Assert.That(task.Result.Code, Is.EqualTo(CliApp.ExitInterrupted), task.Result.Err);
        Assert.That(task.Result.Out, Does.Not.Contain("[eval step"), "the evaluation was running, and did not fail or finish");
        Assert.That(TrainerCheckpoint.ReadInfo(ckpt).Step, Is.EqualTo(1));
        Assert.That(File.ReadAllText(Path.Combine(run, RunFolder.RunLog)), Does.Contain("step 1: interrupted; checkpoint saved"));
        Assert.That(File.Exists(Path.Combine(run, RunFolder.EvalLog)) ? File.ReadAllLines(Path.Combine(run, RunFolder.EvalLog)) : [], Has.Length.LessThanOrEqualTo(1), "no evaluation finished");
    }

    [Test]
    public void AFolderHoldingARunIsRefusedWithoutResumeOrForce()
    {
        var run = Dir.File("taken");
        Assert.That(CliRun.Capture(Train(run, "--steps", "2")).Code, Is.EqualTo(0));
        var before = File.ReadAllBytes(Path.Combine(run, RunFolder.Checkpoint));

        var (code, _, err) = CliRun.Capture(Train(run, "--steps", "2"));
        Assert.That(code, Is.EqualTo(CliApp.ExitUsageError));
        CliRun.AssertOneErrorLine(err, "already holds a run", RunFolder.Checkpoint, RunFolder.TrainLog, "--resume", "--force");
        Assert.That(File.ReadAllBytes(Path.Combine(run, RunFolder.Checkpoint)), Is.EqualTo(before), "nothing was touched");
        Assert.That(CliRun.Capture(Train(run, "--steps", "2", "--resume", "--force")).Code, Is.EqualTo(CliApp.ExitUsageError));

        (code, var stdout, _) = CliRun.Capture(Train(run, "--steps", "1", "--force", "--seed", "3"));
        Assert.That(code, Is.EqualTo(0));
        var aside = Directory.GetDirectories(run, "replaced-*").Single();
        Assert.That(stdout, Does.Contain(aside));
        Assert.That(File.ReadAllBytes(Path.Combine(aside, RunFolder.Checkpoint)), Is.EqualTo(before), "the old run is moved aside, whole");
        Assert.That(File.ReadAllLines(Path.Combine(aside, RunFolder.TrainLog)), Has.Length.EqualTo(3));
        Assert.That(File.ReadAllLines(Path.Combine(run, RunFolder.TrainLog)), Has.Length.EqualTo(2), "the new run has its own log");
        Assert.That(TrainerCheckpoint.ReadInfo(Path.Combine(run, RunFolder.Checkpoint)).Seed, Is.EqualTo(3));

        File.Delete(Path.Combine(run, RunFolder.Checkpoint));
        (code, _, err) = CliRun.Capture(Train(run, "--steps", "1", "--resume"));
        Assert.That(code, Is.EqualTo(CliApp.ExitUsageError), "a log without a checkpoint is not silently appended to");
        CliRun.AssertOneErrorLine(err, "no checkpoint.safetensors to resume");
    }

    [Test]
    public void SampleRefusesAnOutFolderHoldingSamplesUnlessForced()
    {
        var run = Dir.File("for-samples");
        Assert.That(CliRun.Capture(Train(run, "--steps", "1")).Code, Is.EqualTo(0));
        var ckpt = Path.Combine(run, RunFolder.Checkpoint);
        var outDir = Dir.File("samples");
        string[] Sample(params string[] extra) => ["sample", "--checkpoint", ckpt, "--n", "3", "--steps", "5", "--out", outDir, "--threads", "1", .. extra];
        Assert.That(CliRun.Capture(Sample()).Code, Is.EqualTo(0));
        var first = File.ReadAllText(Path.Combine(outDir, SampleOutput.Xyz));
        var (code, _, err) = CliRun.Capture(Sample("--seed", "2"));
        Assert.That(code, Is.EqualTo(CliApp.ExitUsageError));
        CliRun.AssertOneErrorLine(err, "already holds samples", "--force");
        Assert.That(File.ReadAllText(Path.Combine(outDir, SampleOutput.Xyz)), Is.EqualTo(first));
        Assert.That(CliRun.Capture(Sample("--seed", "2", "--force")).Code, Is.EqualTo(0));
        Assert.That(File.ReadAllText(Path.Combine(outDir, SampleOutput.Xyz)), Is.Not.EqualTo(first));
    }
}
