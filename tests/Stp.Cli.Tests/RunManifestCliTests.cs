using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Stp.Training;

namespace Stp.Cli.Tests;

/// <summary>
/// A run folder's manifest.json: the resolved configuration, software, machine and sessions; --resume restores the
/// run's options from it (and refuses a conflicting one), an older folder without one resumes from its checkpoint,
/// and --config takes the same options from a JSON file (a manifest included).
/// </summary>
[NonParallelizable]
public class RunManifestCliTests : TinyRunFixture
{
    /// <summary>
    /// A tiny run with every option that shapes it given (seed 7, batch 4, 6 steps, a checkpoint every step);
    /// <paramref name="extra"/> replaces those values ("--steps", "2") and adds flags ("--force").
    /// </summary>
    private string[] Train(string run, params string[] extra)
    {
        var options = new List<(string Name, string? Value)>
        {
            ("--data", Data), ("--gamma", "data"), ("--model-size", "tiny"), ("--batch-size", "4"), ("--seed", "7"), ("--steps", "6"),
            ("--checkpoint-every", "1"), ("--eval-every", "0"), ("--threads", "1"), ("--out", run),
        };
        for (int i = 0; i < extra.Length; i++)
        {
            string? value = i + 1 < extra.Length && !extra[i + 1].StartsWith("--", StringComparison.Ordinal) ? extra[++i] : null;
            int at = options.FindIndex(o => o.Name == extra[i - (value is null ? 0 : 1)]);
            var entry = (extra[i - (value is null ? 0 : 1)], value);
            if (at >= 0) options[at] = entry; else options.Add(entry);
        }
        return ["train", .. options.SelectMany(o => o.Value is null ? new[] { o.Name } : new[] { o.Name, o.Value })];
    }

    private static JsonObject Manifest(string run) => JsonNode.Parse(File.ReadAllText(Path.Combine(run, RunManifest.FileName)))!.AsObject();

    /// <summary>step, epoch, loss, grad_norm, clipped of every logged step (the step's wall time differs between runs).</summary>
    private static string[] Log(string run) =>
        File.ReadAllLines(Path.Combine(run, RunFolder.TrainLog)).Select(l => string.Join(",", l.Split(',').Take(5))).ToArray();

    private string? _straight;

    /// <summary>The reference: the 6-step run without interruption (trained once for the fixture).</summary>
    private string Straight()
    {
        if (_straight is not null) return _straight;
        var run = Dir.File("straight");
        var (code, _, err) = CliRun.Capture(Train(run));
        Assert.That(code, Is.EqualTo(0), err);
        return _straight = run;
    }

