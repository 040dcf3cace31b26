using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Training;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

public class TrainerTests
{
    private static readonly AtomFeatures Features = new(new AtomVocabulary("toy", new[] { 1, 6, 7 }), true);
    private static readonly List<Molecule> Data = Enumerable.Range(0, 40).Select(i => EngineTests.RandomMolecule(3 + i % 9, 100 + i)).ToList();

    private static (DiffusionTrainer Trainer, TinyDenoiser Net) Make(long seed = 3)
    {
        var net = new TinyDenoiser(Features.Count, 42);
        var model = new EquivariantDiffusion(net, new ScaledPriorSchedule(PolynomialSchedule.Edm, new FuncPriorScaler(n => Math.Cbrt(n / 10.0))),
            new DiffusionOptions { Features = Features });
        return (new DiffusionTrainer(model, Data, new TrainerOptions { BatchSize = 8, Seed = seed, LearningRate = 1e-3, EmaDecay = 0.9 }), net);
    }

    private static float[] Flat(TinyDenoiser net) => net.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    [Test]
    public void ResumedTrainingContinuesExactlyAsAnUninterruptedRun()
    {
        var (a, netA) = Make();
        var lossesA = Enumerable.Range(0, 12).Select(_ => a.TrainStep().Loss).ToArray();

        var (b, _) = Make();
        var lossesB = Enumerable.Range(0, 7).Select(_ => b.TrainStep().Loss).ToList();
        var path = Path.Combine(Path.GetTempPath(), $"stp-{Guid.NewGuid():N}.ckpt");
        try
        {
            b.SaveCheckpoint(path, new Dictionary<string, string> { ["backbone"] = "tiny" });
            var (c, netC) = Make();
            var meta = c.LoadCheckpoint(path);
            Assert.That(meta["backbone"], Is.EqualTo("tiny"));
            Assert.That(c.Step, Is.EqualTo(7));
            lossesB.AddRange(Enumerable.Range(0, 5).Select(_ => c.TrainStep().Loss));
            Assert.That(lossesB, Is.EqualTo(lossesA), "losses of resumed run");
            Assert.That(Flat(netC), Is.EqualTo(Flat(netA)), "weights of resumed run");
            // EMA weights also continue exactly.
            var emaA = new TinyDenoiser(Features.Count, 1); a.CopyEmaWeightsTo(emaA);
            var emaC = new TinyDenoiser(Features.Count, 2); c.CopyEmaWeightsTo(emaC);
            Assert.That(Flat(emaC), Is.EqualTo(Flat(emaA)));
            Assert.That(Flat(emaA), Is.Not.EqualTo(Flat(netA)));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void EmaFollowsBetaRule()
    {
        var (t, net) = Make();
        var before = Flat(net);
        t.TrainStep();
        var after = Flat(net);
        var ema = new TinyDenoiser(Features.Count, 9); t.CopyEmaWeightsTo(ema);
        var e = Flat(ema);
        for (int i = 0; i < e.Length; i++) Assert.That(e[i], Is.EqualTo(0.9f * before[i] + 0.1f * after[i]).Within(1e-6));
    }

    [Test]
    public void LossFallsOnAToyDataset()
    {
        var (t, _) = Make();
        var losses = Enumerable.Range(0, 150).Select(_ => t.TrainStep().Loss).ToArray();
        double first = losses.Take(20).Average(), last = losses.Skip(130).Average();
        TestContext.Out.WriteLine($"loss {first:F3} -> {last:F3}");
        Assert.That(last, Is.LessThan(0.8 * first));
    }

    [Test]
    public void ClipperFollowsEdmRule()
    {
        var c = new AdaptiveGradientClipper();
        Assert.That(c.MaxNorm, Is.EqualTo(4500));           // 1.5 * 3000 + 2 * 0
        c.Record(10, c.MaxNorm);
        Assert.That(c.History.First(), Is.EqualTo(10));
        double mean = (3000 + 10) / 2.0, std = Math.Sqrt(((3000 - mean) * (3000 - mean) + (10 - mean) * (10 - mean)) / 2);
        Assert.That(c.MaxNorm, Is.EqualTo(1.5 * mean + 2 * std).Within(1e-9));
        c.Record(1e9, 100);
        Assert.That(c.History.First(), Is.EqualTo(100), "clipped norms enter the queue at the threshold");
        for (int i = 0; i < 60; i++) c.Record(1, 10);
        Assert.That(c.History, Has.Count.EqualTo(50));
    }

    [Test]
    public void MismatchedAndCorruptCheckpointsNameTheProblem()
    {
        var (t, _) = Make();
        var path = Path.Combine(Path.GetTempPath(), $"stp-{Guid.NewGuid():N}.ckpt");
        try
        {
            t.SaveCheckpoint(path);
            var other = new TinyDenoiser(Features.Count + 1, 1);
            using var ck = Checkpoint.Read(path);
            Assert.That(() => ck.LoadEmaInto(other, path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("shape").And.Message.Contains(path));
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes.Take(bytes.Length / 2).ToArray());
            Assert.That(() => Checkpoint.Read(path), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("truncated"));
            File.WriteAllText(path, "hello");
            Assert.That(() => Checkpoint.Read(path), Throws.InstanceOf<InvalidDataException>());
        }
        finally { File.Delete(path); }
    }
}
