using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Models;
using Stp.Training;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

public class TrainerTests
{
    private static readonly AtomFeatures Features = new(new AtomVocabulary("toy", new[] { 1, 6, 7 }), true);
    private static readonly List<Molecule> Data = Enumerable.Range(0, 40).Select(i => EngineSetup.RandomMolecule(3 + i % 9, 100 + i)).ToList();

    private static (DiffusionTrainer Trainer, TinyDenoiser Net, DiffusionModel Model) Make(long seed = 3, TrainerOptions? options = null, long netSeed = 42)
    {
        var net = new TinyDenoiser(Features.Count, netSeed);
        var model = DiffusionModel.Create(net, PriorKind.ScaledPrior, new FuncPriorScaler(n => Math.Cbrt(n / 10.0)), Features);
        options ??= new TrainerOptions { BatchSize = 8, Seed = seed, LearningRate = 1e-3, EmaDecay = 0.9 };
        return (new DiffusionTrainer(model, Data, options), net, model);
    }

    private static float[] Flat(nn.Module net) => net.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    private static string TempPath(string ext = ".safetensors") => Path.Combine(Path.GetTempPath(), $"stp-{Guid.NewGuid():N}{ext}");

    [Test]
    public void ResumedTrainingContinuesExactlyAsAnUninterruptedRun()
    {
        var (a, netA, modelA) = Make();
        var lossesA = Enumerable.Range(0, 12).Select(_ => a.TrainStep().Loss).ToArray();

        var (b, _, _) = Make();
        var lossesB = Enumerable.Range(0, 7).Select(_ => b.TrainStep().Loss).ToList();
        var path = TempPath();
        try
        {
            b.SaveCheckpoint(path, new Dictionary<string, string> { ["backbone"] = "tiny" });
            var (c, netC, modelC) = Make(netSeed: 7);
            var meta = c.LoadCheckpoint(path);
            Assert.That(meta["backbone"], Is.EqualTo("tiny"));
            Assert.That(c.Step, Is.EqualTo(7));
            lossesB.AddRange(Enumerable.Range(0, 5).Select(_ => c.TrainStep().Loss));
            Assert.That(lossesB, Is.EqualTo(lossesA), "losses of resumed run");
            Assert.That(Flat(netC), Is.EqualTo(Flat(netA)), "weights of resumed run");
            var emaA = Make(netSeed: 1).Model; a.CopyEmaWeightsTo(emaA);
            var emaC = Make(netSeed: 2).Model; c.CopyEmaWeightsTo(emaC);
            Assert.That(Flat(emaC.Denoiser.Module), Is.EqualTo(Flat(emaA.Denoiser.Module)), "EMA weights continue exactly");
            Assert.That(Flat(emaA.Denoiser.Module), Is.Not.EqualTo(Flat(netA)));
            var (d, _, _) = Make(seed: 4);
            Assert.That(() => d.LoadCheckpoint(path), Throws.InstanceOf<DataFileException>().With.Message.Contains("seed 3"));
        }
        finally { File.Delete(path); File.Delete(Path.ChangeExtension(path, ".json")); }
    }

    [Test]
    public void EmaFollowsBetaRuleAndIsWhatSamplingUses()
    {
        var (t, net, _) = Make();
        var before = Flat(net);
        t.TrainStep();
        var after = Flat(net);
        float[] ema;
        using (t.UseEmaWeights()) ema = Flat(net);
        for (int i = 0; i < ema.Length; i++) Assert.That(ema[i], Is.EqualTo(0.9f * before[i] + 0.1f * after[i]).Within(1e-6));
        Assert.That(Flat(net), Is.EqualTo(after), "the live weights are restored when the scope ends");
        using (t.UseEmaWeights())
            Assert.That(() => t.TrainStep(), Throws.InvalidOperationException.With.Message.Contains("UseEmaWeights"));
        var (off, netOff, _) = Make(options: new TrainerOptions { BatchSize = 8, EmaDecay = 0 });
        off.TrainStep();
        var live = Flat(netOff);
        using (off.UseEmaWeights()) Assert.That(Flat(netOff), Is.EqualTo(live), "without an EMA the live weights are used");
    }

    [Test]
    public void LossFallsOnAToyDataset()
    {
        var (t, _, _) = Make();
        var losses = Enumerable.Range(0, 150).Select(_ => t.TrainStep().Loss).ToArray();
        double first = losses.Take(20).Average(), last = losses.Skip(130).Average();
        TestContext.Out.WriteLine($"loss {first:F3} -> {last:F3}");
        Assert.That(last, Is.LessThan(0.8 * first));
    }

    [Test]
    public void CosineAnnealingSetsTheOptimiserRate()
    {
        var schedule = new CosineAnnealingSchedule(period: 4, minimumRate: 1e-6, stepsPerUpdate: 2);
        // PyTorch CosineAnnealingLR: eta_min + (base - eta_min)(1 + cos(pi k / T_max)) / 2, k = epoch.
        double[] expected = { 1e-3, 1e-3, 0, 0, 0, 0, 0, 0, 1e-6, 1e-6 };
        for (int k = 0; k <= 4; k++) expected[2 * k] = expected[Math.Min(2 * k + 1, 9)] = 1e-6 + (1e-3 - 1e-6) * (1 + Math.Cos(Math.PI * k / 4)) / 2;
        var (t, _, _) = Make(options: new TrainerOptions { BatchSize = 8, LearningRate = 1e-3, LearningRateSchedule = schedule });
        for (int s = 0; s < 10; s++)
        {
            Assert.That(t.CurrentLearningRate, Is.EqualTo(expected[s]).Within(1e-15), $"step {s}");
            t.TrainStep();
        }
        Assert.That(schedule.LearningRate(1000, 1e-3), Is.EqualTo(1e-6).Within(1e-15), "stays at eta_min after T_max");
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
        var (t, _, _) = Make();
        var path = TempPath();
        try
        {
            t.SaveCheckpoint(path);
            var other = new TinyDenoiser(Features.Count + 1, 1);
            var wrong = new DiffusionTrainer(DiffusionModel.Create(other, PriorKind.Unit, null, codec: new Codecs.EdmFeatureCodec(new AtomFeatures(new AtomVocabulary("toy4", new[] { 1, 6, 7, 8 }), true))),
                Data, new TrainerOptions { Seed = 3 });
            Assert.That(() => wrong.LoadCheckpoint(path), Throws.InstanceOf<StateDictMismatchException>().With.Message.Contains("shape").And.Message.Contains(path));
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes.Take(bytes.Length / 2).ToArray());
            Assert.That(() => t.LoadCheckpoint(path), Throws.InstanceOf<DataFileException>().With.Message.Contains("truncated").Or.Message.Contains("do not fit"));
            File.WriteAllText(path, "hello");
            Assert.That(() => t.LoadCheckpoint(path), Throws.InstanceOf<DataFileException>().With.Message.Contains(path));
        }
        finally { File.Delete(path); File.Delete(Path.ChangeExtension(path, ".json")); }
    }
}
