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
