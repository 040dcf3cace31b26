using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Sampling;

namespace Stp.Cli.Tests;

/// <summary>The library and the CLI agree: a model trained by `stp train` and loaded in C# samples what `stp sample` writes.</summary>
[NonParallelizable]
public class SamplerCliTests
{
    private string _dir = "";

    [OneTimeSetUp]
    public void TrainTinyModel()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"stp-cli-sampler-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
        var r = new Random(2);
        var mols = Enumerable.Range(0, 16).Select(i =>
        {
            int n = 3 + i % 4;
            return new Molecule(Enumerable.Range(0, n).Select(a => a == 0 ? 6 : 1).ToArray(), Enumerable.Range(0, 3 * n).Select(_ => r.NextDouble() * 2 - 1).ToArray());
        }).ToList();
        XyzFile.Write(Path.Combine(_dir, "tiny.xyz"), mols);
        Assert.That(Run("train", "--data", Path.Combine(_dir, "tiny.xyz"), "--gamma", "data", "--model-size", "tiny", "--batch-size", "8",
            "--steps", "2", "--out", Path.Combine(_dir, "run"), "--eval-every", "0", "--threads", "1"), Is.EqualTo(0));
    }

    [OneTimeTearDown]
    public void Cleanup() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private static int Run(params string[] args) => CliApp.RunAsync(args).GetAwaiter().GetResult();

    [TestCase("ancestral", 30)]
    [TestCase("ddim", 20)]
    public void LoadingTheTrainedModelInCSharpReproducesTheCliSamples(string sampler, int steps)
    {
        var ckpt = Path.Combine(_dir, "run", "checkpoint.safetensors");
        var outDir = Path.Combine(_dir, $"samples-{sampler}");
        Assert.That(Run("sample", "--checkpoint", ckpt, "--n", "5", "--seed", "9", "--sampler", sampler, "--steps", steps.ToString(), "--out", outDir, "--threads", "1"), Is.EqualTo(0));
        var cli = XyzFile.Read(Path.Combine(outDir, "samples.xyz")).ToList();

        using var model = DiffusionModel.Load(ckpt);
        var options = new SamplerOptions { ReverseStep = sampler == "ddim" ? DdimStep.Instance : AncestralStep.Instance, Steps = steps };
        var sizes = model.SizeDistribution!.Sample(5, seed: 9);
        var lib = new DiffusionSampler(model, options).Sample(SamplingPlan.Efficient(sizes, 100), seed: 9);

        Assert.That(cli.Select(m => m.AtomCount), Is.EqualTo(lib.Select(m => m.AtomCount)));
        Assert.That(cli.Select(m => m.AtomicNumbers), Is.EqualTo(lib.Select(m => m.AtomicNumbers)));
        double maxDiff = cli.Zip(lib, (a, b) => a.Positions.Zip(b.Positions, (u, v) => Math.Abs(u - v)).Max()).Max();
        Assert.That(maxDiff, Is.LessThan(1e-4), "same positions (up to the XYZ file's decimals)");
    }

    [Test]
    public void SamplersDifferAndBadSamplerOptionsAreUsageErrors()
    {
        var ckpt = Path.Combine(_dir, "run", "checkpoint.safetensors");
        Assert.That(Run("sample", "--checkpoint", ckpt, "--sampler", "euler", "--out", Path.Combine(_dir, "x")), Is.EqualTo(2));
        Assert.That(Run("sample", "--checkpoint", ckpt, "--steps", "5000", "--out", Path.Combine(_dir, "x")), Is.EqualTo(2));
        var exported = Path.Combine(_dir, "converted");
        Assert.That(Run("convert", "--checkpoint", ckpt, "--out", exported), Is.EqualTo(0));
        Assert.That(File.Exists(exported + ".safetensors") && File.Exists(exported + ".json"));
        Assert.That(Run("quickstart", "--model", exported + ".safetensors", "--sampler", "ddim", "--steps", "10", "--n", "3", "--out", Path.Combine(_dir, "qs"), "--threads", "1"), Is.EqualTo(0));
    }
}