    [Test]
    public void TheManifestHoldsTheResolvedConfigurationSoftwareMachineAndTimes()
    {
        var run = Straight();
        var m = Manifest(run);
        Assert.That(m["format"]!.GetValue<string>(), Is.EqualTo(RunManifest.Format));
        Assert.That(m["status"]!.GetValue<string>(), Is.EqualTo("finished"));
        Assert.That(m["step"]!.GetValue<long>(), Is.EqualTo(6));
        var config = m["config"]!.AsObject();
        Assert.That(config["batch-size"]!.GetValue<int>(), Is.EqualTo(4));
        Assert.That(config["seed"]!.GetValue<long>(), Is.EqualTo(7));
        Assert.That(config["model-size"]!.GetValue<string>(), Is.EqualTo("tiny"));
        Assert.That(config["prior"]!.GetValue<string>(), Is.EqualTo("stp"));
        Assert.That(config["ema"]!.GetValue<double>(), Is.EqualTo(0.9999));
        Assert.That(config["lr"]!.GetValue<double>(), Is.EqualTo(1e-4), "the resolved learning rate, not null");
        Assert.That(config["data"]!.GetValue<string>(), Is.EqualTo(Path.GetFullPath(Data)), "paths are recorded in full");
        Assert.That(config["out"]!.GetValue<string>(), Is.EqualTo(Path.GetFullPath(run)));
        Assert.That(config.Select(kv => kv.Key), Is.SupersetOf(new[] { "dataset", "backbone", "objective", "gamma", "nf", "layers", "epochs", "time-budget", "condition", "device", "tensorboard" }),
            "every option is listed, unset ones as null");
        var trainer = m["training"]!["trainer"]!;
        Assert.That(trainer["batchSize"]!.GetValue<int>(), Is.EqualTo(4));
        Assert.That(trainer["seed"]!.GetValue<long>(), Is.EqualTo(7));
        Assert.That(trainer["emaDecay"]!.GetValue<double>(), Is.EqualTo(0.9999));
        Assert.That(trainer["gradientClipping"]!.GetValue<string>(), Does.StartWith("EDM adaptive"));
        Assert.That(m["training"]!["stop"]!["maxSteps"]!.GetValue<long>(), Is.EqualTo(6));
        var model = m["training"]!["model"]!["description"]!;
        Assert.That(model["schedule"]!["timesteps"]!.GetValue<int>(), Is.EqualTo(1000));
        Assert.That(model["denoiser"]!["options"]!["hiddenFeatures"]!.GetValue<int>(), Is.EqualTo(32));
        Assert.That(model["prior"]!["kind"]!.GetValue<string>(), Is.EqualTo("ScaledPrior"));
        Assert.That(m["training"]!["split"]!["train"]!.GetValue<int>(), Is.GreaterThan(0));

        var software = m["software"]!;
        Assert.That(software["stp"]!.GetValue<string>(), Is.EqualTo(BuildInfo.Version).And.StartsWith("0."));
        Assert.That(software["commit"]!.GetValue<string>(), Does.Match("^([0-9a-f]{40}|unknown)$"));
        Assert.That(software["torchsharp"]!.GetValue<string>(), Is.EqualTo("0.107.0"));
        Assert.That(software["libtorch"]!.GetValue<string>(), Does.Match(@"^\d+\.\d+\.\d+$"));
        Assert.That(m["device"]!.GetValue<string>(), Is.EqualTo("cpu"));
        Assert.That(m["machine"]!["cores"]!.GetValue<int>(), Is.EqualTo(Environment.ProcessorCount));
        Assert.That(m["machine"]!["memoryBytes"]!.GetValue<long>(), Is.GreaterThan(0));
        Assert.That(m["machine"]!["threads"]!.GetValue<int>(), Is.EqualTo(1));
        var started = DateTime.Parse(m["started"]!.GetValue<string>()).ToUniversalTime();
        var ended = DateTime.Parse(m["ended"]!.GetValue<string>()).ToUniversalTime();
        Assert.That(ended, Is.GreaterThanOrEqualTo(started));
        Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromHours(1)));
        var session = m["sessions"]!.AsArray().Single()!;
        Assert.That(session["kind"]!.GetValue<string>(), Is.EqualTo("new run"));
        Assert.That(session["commandLine"]!.AsArray().Select(x => x!.GetValue<string>()), Is.EqualTo(new[] { "stp" }.Concat(Train(run))));
        Assert.That(Directory.GetFiles(run, "*.tmp*"), Is.Empty, "written atomically: no temporary file is left");
    }

    [Test]
    public void AResumeWithoutOptionsRestoresTheRunsOptionsAndGivesTheSameRunAsOneWithoutInterruption()
    {
        var run = Dir.File("interrupted");
        var (code, _, err) = CliRun.CaptureStoppingAt(Train(run), "training 3/6 steps");
        Assert.That(code, Is.EqualTo(CliApp.ExitInterrupted), err);
        Assert.That(TrainerCheckpoint.ReadInfo(Path.Combine(run, RunFolder.Checkpoint)).Step, Is.EqualTo(3));
        Assert.That(Manifest(run)["status"]!.GetValue<string>(), Is.EqualTo("interrupted"));

        // No --data, --seed, --batch-size or --steps: all from the manifest (today's default batch size would be 64, seed 0).
        string stdout;
        (code, stdout, err) = CliRun.Capture(["train", "--out", run, "--resume", "--threads", "1"]);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(stdout, Does.Contain($"Resuming with the run's options from {Path.Combine(run, RunManifest.FileName)}"));
        var info = TrainerCheckpoint.ReadInfo(Path.Combine(run, RunFolder.Checkpoint));
        Assert.That(info.Step, Is.EqualTo(6), "the recorded stop rule: 6 steps");
        Assert.That(info.Seed, Is.EqualTo(7));
        Assert.That(Log(run), Is.EqualTo(Log(Straight())), "the same steps, losses and gradient norms as the run without interruption");

        var m = Manifest(run);
        Assert.That(m["config"]!["batch-size"]!.GetValue<int>(), Is.EqualTo(4));
        Assert.That(m["training"]!["trainer"]!["batchSize"]!.GetValue<int>(), Is.EqualTo(4));
        var sessions = m["sessions"]!.AsArray();
        Assert.That(sessions.Select(s => (s!["kind"]!.GetValue<string>(), s["status"]!.GetValue<string>(), s["fromStep"]!.GetValue<long>(), s["toStep"]!.GetValue<long>())),
            Is.EqualTo(new[] { ("new run", "interrupted", 0L, 3L), ("resume", "finished", 3L, 6L) }));
        Assert.That(sessions[1]!["overrides"], Is.Null, "nothing was changed");
        Assert.That(m["status"]!.GetValue<string>(), Is.EqualTo("finished"));
    }

    [TestCase("--batch-size", "8", "--batch-size 4")]
    [TestCase("--seed", "3", "--seed 7")]
    [TestCase("--prior", "none", "--prior stp")]
    [TestCase("--model-size", "small", "--model-size tiny")]
    public void AResumeWithAConflictingOptionIsAUsageErrorNamingItAndBothValues(string option, string value, string recorded)
    {
        var run = Dir.File("conflict" + option);
        Assert.That(CliRun.Capture(Train(run, "--steps", "2")).Code, Is.EqualTo(0));
        var before = File.ReadAllBytes(Path.Combine(run, RunFolder.Checkpoint));
        var (code, stdout, err) = CliRun.Capture(["train", "--out", run, "--resume", "--threads", "1", "--steps", "3", option, value]);
        Assert.That(code, Is.EqualTo(CliApp.ExitUsageError), err);
        CliRun.AssertOneErrorLine(err, $"{option} {value} conflicts with the run in {run}", $"trained with {recorded}", RunManifest.FileName);
        Assert.That(stdout, Does.Not.Contain("Loading"), "refused before the data is loaded");
        Assert.That(File.ReadAllBytes(Path.Combine(run, RunFolder.Checkpoint)), Is.EqualTo(before));
    }

    [Test]
    public void ADeliberateChangeOnResumeIsAllowedAndRecorded()
    {
        var run = Dir.File("changed");
        Assert.That(CliRun.Capture(Train(run, "--steps", "2")).Code, Is.EqualTo(0));
        var (code, _, err) = CliRun.Capture(["train", "--out", run, "--resume", "--threads", "1", "--lr", "5e-4", "--steps", "3", "--checkpoint-every", "2"]);
        Assert.That(code, Is.EqualTo(0), err);
        var m = Manifest(run);
        var overrides = m["sessions"]!.AsArray()[1]!["overrides"]!.AsObject();
        Assert.That(overrides.Select(kv => kv.Key), Is.EquivalentTo(new[] { "lr", "steps", "checkpoint-every" }));
        Assert.That(overrides["lr"]!["from"]!.GetValue<double>(), Is.EqualTo(1e-4));
        Assert.That(overrides["lr"]!["to"]!.GetValue<double>(), Is.EqualTo(5e-4));
        Assert.That(m["config"]!["lr"]!.GetValue<double>(), Is.EqualTo(5e-4), "the configuration is the run's current one");
        Assert.That(m["config"]!["batch-size"]!.GetValue<int>(), Is.EqualTo(4));
        Assert.That(TrainerCheckpoint.ReadInfo(Path.Combine(run, RunFolder.Checkpoint)).LearningRate, Is.EqualTo(5e-4));
        var log = File.ReadAllText(Path.Combine(run, RunFolder.RunLog));
        Assert.That(log, Does.Contain("learning rate changed from 0.0001 to 0.0005 (--lr)").And.Contain("options changed on resume: --steps 2 -> 3, --checkpoint-every 1 -> 2"));
    }

    [Test]
    public void AnOlderRunFolderWithoutAManifestResumesFromItsCheckpointAndSaysSo()
    {
        var run = Dir.File("older");
        Assert.That(CliRun.Capture(Train(run, "--steps", "2")).Code, Is.EqualTo(0));
        File.Delete(Path.Combine(run, RunManifest.FileName));
        // Such a run knows only what its checkpoint holds: the seed (7) comes from it, whatever the command line says.
        var (code, stdout, err) = CliRun.Capture(["train", "--data", Data, "--out", run, "--resume", "--batch-size", "4", "--steps", "3", "--eval-every", "0", "--threads", "1"]);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(stdout, Does.Contain($"{run} has no {RunManifest.FileName} (a run from before manifests): resuming with the model, seed and learning rate of its checkpoint"));
        var m = Manifest(run);
        Assert.That(m["config"]!["seed"]!.GetValue<long>(), Is.EqualTo(7), "the checkpoint's seed, not --seed's default 0");
        Assert.That(m["sessions"]!.AsArray().Single()!["note"]!.GetValue<string>(), Does.Contain("before manifests"));
        Assert.That(File.ReadAllText(Path.Combine(run, RunFolder.RunLog)), Does.Contain("before manifests"));
        Assert.That(TrainerCheckpoint.ReadInfo(Path.Combine(run, RunFolder.Checkpoint)), Is.EqualTo(new TrainerCheckpoint.Info(3, 7, 1e-4)));
    }

    [Test]
    public void AConfigFileSetsTheOptionsAndFlagsOnTheCommandLineOverrideIt()
    {
        var config = Dir.File("config.json");
        File.WriteAllText(config, $$"""
            {
              // comments are allowed
              "data": {{System.Text.Json.JsonSerializer.Serialize(Data)}},
              "gamma": "data", "model-size": "tiny", "batch-size": 4, "seed": 9, "steps": 2,
              "eval-every": 0, "threads": 1, "tensorboard": false, "condition": null
            }
            """);
        var run = Dir.File("configured");
        var (code, _, err) = CliRun.Capture(["train", "--config", config, "--seed", "11", "--out", run]);
        Assert.That(code, Is.EqualTo(0), err);
        var m = Manifest(run);
        Assert.That(m["config"]!["batch-size"]!.GetValue<int>(), Is.EqualTo(4), "from the file");
        Assert.That(m["config"]!["seed"]!.GetValue<long>(), Is.EqualTo(11), "the flag wins");
        Assert.That(TrainerCheckpoint.ReadInfo(Path.Combine(run, RunFolder.Checkpoint)), Is.EqualTo(new TrainerCheckpoint.Info(2, 11, 1e-4)));
        Assert.That(Directory.Exists(Path.Combine(run, RunMetrics.TensorBoardFolder)), Is.False, "tensorboard false");
        Assert.That(m["commandLine"]!.AsArray().Select(x => x!.GetValue<string>()), Is.EqualTo(new[] { "stp", "train", "--config", config, "--seed", "11", "--out", run }));
    }

    [Test]
    public void AManifestIsAConfigFileThatRepeatsItsRun()
    {
        var straight = Straight();
        var again = Dir.File("again");
        var (code, _, err) = CliRun.Capture(["train", "--config", Path.Combine(straight, RunManifest.FileName), "--out", again]);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(Log(again), Is.EqualTo(Log(straight)), "the same run, step for step");
        Assert.That(Manifest(again)["config"]!["out"]!.GetValue<string>(), Is.EqualTo(Path.GetFullPath(again)));
    }

    [TestCase("{\"bacth-size\": 4}", "unknown key 'bacth-size': not an option of 'stp train'")]
    [TestCase("{\"force\": true}", "'force' cannot be set in a config file; give --force on the command line")]
    [TestCase("{\"batch-size\": 0}", "--batch-size must be in 1..100000 (got 0)")]
    [TestCase("{\"batch-size\": \"many\"}", "'many'")]
    [TestCase("{\"model\": {\"nf\": 3}}", "unknown key 'model'")]
    [TestCase("{\"tensorboard\": \"maybe\"}", "'tensorboard' must be true or false")]
    [TestCase("[1, 2]", "the file must hold a JSON object of options")]
    [TestCase("{\"batch-size\": 4,,}", "not valid JSON")]
    public void ABadConfigFileIsAUsageErrorNamingTheFileAndTheKeyBeforeAnythingIsLoaded(string json, string expected)
    {
        var config = Dir.File($"bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(config, json);
        var (code, stdout, err) = CliRun.Capture(["train", "--config", config, "--data", "/nonexistent/stp-data.xyz", "--steps", "1", "--out", Dir.File("never")]);
        Assert.That(code, Is.EqualTo(CliApp.ExitUsageError), err);
        CliRun.AssertOneErrorLine(err, $"--config {config}", expected);
        Assert.That(stdout, Is.Empty);
        Assert.That(Directory.Exists(Dir.File("never")), Is.False);
    }

    [Test]
    public void SampleAnalyzeAndEvaluateTakeTheirOptionsFromAConfigFileToo()
    {
        var ckpt = Path.Combine(Straight(), "checkpoint.safetensors");
        var config = Dir.File("sample-config.json");
        File.WriteAllText(config, "{\"n\": 5, \"steps\": 3, \"seed\": 9, \"spacing\": \"quadratic\", \"threads\": 1}");
        var (a, b) = (Dir.File("from-config"), Dir.File("from-flags"));
        var (code, stdout, err) = CliRun.Capture(["sample", "--checkpoint", ckpt, "--config", config, "--out", a]);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(stdout, Does.Contain("Sampled 5 molecules"));
        Assert.That(CliRun.Capture(["sample", "--checkpoint", ckpt, "--n", "5", "--steps", "3", "--seed", "9", "--spacing", "quadratic", "--threads", "1", "--out", b]).Code, Is.EqualTo(0));
        Assert.That(File.ReadAllText(Path.Combine(a, "samples.xyz")), Is.EqualTo(File.ReadAllText(Path.Combine(b, "samples.xyz"))), "the file's options are the flags'");
        // The command line overrides the file; a key of another command is refused, naming the file.
        (code, stdout, err) = CliRun.Capture(["sample", "--checkpoint", ckpt, "--config", config, "--n", "2", "--out", Dir.File("override")]);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(stdout, Does.Contain("Sampled 2 molecules"));
        var trainKeys = Dir.File("train-keys.json");
        File.WriteAllText(trainKeys, "{\"n\": 4, \"lr\": 0.001}");
        (code, _, err) = CliRun.Capture(["analyze", "--checkpoint", ckpt, "--config", trainKeys, "--out", Dir.File("never-analyzed")]);
        Assert.That(code, Is.EqualTo(CliApp.ExitUsageError));
        CliRun.AssertOneErrorLine(err, $"--config {trainKeys}", "unknown key 'lr'", "'stp analyze'", "e.g. \"steps-sweep\"");
        var evalConfig = Dir.File("evaluate-config.json");
        File.WriteAllText(evalConfig, $"{{\"out\": {System.Text.Json.JsonSerializer.Serialize(Dir.File("evaluated"))}, \"label\": \"from a file\"}}");
        (code, stdout, err) = CliRun.Capture(["evaluate", Path.Combine(a, "samples.xyz"), "--config", evalConfig]);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(File.Exists(Path.Combine(Dir.File("evaluated"), "summary.json")));
    }

    [Test]
    public void AMissingConfigFileIsAUsageErrorNamingTheOption()
    {
        var (code, _, err) = CliRun.Capture(["train", "--config", "/nonexistent/stp.json", "--steps", "1"]);
        Assert.That(code, Is.EqualTo(CliApp.ExitUsageError));
        CliRun.AssertOneErrorLine(err, "--config: /nonexistent/stp.json does not exist");
    }

    [Test]
    public void ForceMovesTheManifestMetricsAndTensorBoardAsideWithTheRest()
    {
        var run = Dir.File("forced");
        Assert.That(CliRun.Capture(Train(run, "--steps", "1")).Code, Is.EqualTo(0));
        var (code, _, err) = CliRun.Capture(Train(run, "--steps", "1"));
        Assert.That(code, Is.EqualTo(CliApp.ExitUsageError));
        CliRun.AssertOneErrorLine(err, "already holds a run", RunManifest.FileName, RunMetrics.JsonLines, RunMetrics.TensorBoardFolder);
        Assert.That(CliRun.Capture(Train(run, "--steps", "1", "--force")).Code, Is.EqualTo(0));
        var aside = Directory.GetDirectories(run, "replaced-*").Single();
        Assert.That(File.Exists(Path.Combine(aside, RunManifest.FileName)) && File.Exists(Path.Combine(aside, RunMetrics.JsonLines)));
        Assert.That(Directory.GetFiles(Path.Combine(aside, RunMetrics.TensorBoardFolder)), Has.Length.EqualTo(1));
        Assert.That(Manifest(run)["sessions"]!.AsArray(), Has.Count.EqualTo(1), "the new run has a manifest of its own");
        Assert.That(Directory.GetFiles(Path.Combine(run, RunMetrics.TensorBoardFolder)), Has.Length.EqualTo(1));
    }

    [Test]
    public void TheCommitIsAGitCommitOrUnknown()
    {
        Assert.That(Regex.IsMatch(BuildInfo.Commit, "^([0-9a-f]{40}|unknown)$"), BuildInfo.Commit);
        Assert.That(BuildInfo.Version, Does.Not.Contain("+"));
    }
}
