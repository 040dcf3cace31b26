using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;

namespace Stp.Cli.Tests;

/// <summary>Runs every stp command end to end on tiny inputs (seconds), in process.</summary>
[NonParallelizable]
public class CliTests
{
    private string _dir = "";

    [OneTimeSetUp]
    public void WriteTinyDataset()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"stp-cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
        CliRun.WriteHydrocarbons(Path.Combine(_dir, "tiny.xyz")); // methane- to butane-like chains with hydrogens, jittered
    }

    [OneTimeTearDown]
    public void Cleanup() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private static int Run(params string[] args) => CliApp.RunAsync(args).GetAwaiter().GetResult();

    [Test]
    public void Scale()
    {
        Assert.That(Run("scale", "--data", Path.Combine(_dir, "tiny.xyz"), "--dataset", "any", "--normalize", "16", "--out", Path.Combine(_dir, "gamma.json")), Is.EqualTo(0));
        var table = Stp.Prior.PriorScaleTable.Load(Path.Combine(_dir, "gamma.json"));
        Assert.That(table.PriorScale(16), Is.EqualTo(1.0).Within(1e-9), "Z = mean scale at the reference size");
        Assert.That(table.PriorScale(4), Is.LessThan(table.PriorScale(8)));
        Assert.That(File.Exists(Path.Combine(_dir, "gamma.png")));
    }

    [Test]
    public void TrainResumeSampleEvaluateAnalyzeExport()
    {
        var data = Path.Combine(_dir, "tiny.xyz");
        var run = Path.Combine(_dir, "run");
        Assert.That(Run("train", "--data", data, "--gamma", "data", "--model-size", "tiny", "--batch-size", "8", "--steps", "3", "--out", run, "--eval-every", "0", "--threads", "1"), Is.EqualTo(0));
        Assert.That(Run("train", "--data", data, "--resume", "--steps", "5", "--out", run, "--eval-every", "0", "--threads", "1"), Is.EqualTo(0));
        var log = File.ReadAllLines(Path.Combine(run, "train_log.csv"));
        Assert.That(log.Skip(1).Select(l => l.Split(',')[0]), Is.EqualTo(new[] { "1", "2", "3", "4", "5" }), "resumed at step 4");
        var ckpt = Path.Combine(run, "checkpoint.safetensors");

        var samples = Path.Combine(_dir, "samples");
        Assert.That(Run("sample", "--checkpoint", ckpt, "--n", "6", "--out", samples, "--threads", "1"), Is.EqualTo(0));
        var xyz = XyzFile.Read(Path.Combine(samples, "samples.xyz")).ToList();
        Assert.That(xyz, Has.Count.EqualTo(6));
        Assert.That(xyz.SelectMany(m => m.AtomicNumbers).Distinct(), Is.SubsetOf(new[] { 1, 6, 7, 8, 9 }));
        Assert.That(xyz.Select(m => m.AtomCount).Distinct(), Is.SubsetOf(new[] { 4, 8, 12, 16 }), "sizes come from the training p(N)");
        Assert.That(File.Exists(Path.Combine(samples, "samples.sdf")));

        Assert.That(Run("evaluate", Path.Combine(samples, "samples.xyz"), "--out", samples), Is.EqualTo(0));
        Assert.That(File.ReadAllLines(Path.Combine(samples, "metrics_by_size.csv")).Length, Is.GreaterThan(1));

        var analysis = Path.Combine(_dir, "analysis");
        Assert.That(Run("analyze", "--checkpoint", ckpt, "--n", "4", "--sizes", "8", "--per-size", "2", "--stride", "100", "--out", analysis, "--threads", "1"), Is.EqualTo(0));
        Assert.That(File.Exists(Path.Combine(analysis, "alignment_gamma.png")));
        var rows = File.ReadAllLines(Path.Combine(analysis, "alignment.csv"));
        Assert.That(rows.Length, Is.GreaterThan(5));

        var model = Path.Combine(_dir, "model.safetensors");
        Assert.That(Run("export", "--checkpoint", ckpt, "--out", model), Is.EqualTo(0));
        Assert.That(new FileInfo(model).Length, Is.LessThan(new FileInfo(ckpt).Length));
        var pt = Path.Combine(_dir, "reference", "generative_model_ema.npy");
        Assert.That(Run("export", "--checkpoint", ckpt, "--format", "pt", "--out", pt), Is.EqualTo(0));
        var reference = Stp.Backbones.Edm.IO.StateDictFile.ReadTorch(pt);
        Assert.That(reference.Keys, Does.Contain("gamma.gamma").And.Contain("buffer").And.Contain("dynamics.egnn.embedding.weight"));
        Assert.That(reference.Keys.Count(k => !k.StartsWith("dynamics.", StringComparison.Ordinal)), Is.EqualTo(2));
        Assert.That(File.ReadAllText(Path.Combine(_dir, "reference", "generative_model_ema.args.json")), Does.Contain("\"StP\": true"));
        Assert.That(Run("quickstart", "--model", model, "--n", "3", "--out", Path.Combine(_dir, "qs"), "--threads", "1"), Is.EqualTo(0));
        Assert.That(File.Exists(Path.Combine(_dir, "qs", "metrics_by_size.png")));
        Assert.That(Run("train", "--data", data, "--resume", "--steps", "6", "--out", Path.Combine(_dir, "bad"), "--eval-every", "0", "--threads", "1", "--model-size", "tiny", "--gamma", "data"), Is.EqualTo(0), "resume without a checkpoint starts a new run");
    }

    [Test]
    public void GeoLdmStpTrainsResumesSamplesAndAnalyzes()
    {
        var data = Path.Combine(_dir, "tiny.xyz");
        var run = Path.Combine(_dir, "geoldm");
        Assert.That(Run("train", "--backbone", "geoldm", "--data", data, "--gamma", "data", "--model-size", "tiny", "--batch-size", "8", "--steps", "2", "--out", run, "--eval-every", "0", "--threads", "1"), Is.EqualTo(0));
        Assert.That(Run("train", "--data", data, "--resume", "--steps", "3", "--out", run, "--eval-every", "0", "--threads", "1"), Is.EqualTo(0));
        var ckpt = Path.Combine(run, "checkpoint.safetensors");
        Assert.That(File.ReadAllText(Path.Combine(run, "checkpoint.json")), Does.Contain("geoldm.autoencoder"));
        Assert.That(Run("export", "--checkpoint", ckpt, "--format", "pt", "--out", Path.Combine(_dir, "geoldm.pt")), Is.EqualTo(2), "a latent model has no EDM layout: a usage error, not a half-written file");
        Assert.That(File.Exists(Path.Combine(_dir, "geoldm.pt")), Is.False);
        using (var model = Stp.Diffusion.DiffusionModel.Load(ckpt))
        {
            Assert.That(model.Codec, Is.TypeOf<Stp.Backbones.GeoLdm.GeoLdmCodec>());
            Assert.That(model.Prior, Is.EqualTo(Stp.Diffusion.PriorKind.ScaledPrior));
        }
        var samples = Path.Combine(_dir, "geoldm-samples");
        Assert.That(Run("sample", "--checkpoint", ckpt, "--n", "4", "--steps", "20", "--out", samples, "--threads", "1"), Is.EqualTo(0));
        var xyz = XyzFile.Read(Path.Combine(samples, "samples.xyz")).ToList();
        Assert.That(xyz, Has.Count.EqualTo(4));
        Assert.That(xyz.SelectMany(m => m.AtomicNumbers).Distinct(), Is.SubsetOf(new[] { 1, 6, 7, 8, 9 }));
        Assert.That(xyz.Select(m => m.AtomCount).Distinct(), Is.SubsetOf(new[] { 4, 8, 12, 16 }));
        Assert.That(Run("evaluate", Path.Combine(samples, "samples.xyz"), "--out", samples), Is.EqualTo(0));
        var analysis = Path.Combine(_dir, "geoldm-analysis");
        Assert.That(Run("analyze", "--checkpoint", ckpt, "--n", "2", "--steps", "20", "--sizes", "8", "--per-size", "2", "--stride", "10", "--out", analysis, "--threads", "1"), Is.EqualTo(0));
        Assert.That(File.ReadAllLines(Path.Combine(analysis, "alignment.csv")).Length, Is.GreaterThan(2));
        Assert.That(Run("train", "--backbone", "edm", "--latent-nf", "2", "--data", data, "--steps", "1", "--out", Path.Combine(_dir, "x")), Is.EqualTo(2), "--latent-nf is GeoLDM's");
    }

    [Test]
    public void FlowMatchingStpTrainsResumesSamplesAndAnalyzes()
    {
        var data = Path.Combine(_dir, "tiny.xyz");
        var run = Path.Combine(_dir, "flow");
        Assert.That(Run("train", "--objective", "flow", "--data", data, "--gamma", "data", "--model-size", "tiny", "--batch-size", "8", "--steps", "3", "--out", run, "--eval-every", "0", "--threads", "1"), Is.EqualTo(0));
        Assert.That(Run("train", "--data", data, "--resume", "--steps", "5", "--out", run, "--eval-every", "0", "--threads", "1"), Is.EqualTo(0));
        var ckpt = Path.Combine(run, "checkpoint.safetensors");
        using (var model = Stp.Diffusion.DiffusionModel.Load(ckpt))
        {
            Assert.That(model.Objective, Is.SameAs(Stp.Objectives.FlowMatchingObjective.Instance));
            Assert.That(model.BaseSchedule, Is.TypeOf<Stp.Diffusion.LinearInterpolantSchedule>());
            Assert.That(model.Prior, Is.EqualTo(Stp.Diffusion.PriorKind.ScaledPrior));
        }
        foreach (var (sampler, steps) in new[] { ("euler", "10"), ("heun", "5") })
        {
            var samples = Path.Combine(_dir, "flow-" + sampler);
            Assert.That(Run("sample", "--checkpoint", ckpt, "--n", "4", "--sampler", sampler, "--steps", steps, "--out", samples, "--threads", "1"), Is.EqualTo(0));
            var xyz = XyzFile.Read(Path.Combine(samples, "samples.xyz")).ToList();
            Assert.That(xyz, Has.Count.EqualTo(4));
            Assert.That(xyz.All(m => m.HasFiniteCoordinates));
            Assert.That(Run("evaluate", Path.Combine(samples, "samples.xyz"), "--out", samples), Is.EqualTo(0));
        }
        Assert.That(Run("sample", "--checkpoint", ckpt, "--n", "2", "--sampler", "ddim", "--steps", "5", "--out", Path.Combine(_dir, "flow-ddim"), "--threads", "1"), Is.EqualTo(2), "DDIM is for noise-predicting models");
        var analysis = Path.Combine(_dir, "flow-analysis");
        Assert.That(Run("analyze", "--checkpoint", ckpt, "--n", "2", "--steps", "10", "--sizes", "8", "--per-size", "2", "--stride", "10", "--out", analysis, "--threads", "1"), Is.EqualTo(0));
        Assert.That(File.ReadAllLines(Path.Combine(analysis, "alignment.csv")).Length, Is.GreaterThan(2));
        Assert.That(Run("train", "--objective", "flow", "--backbone", "geoldm", "--data", data, "--steps", "1", "--out", Path.Combine(_dir, "y")), Is.EqualTo(2), "flow matching is EGNN-only for now");
        AssertStepsSweep(ckpt, "flow-sweep", new[] { "euler,2,2", "euler,4,4", "heun,2,4", "heun,4,8" });
    }

    /// <summary>analyze --steps-sweep 2,4: one row per (sampler, K) with the denoiser calls per batch.</summary>
    private void AssertStepsSweep(string ckpt, string name, string[] expected)
    {
        var folder = Path.Combine(_dir, name);
        Assert.That(Run("analyze", "--checkpoint", ckpt, "--steps-sweep", "4,2", "--n", "3", "--out", folder, "--threads", "1"), Is.EqualTo(0));
        var lines = File.ReadAllLines(Path.Combine(folder, "steps_sweep.csv"));
        Assert.That(lines[0], Does.StartWith("sampler,steps,network_calls,molecules,atom_stability,mol_stability,mol_stability_low"));
        Assert.That(lines.Skip(1).Select(l => string.Join(',', l.Split(',').Take(3))), Is.EqualTo(expected));
        Assert.That(lines.Skip(1).All(l => l.Split(',')[3] == "3"));
        Assert.That(lines[0], Does.EndWith(",spacing,single_fragment,single_fragment_low,single_fragment_high"));
        foreach (var l in lines.Skip(1))
        {
            var c = l.Split(',');
            double sf = double.Parse(c[14], System.Globalization.CultureInfo.InvariantCulture);
            Assert.That(c[13], Is.EqualTo("uniform"));
            Assert.That(sf * 3, Is.EqualTo(Math.Round(sf * 3)).Within(1e-9), "a count of 3 molecules");
            Assert.That(double.Parse(c[15], System.Globalization.CultureInfo.InvariantCulture), Is.LessThanOrEqualTo(sf));
            Assert.That(double.Parse(c[16], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(sf));
        }
        Assert.That(File.Exists(Path.Combine(folder, "steps_sweep.png")));
        Assert.That(Run("analyze", "--checkpoint", ckpt, "--steps-sweep", "2,abc", "--out", folder), Is.EqualTo(2));
    }

    [Test]
    public void FourShardsMergeToExactlyTheUnshardedRun()
    {
        var data = Path.Combine(_dir, "tiny.xyz");
        var run = Path.Combine(_dir, "shard-model");
        Assert.That(Run("train", "--data", data, "--gamma", "data", "--model-size", "tiny", "--batch-size", "8", "--steps", "3", "--out", run, "--eval-every", "0", "--threads", "1"), Is.EqualTo(0));
        var ckpt = Path.Combine(run, "checkpoint.safetensors");
        string[] Common(string outDir) => new[] { "sample", "--checkpoint", ckpt, "--n", "37", "--batch-size", "5", "--steps", "8", "--seed", "3", "--out", outDir, "--threads", "1" };
        var whole = Path.Combine(_dir, "whole");
        Assert.That(Run(Common(whole)), Is.EqualTo(0));
        Assert.That(Run("evaluate", Path.Combine(whole, "samples.xyz"), "--out", whole, "--structure-data", data, "--structure-molecules", "20"), Is.EqualTo(0));
        Assert.That(File.ReadLines(Path.Combine(whole, "structure.csv")).First(), Is.EqualTo("family,key,reference_count,generated_count,jsd"));
        var shards = Enumerable.Range(0, 4).Select(k => Path.Combine(_dir, $"shard{k}")).ToArray();
        for (int k = 3; k >= 0; k--)
        {
            Assert.That(Run(Common(shards[k]).Append("--shard").Append($"{k}/4").ToArray()), Is.EqualTo(0));
            Assert.That(Run("evaluate", Path.Combine(shards[k], "samples.xyz"), "--out", shards[k]), Is.EqualTo(0));
        }
        Assert.That(shards.Sum(s => XyzFile.Read(Path.Combine(s, "samples.xyz")).Count()), Is.EqualTo(37));
        var merged = Path.Combine(_dir, "merged");
        Assert.That(Run(new[] { "merge", "--out", merged }.Concat(shards.Reverse()).ToArray()), Is.EqualTo(0));
        foreach (var file in new[] { "samples.xyz", "samples.sdf", "metrics_by_size.csv" })
            Assert.That(File.ReadAllBytes(Path.Combine(merged, file)), Is.EqualTo(File.ReadAllBytes(Path.Combine(whole, file))), $"{file} of 4 merged shards equals the unsharded run's");
        Assert.That(File.ReadAllText(Path.Combine(merged, "summary.json")), Is.EqualTo(File.ReadAllText(Path.Combine(whole, "summary.json"))));

        // A missing shard, a shard given twice and a shard of another run are refused.
        Assert.That(Run("merge", "--out", Path.Combine(_dir, "m2"), shards[0], shards[1], shards[2]), Is.EqualTo(2));
        Assert.That(Run("merge", "--out", Path.Combine(_dir, "m3"), shards[0], shards[1], shards[2], shards[2]), Is.EqualTo(2));
        var other = Path.Combine(_dir, "other-seed");
        Assert.That(Run(Common(other).Select(a => a == "3" ? "4" : a).Append("--shard").Append("3/4").ToArray()), Is.EqualTo(0));
        Assert.That(Run("merge", "--out", Path.Combine(_dir, "m4"), shards[0], shards[1], shards[2], other), Is.EqualTo(1));
        var otherCap = Path.Combine(_dir, "other-cap");
        Assert.That(Run(Common(otherCap).Concat(new[] { "--shard", "3/4", "--max-edges", "100" }).ToArray()), Is.EqualTo(0));
        Assert.That(Run("merge", "--out", Path.Combine(_dir, "m5"), shards[0], shards[1], shards[2], otherCap), Is.EqualTo(1), "another edge cap batches the run differently");
        Assert.That(Run(Common(Path.Combine(_dir, "bad")).Append("--shard").Append("4/4").ToArray()), Is.EqualTo(2));
        AssertStepsSweep(ckpt, "diffusion-sweep", new[] { "ancestral,2,3", "ancestral,4,5", "ddim,2,3", "ddim,4,5" });

        // Two evaluated runs side by side: the table's counts and intervals come from each run's summary.json.
        var cmp = Path.Combine(_dir, "compare");
        Assert.That(Run("compare", "--run", $"whole={whole}", "--run", $"merged={merged}", "--out", cmp), Is.EqualTo(0));
        var md = File.ReadAllLines(Path.Combine(cmp, "comparison.md"));
        Assert.That(md, Has.Length.EqualTo(4));
        Assert.That(md[2], Does.StartWith("| whole | 37 | "));
        Assert.That(md[2].Split('|')[3..], Is.EqualTo(md[3].Split('|')[3..]), "the merged shards are the same run");
        Assert.That(md[2], Does.Match(@"\| [0-9.]+ \[[0-9.]+, [0-9.]+\] \|"), "molecule stability carries its 95% interval");
        Assert.That(File.Exists(Path.Combine(cmp, "per_size_mol_stability.png")));
        Assert.That(Run("compare", "--run", $"x={_dir}", "--out", cmp), Is.EqualTo(2), "a folder without summary.json is a usage error");

        // With alignment curves: the settling step of each size (gamma stays >= 0.9 from t = 20 down, beta from 30 at
        // N = 5 and from 10 at N = 8) and the spread over sizes.
        var curves = Path.Combine(_dir, "curves");
        Directory.CreateDirectory(curves);
        File.WriteAllText(Path.Combine(curves, "alignment.csv"), "step,n_atoms,molecules,gamma,beta\n"
            + "30,5,2,0.5,0.95\n20,5,2,0.92,0.95\n10,5,2,0.95,1\n0,5,2,1,1\n"
            + "30,8,2,0.4,0.5\n20,8,2,0.91,0.6\n10,8,2,0.97,0.9\n0,8,2,1,1\n30,all,4,0.45,0.7\n0,all,4,1,1\n");
        var cmp2 = Path.Combine(_dir, "compare2");
        Assert.That(Run("compare", "--run", $"whole={whole}", "--run", $"merged={merged}", "--alignment", $"whole={curves}", "--out", cmp2), Is.EqualTo(0));
        var text = File.ReadAllText(Path.Combine(cmp2, "comparison.md"));
        Assert.That(text, Does.Contain("| run | curve | N=5 | N=8 | spread (max - min) | curves apart (mean over t of max - min over N) |"));
        Assert.That(text, Does.Contain("| whole | gamma_t | 20 | 20 | 0 | 0.033 |"), "gamma spreads 0.1, 0.01, 0.02, 0 at t = 30..0: mean 0.0325");
        Assert.That(text, Does.Contain("| whole | beta_t | 30 | 10 | 20 | 0.225 |"), "beta spreads 0.45, 0.35, 0.1, 0: mean 0.225");
        Assert.That(File.Exists(Path.Combine(cmp2, "alignment_gamma_whole.png")) && File.Exists(Path.Combine(cmp2, "alignment_beta_whole.png")), "one panel per run");
        Assert.That(Run("compare", "--run", $"whole={whole}", "--alignment", $"other={curves}", "--out", cmp2), Is.EqualTo(2), "an --alignment label must be a --run label");
        Assert.That(Run("compare", "--run", $"whole={whole}", "--alignment", $"whole={whole}", "--out", cmp2), Is.EqualTo(2), "a folder without alignment.csv is a usage error");
        Assert.That(Run("compare", "--run", $"whole={whole}", "--alignment", $"whole={curves}", "--alignment-threshold", "1.5", "--out", cmp2), Is.EqualTo(2));
    }

    [Test]
    public void ErrorsAreOneLineWithExitCode()
    {
        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try
        {
            Assert.That(Run("sample", "--checkpoint", Path.Combine(_dir, "missing.stp")), Is.EqualTo(1));
            Assert.That(err.ToString(), Does.Contain("missing.stp"));
            Assert.That(Run("train", "--data", Path.Combine(_dir, "tiny.xyz"), "--prior", "bogus", "--steps", "1", "--out", Path.Combine(_dir, "x")), Is.EqualTo(2));
            Assert.That(err.ToString(), Does.Contain("unknown prior 'bogus'"));
            Assert.That(Run("quickstart", "--model", Path.Combine(_dir, "tiny.xyz")), Is.EqualTo(1), "not a checkpoint");
        }
        finally { Console.SetError(old); }
    }
}
