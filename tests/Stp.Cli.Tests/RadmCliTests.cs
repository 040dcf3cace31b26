using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;

namespace Stp.Cli.Tests;

/// <summary><c>stp train --backbone radm</c> (both stages, each resumable) and sample/evaluate/analyze on its checkpoints, in process.</summary>
[NonParallelizable]
public class RadmCliTests
{
    private string _dir = "";

    [OneTimeSetUp]
    public void WriteDataset()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"stp-radm-cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
        // Water, methanol and ethanol-like molecules with jittered geometry (QM9 elements, 3..9 atoms).
        var rng = new Random(7);
        var mols = new List<Molecule>();
        int[][] kinds = [[8, 1, 1], [6, 8, 1, 1, 1, 1], [6, 6, 8, 1, 1, 1, 1, 1, 1]];
        for (int i = 0; i < 24; i++)
        {
            var z = kinds[i % 3];
            var p = z.SelectMany((_, a) => new[] { 1.1 * a + rng.NextDouble() * 0.1, Math.Sin(a) + rng.NextDouble() * 0.1, Math.Cos(2 * a) * 0.5 }).ToArray();
            mols.Add(new Molecule(z, p, new Dictionary<string, string> { ["id"] = i.ToString() }));
        }
        XyzFile.Write(Path.Combine(_dir, "mols.xyz"), mols);
    }

    [OneTimeTearDown]
    public void Cleanup() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private static int Run(params string[] args) => CliApp.RunAsync(args).GetAwaiter().GetResult();

    private string[] Train(string run, params string[] extra) =>
        ["train", "--backbone", "radm", "--data", Path.Combine(_dir, "mols.xyz"), "--gamma", "data", "--model-size", "tiny",
         "--batch-size", "8", "--out", run, "--eval-every", "0", "--threads", "1", .. extra, .. extra.Contains("--dit-size") ? [] : new[] { "--dit-size", "tiny" }];

    private static string[] Steps(string log) => File.ReadAllLines(log).Skip(1).Select(l => l.Split(',')[0]).ToArray();

    [Test]
    public void TwoStageTrainingResumesAndItsCheckpointSamplesEvaluatesAndAnalyzes()
    {
        var run = Path.Combine(_dir, "run");
        Assert.That(Run(Train(run, "--steps", "6")), Is.EqualTo(0), "stage 1 then stage 2, 3 steps each");
        Assert.That(Steps(Path.Combine(run, "autoencoder", "train_log.csv")), Is.EqualTo(new[] { "1", "2", "3" }));
        Assert.That(Steps(Path.Combine(run, "train_log.csv")), Is.EqualTo(new[] { "1", "2", "3" }));
        Assert.That(Run(Train(run, "--stage", "autoencoder", "--resume", "--steps", "4")), Is.EqualTo(0));
        Assert.That(Steps(Path.Combine(run, "autoencoder", "train_log.csv")), Is.EqualTo(new[] { "1", "2", "3", "4" }), "stage 1 resumed at step 4");
        Assert.That(Run(Train(run, "--stage", "diffusion", "--resume", "--steps", "5")), Is.EqualTo(0));
        Assert.That(Steps(Path.Combine(run, "train_log.csv")), Is.EqualTo(new[] { "1", "2", "3", "4", "5" }), "stage 2 resumed at step 4");

        foreach (var (folder, stage, steps) in new[] { (Path.Combine(run, "autoencoder"), "autoencoder", 4L), (run, "diffusion", 5L) })
        {
            var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(folder, RunManifest.FileName)))!;
            Assert.That(manifest["training"]!["stage"]!.GetValue<string>(), Is.EqualTo(stage));
            Assert.That(manifest["step"]!.GetValue<long>(), Is.EqualTo(steps));
            Assert.That(manifest["config"]!["backbone"]!.GetValue<string>(), Is.EqualTo("radm"));
            Assert.That(manifest["config"]!["batch-size"]!.GetValue<int>(), Is.EqualTo(8));
            Assert.That(manifest["sessions"]!.AsArray(), Has.Count.EqualTo(2), "the first run and the stage's resume");
            Assert.That(manifest["training"]!["trainer"]!["emaDecay"]!.GetValue<double>(), Is.EqualTo(stage == "autoencoder" ? 0 : 0.9999), "RADM's stage-1 recipe: no EMA");
        }
        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try { Assert.That(Run("train", "--out", run, "--resume", "--dit-size", "small", "--threads", "1"), Is.EqualTo(2), "the run's DiT is tiny"); }
        finally { Console.SetError(old); }
        Assert.That(err.ToString(), Does.Contain("--dit-size small conflicts with the run").And.Contain("trained with --dit-size tiny"));

        var ckpt = Path.Combine(run, "checkpoint.safetensors");
        var samples = Path.Combine(_dir, "samples");
        Assert.That(Run("sample", "--checkpoint", ckpt, "--n", "4", "--steps", "20", "--out", samples, "--threads", "1"), Is.EqualTo(0));
        var xyz = XyzFile.Read(Path.Combine(samples, "samples.xyz")).ToList();
        Assert.That(xyz, Has.Count.EqualTo(4));
        Assert.That(xyz.Select(m => m.AtomCount).Distinct(), Is.SubsetOf(new[] { 3, 6, 9 }), "sizes come from the training p(N)");
        Assert.That(xyz.SelectMany(m => m.AtomicNumbers).Distinct(), Is.SubsetOf(new[] { 1, 6, 7, 8, 9 }));
        Assert.That(Run("evaluate", Path.Combine(samples, "samples.xyz"), "--out", samples), Is.EqualTo(0));
        var analysis = Path.Combine(_dir, "analysis");
        Assert.That(Run("analyze", "--checkpoint", ckpt, "--n", "2", "--sizes", "6", "--per-size", "2", "--stride", "250", "--out", analysis, "--threads", "1"), Is.EqualTo(0));
        Assert.That(File.Exists(Path.Combine(analysis, "alignment.csv")));
    }

    [Test]
    public void StageTwoFromAnotherAutoencoderAndUsageErrors()
    {
        var run = Path.Combine(_dir, "ae-only");
        Assert.That(Run(Train(run, "--stage", "autoencoder", "--steps", "2")), Is.EqualTo(0));
        var other = Path.Combine(_dir, "ldm-only");
        Assert.That(Run(Train(other, "--stage", "diffusion", "--steps", "2", "--autoencoder", Path.Combine(run, "autoencoder", "checkpoint.safetensors"))), Is.EqualTo(0));
        Assert.That(File.Exists(Path.Combine(other, "checkpoint.safetensors")));

        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try
        {
            Assert.That(Run(Train(Path.Combine(_dir, "none"), "--stage", "diffusion", "--steps", "1")), Is.EqualTo(2));
            Assert.That(err.ToString(), Does.Contain("--stage autoencoder"));
            Assert.That(Run(Train(Path.Combine(_dir, "none"), "--stage", "bogus", "--steps", "1")), Is.EqualTo(2));
            Assert.That(Run(Train(Path.Combine(_dir, "none"), "--dit-size", "huge", "--stage", "diffusion", "--steps", "1", "--autoencoder", Path.Combine(run, "autoencoder", "checkpoint.safetensors"))), Is.EqualTo(2));
            Assert.That(err.ToString(), Does.Contain("unknown size 'huge'"));
            Assert.That(Run("train", "--data", Path.Combine(_dir, "mols.xyz"), "--dit-size", "tiny", "--steps", "1", "--out", Path.Combine(_dir, "edm")), Is.EqualTo(2));
            Assert.That(err.ToString(), Does.Contain("only to --backbone radm"));
        }
        finally { Console.SetError(old); }
    }
}
