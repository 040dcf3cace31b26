using System.Globalization;
using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Metrics.Properties;

namespace Stp.Cli.Tests;

/// <summary>The conditional protocol end to end through the CLI on a tiny model (seconds): train --condition, train-predictor, sample (p(c | N), fixed value, sweep), evaluate --conditional.</summary>
[NonParallelizable]
public class ConditionalCliTests
{
    private string _dir = "";

    [OneTimeSetUp]
    public void WriteTinyDataset()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"stp-cond-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
        var r = new Random(2);
        var mols = new List<Molecule>();
        for (int i = 0; i < 80; i++)
        {
            int heavy = 1 + i % 3;
            var z = new List<int>(); var p = new List<double>();
            for (int a = 0; a < heavy; a++) { z.Add(6); p.AddRange(new[] { 1.54 * a, 0.0, 0.0 }); }
            for (int a = 0; a < heavy; a++)
                foreach (var (dy, dz) in new[] { (1.03, 0.0), (-0.5, 0.9) })
                { z.Add(1); p.AddRange(new[] { 1.54 * a + r.NextDouble() * 0.05, dy, dz }); }
            double alpha = 10 * heavy + r.NextDouble() * 4, homo = -0.25 - 0.01 * r.NextDouble();
            mols.Add(new Molecule(z.ToArray(), p.ToArray(), new Dictionary<string, string>
            {
                ["id"] = i.ToString(CultureInfo.InvariantCulture), ["split"] = "edm_test",
                ["alpha"] = alpha.ToString("R", CultureInfo.InvariantCulture), ["homo"] = homo.ToString("R", CultureInfo.InvariantCulture),
            }));
        }
        XyzFile.Write(Path.Combine(_dir, "props.xyz"), mols);
        XyzFile.Write(Path.Combine(_dir, "plain.xyz"), mols.Select(m => new Molecule(m.AtomicNumbers, m.Positions)));
    }

    [OneTimeTearDown]
    public void Cleanup() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private static int Run(params string[] args) => CliApp.RunAsync(args).GetAwaiter().GetResult();

    private static double Value(Molecule m, string key) => double.Parse(m.Properties[key], CultureInfo.InvariantCulture);

    [Test]
    public void TrainSampleSweepAndEvaluateAConditionalModel()
    {
        var data = Path.Combine(_dir, "props.xyz");
        var gen = Path.Combine(_dir, "gen");
        Assert.That(Run("train", "--data", data, "--condition", "alpha,homo", "--model-size", "tiny", "--batch-size", "8", "--steps", "3", "--out", gen, "--eval-every", "0", "--threads", "1"), Is.EqualTo(0));
        var ckpt = Path.Combine(gen, "checkpoint.safetensors");
        using (var model = DiffusionModel.Load(ckpt))
        {
            Assert.That(model.ContextCount, Is.EqualTo(2));
            Assert.That(model.Context!.Names, Is.EqualTo(new[] { "alpha", "homo" }));
            Assert.That(model.Context.Means[1], Is.EqualTo(-0.255 * 27.2114).Within(0.2), "homo in eV, as EDM");
            Assert.That(model.PropertyDistribution!.Names, Is.EqualTo(new[] { "alpha", "homo" }));
            Assert.That(model.PropertyDistribution.Histograms[0].Keys.Order(), Is.EqualTo(new[] { 3, 6, 9 }), "p(c | N) over the generator half's sizes");
        }

        var pred = Path.Combine(_dir, "pred");
        Assert.That(Run("train-predictor", "--property", "alpha", "--data", data, "--epochs", "2", "--nf", "8", "--layers", "1", "--baseline-epochs", "1", "--batch-size", "16", "--out", pred, "--threads", "1"), Is.EqualTo(0));
        var predictorPath = Path.Combine(pred, "alpha.safetensors");
        Assert.That(File.Exists(Path.Combine(pred, "alpha.numnodes.safetensors")) && File.Exists(Path.Combine(pred, "alpha.naive.safetensors")));

        var samples = Path.Combine(_dir, "samples");
        Assert.That(Run("sample", "--checkpoint", ckpt, "--n", "8", "--sampler", "ddim", "--steps", "4", "--out", samples, "--threads", "1"), Is.EqualTo(0));
        var mols = XyzFile.Read(Path.Combine(samples, "samples.xyz")).ToList();
        using (var model = DiffusionModel.Load(ckpt))
        {
            var p = model.PropertyDistribution!;
            foreach (var m in mols)
            {
                var h = p.Histogram("alpha", m.AtomCount);
                Assert.That(Value(m, "alpha"), Is.InRange(h.Min - 1e-4, h.Max + 1e-4), "alpha drawn from p(alpha | N) of the molecule's size");
            }
        }

        var fixedRun = Path.Combine(_dir, "fixed");
        Assert.That(Run("sample", "--checkpoint", ckpt, "--n", "3", "--sampler", "ddim", "--steps", "2", "--condition", "alpha=25.5", "--out", fixedRun, "--threads", "1"), Is.EqualTo(0));
        Assert.That(XyzFile.Read(Path.Combine(fixedRun, "samples.xyz")).Select(m => Value(m, "alpha")), Is.All.EqualTo(25.5).Within(1e-4));

        var sweep = Path.Combine(_dir, "sweep");
        Assert.That(Run("sample", "--checkpoint", ckpt, "--sweep", "alpha", "--size", "6", "--frames", "4", "--sampler", "ddim", "--steps", "2", "--out", sweep, "--threads", "1"), Is.EqualTo(0));
        var frames = XyzFile.Read(Path.Combine(sweep, "sweep_alpha_N6.xyz")).ToList();
        Assert.That(frames.Select(f => f.AtomCount), Is.All.EqualTo(6));
        var a = frames.Select(f => Value(f, "alpha")).ToArray();
        Assert.That(a[1] - a[0], Is.EqualTo(a[3] - a[2]).Within(1e-4), "linearly spaced");
        Assert.That(a[0], Is.LessThan(a[3]));

        var report = Path.Combine(_dir, "report");
        Assert.That(Run("evaluate", Path.Combine(samples, "samples.xyz"), "--conditional", "--property-model", predictorPath, "--out", report), Is.EqualTo(0));
        var table = File.ReadAllText(Path.Combine(report, "conditional_mae.md"));
        using var predictor = PropertyPredictor.Load(predictorPath);
        var y = predictor.Predict(mols);
        double byHand = mols.Select((m, i) => Math.Abs(y[i] - Value(m, "alpha"))).Average();
        var row = table.Split('\n').Single(l => l.StartsWith("| alpha", StringComparison.Ordinal)).Split('|', StringSplitOptions.TrimEntries);
        Assert.That(double.Parse(row[3], CultureInfo.InvariantCulture), Is.EqualTo(byHand).Within(Math.Max(0.01, byHand * 0.005)), "the table's MAE is mean |prediction - requested value|");
        Assert.That(row[4], Is.EqualTo("8"));
        var lines = File.ReadAllLines(Path.Combine(report, "conditional_alpha.csv"));
        Assert.That(lines[0], Is.EqualTo("index,atoms,requested,predicted,abs_error"));
        Assert.That(lines.Length, Is.EqualTo(9), "one line per molecule");
        var cols = lines[1].Split(',');
        Assert.That(int.Parse(cols[1], CultureInfo.InvariantCulture), Is.EqualTo(mols[0].AtomCount));
        Assert.That(double.Parse(cols[2], CultureInfo.InvariantCulture), Is.EqualTo(Value(mols[0], "alpha")).Within(1e-9));
        Assert.That(double.Parse(cols[3], CultureInfo.InvariantCulture), Is.EqualTo(y[0]).Within(1e-6));
    }

    [TestCase("geoldm")]
    [TestCase("radm")]
    public void LatentBackbonesTrainAndSampleConditionally(string backbone)
    {
        var data = Path.Combine(_dir, "props.xyz");
        var run = Path.Combine(_dir, "cond-" + backbone);
        var extra = backbone == "radm" ? new[] { "--dit-size", "tiny", "--steps", "4" } : new[] { "--steps", "3" };
        Assert.That(Run(new[] { "train", "--backbone", backbone, "--data", data, "--condition", "alpha", "--model-size", "tiny", "--batch-size", "8",
            "--out", run, "--eval-every", "0", "--threads", "1" }.Concat(extra).ToArray()), Is.EqualTo(0));
        var ckpt = Path.Combine(run, "checkpoint.safetensors");
        using (var model = DiffusionModel.Load(ckpt))
        {
            Assert.That(model.ContextCount, Is.EqualTo(1), "the latent denoiser is conditional");
            Assert.That(model.Context!.Names, Is.EqualTo(new[] { "alpha" }));
            Assert.That(model.PropertyDistribution, Is.Not.Null, "p(c | N) travels with the model");
        }
        var samples = Path.Combine(_dir, "cond-samples-" + backbone);
        Assert.That(Run("sample", "--checkpoint", ckpt, "--n", "3", "--sampler", "ddim", "--steps", "2", "--condition", "alpha=25.5", "--out", samples, "--threads", "1"), Is.EqualTo(0));
        var mols = XyzFile.Read(Path.Combine(samples, "samples.xyz")).ToList();
        Assert.That(mols, Has.Count.EqualTo(3));
        Assert.That(mols.Select(m => Value(m, "alpha")), Is.All.EqualTo(25.5).Within(1e-3), "each molecule records the property it was asked for");
    }

    [Test]
    public void EdmsTrainNpzWithItsValidationFileGetsEdmsHalves()
    {
        var folder = Path.Combine(_dir, "edm");
        Directory.CreateDirectory(folder);
        void Write(string name, int count, int offset)
        {
            var n = Enumerable.Range(0, count).Select(i => 3L + i % 2).ToArray();
            var charges = Enumerable.Range(0, count).SelectMany(i => new long[] { 6, 1, 1, i % 2 == 1 ? 1 : 0 }).ToArray();
            var pos = Enumerable.Range(0, count).SelectMany(i => new[] { 0.0, 0, 0, 1.09, 0, 0, -0.36, 1.03, 0, -0.36, -0.51, 0.89 }).ToArray();
            var alpha = Enumerable.Range(0, count).Select(i => 10.0 + i % 2 * 3 + 0.01 * (i + offset)).ToArray();
            Stp.Testing.NpyBytes.WriteNpz(Path.Combine(folder, name), false,
                ("num_atoms", Stp.Testing.NpyBytes.Of("<i8", $"({count},)", n)),
                ("charges", Stp.Testing.NpyBytes.Of("<i8", $"({count}, 4)", charges)),
                ("positions", Stp.Testing.NpyBytes.Of("<f8", $"({count}, 4, 3)", pos)),
                ("alpha", Stp.Testing.NpyBytes.Of("<f8", $"({count},)", alpha)));
        }
        Write("train.npz", 40, 0);
        Write("valid.npz", 10, 100);
        var pred = Path.Combine(_dir, "edm-pred");
        var output = new StringWriter();
        var old = Console.Out;
        Console.SetOut(output);
        try
        {
            Assert.That(Run("train-predictor", "--property", "alpha", "--data", Path.Combine(folder, "train.npz"), "--epochs", "1", "--nf", "8", "--layers", "1", "--baseline-epochs", "0", "--out", pred, "--threads", "1"), Is.EqualTo(0));
        }
        finally
        {
            Console.SetOut(old);
        }
        Assert.That(output.ToString(), Does.Contain("EDM's split: qm9_first_half / qm9_second_half"));
        using var p = PropertyPredictor.Load(Path.Combine(pred, "alpha.safetensors"));
        Assert.That(p.Notes["protocol"], Does.StartWith("trained on 20 molecules of the predictor half, selected on 10 validation molecules, held-out = the 20 training"));
        // As EDM's compute_mean_mad on its split: the target statistics are those of valid.npz, not of the training half.
        var validAlpha = Enumerable.Range(0, 10).Select(i => 10.0 + i % 2 * 3 + 0.01 * (i + 100)).ToArray();
        double mean = validAlpha.Average(), mad = validAlpha.Average(v => Math.Abs(v - mean));
        Assert.That(p.Normalization.Means[0], Is.EqualTo(mean).Within(1e-9));
        Assert.That(p.Normalization.Mads[0], Is.EqualTo(mad).Within(1e-9));
    }

    [Test]
    public void BadConditioningInputFailsWithAClearMessage()
    {
        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try
        {
            Assert.That(Run("train", "--data", Path.Combine(_dir, "props.xyz"), "--condition", "alhpa", "--steps", "1"), Is.EqualTo(CliApp.ExitUsageError));
            Assert.That(Run("train", "--data", Path.Combine(_dir, "plain.xyz"), "--condition", "alpha", "--steps", "1", "--out", Path.Combine(_dir, "x")), Is.EqualTo(CliApp.ExitRuntimeError));
            Assert.That(Run("evaluate", Path.Combine(_dir, "plain.xyz"), "--conditional"), Is.EqualTo(CliApp.ExitUsageError));
        }
        finally
        {
            Console.SetError(old);
        }
        var text = err.ToString();
        Assert.That(text, Does.Contain("unknown property 'alhpa'"));
        Assert.That(text, Does.Contain("plain.xyz: no molecule carries 'alpha'"));
        Assert.That(text, Does.Contain("--conditional and --property-model go together"));
    }
}
