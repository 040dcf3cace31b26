using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

/// <summary>Training faults are recoverable: non-finite steps are skipped and counted, bad states are never written, corruption is detected.</summary>
public class FaultTests
{
    private static readonly AtomFeatures Features = new(new AtomVocabulary("toy", new[] { 1, 6, 7 }), true);
    private static readonly List<Molecule> Data = Enumerable.Range(0, 16).Select(i => EngineSetup.RandomMolecule(3 + i % 5, 40 + i)).ToList();

    /// <summary>A tiny denoiser that returns NaN while <see cref="Poisoned"/> is set.</summary>
    private sealed class FlakyDenoiser(int features) : IDenoiser
    {
        private readonly TinyDenoiser _inner = new(features, 3);
        public bool Poisoned { get; set; }
        public nn.Module Module => _inner;
        public int FeatureCount => features;
        public int ContextCount => 0;
        public DenoiserOutput Predict(DenoiserInput input)
        {
            var o = _inner.Predict(input);
            return Poisoned ? new DenoiserOutput(o.NoiseX * float.NaN, o.NoiseH) : o;
        }
    }

    private static float[] Flat(nn.Module m) => m.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    [Test]
    public void NonFiniteStepsAreSkippedCountedAndLimited()
    {
        var den = new FlakyDenoiser(Features.Count);
        using var model = DiffusionModel.Create(den, PriorKind.Unit, null, Features);
        using var trainer = new DiffusionTrainer(model, Data, new TrainerOptions { BatchSize = 4, MaxSkippedSteps = 2, EmaDecay = 0.9 });
        trainer.TrainStep();
        var before = Flat(den.Module);
        den.Poisoned = true;
        var p = trainer.TrainStep();
        Assert.That(p.Skipped && !double.IsFinite(p.Loss), Is.True);
        Assert.That(Flat(den.Module), Is.EqualTo(before), "a skipped step changes no weight");
        Assert.That(trainer.SkippedSteps, Is.EqualTo(1));
        Assert.That(trainer.Step, Is.EqualTo(2), "the run moves on to the next batch");
        trainer.TrainStep();
        Assert.That(() => trainer.TrainStep(), Throws.InstanceOf<TrainingDivergedException>().With.Message.Contains("limit of 2")
            .And.Property(nameof(TrainingDivergedException.Step)).EqualTo(4).And.Property(nameof(TrainingDivergedException.SkippedInSession)).EqualTo(3));
        den.Poisoned = false;
        Assert.That(trainer.TrainStep().Skipped, Is.False);
    }

    [Test]
    public void AResumedTrainerGetsANewSkipAllowanceAndKnowsTheCheckpointsLearningRate()
    {
        var den = new FlakyDenoiser(Features.Count);
        using var model = DiffusionModel.Create(den, PriorKind.Unit, null, Features);
        var path = Path.Combine(Path.GetTempPath(), $"stp-fault-{Guid.NewGuid():N}.safetensors");
        try
        {
            using (var first = new DiffusionTrainer(model, Data, new TrainerOptions { BatchSize = 4, MaxSkippedSteps = 1, LearningRate = 3e-4 }))
            {
                den.Poisoned = true;
                Assert.That(first.TrainStep().Skipped, Is.True);
                first.SaveCheckpoint(path);
                Assert.That(() => first.TrainStep(), Throws.InstanceOf<TrainingDivergedException>(), "the second non-finite step passes the limit of 1");
            }
            Assert.That(TrainerCheckpoint.ReadInfo(path), Is.EqualTo(new TrainerCheckpoint.Info(1, 0, 3e-4)));
            using var resumed = new DiffusionTrainer(model, Data, new TrainerOptions { BatchSize = 4, MaxSkippedSteps = 1, LearningRate = 1e-4 });
            resumed.LoadCheckpoint(path);
            Assert.That(resumed.SkippedSteps, Is.EqualTo(1), "the total is checkpointed");
            Assert.That(resumed.TrainStep().Skipped, Is.True, "but the limit counts from the resume");
            Assert.That(() => resumed.TrainStep(), Throws.InstanceOf<TrainingDivergedException>());
        }
        finally { File.Delete(path); File.Delete(Path.ChangeExtension(path, ".json")); }
    }

    [Test]
    public void NonFiniteWeightsAreNeverWrittenAndCorruptionIsDetected()
    {
        var net = new TinyDenoiser(Features.Count, 5);
        using var model = DiffusionModel.Create(net, PriorKind.Unit, null, Features);
        using var trainer = new DiffusionTrainer(model, Data, new TrainerOptions { BatchSize = 4 });
        trainer.TrainStep();
        var path = Path.Combine(Path.GetTempPath(), $"stp-fault-{Guid.NewGuid():N}.safetensors");
        try
        {
            trainer.SaveCheckpoint(path);
            var good = File.ReadAllBytes(path);
            using (no_grad()) net.parameters().First().fill_(float.NaN);
            Assert.That(() => trainer.SaveCheckpoint(path), Throws.InvalidOperationException.With.Message.Contains("NaN"));
            Assert.That(File.ReadAllBytes(path), Is.EqualTo(good), "the last good checkpoint is kept");
            Assert.That(Directory.GetFiles(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + "*.tmp"), Is.Empty, "no temporary file is left");
            var flipped = (byte[])good.Clone();
            flipped[^10] ^= 0x40;
            File.WriteAllBytes(path, flipped);
            Assert.That(() => trainer.LoadCheckpoint(path), Throws.InstanceOf<DataFileException>().With.Message.Contains("checksum"));
        }
        finally { File.Delete(path); File.Delete(Path.ChangeExtension(path, ".json")); }
    }

    [Test]
    public void StaleTemporaryFilesOfAKilledWriterAreCleaned()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"stp-tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var stale = Path.Combine(dir, ".out.txt.deadbeef.tmp");
            var fresh = Path.Combine(dir, ".out.txt.cafebabe.tmp");
            File.WriteAllText(stale, "half");
            File.WriteAllText(fresh, "another writer, now");
            File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(-1));
            AtomicFile.WriteAllText(Path.Combine(dir, "out.txt"), "whole");
            Assert.That(File.Exists(stale), Is.False);
            Assert.That(File.Exists(fresh), Is.True, "a recent temporary file may belong to a live writer");
            Assert.That(File.ReadAllText(Path.Combine(dir, "out.txt")), Is.EqualTo("whole"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void UnusableTrainingMoleculesAreRejectedByNameOrSkippedAndCounted()
    {
        var bad = new List<Molecule>(Data)
        {
            new(new[] { 6, 1 }, new[] { 0, 0, 0, 1e39, 0, 0 }, new Dictionary<string, string> { ["id"] = "huge" }),
            new(new[] { 6, 9 }, new[] { 0, 0, 0, 1.3, 0, 0 }, new Dictionary<string, string> { ["id"] = "fluorine" }),
            new(Enumerable.Repeat(6, 40).ToArray(), Enumerable.Range(0, 120).Select(k => k * 0.5).ToArray(), new Dictionary<string, string> { ["id"] = "big" }),
        };
        using var model = DiffusionModel.Create(new TinyDenoiser(Features.Count, 2), PriorKind.ScaledPrior, new FuncPriorScaler(n => n <= 29 ? 1.0 : throw new ArgumentOutOfRangeException(nameof(n), n, "no gamma")), Features);
        Assert.That(() => new DiffusionTrainer(model, bad), Throws.ArgumentException.With.Message.Contains("id huge").And.Message.Contains("implausible"));
        using var trainer = new DiffusionTrainer(model, bad, new TrainerOptions { BatchSize = 4, SkipInvalidMolecules = true });
        Assert.That(trainer.SkippedMolecules, Has.Count.EqualTo(3));
        Assert.That(trainer.SkippedMolecules[1], Does.Contain("fluorine").And.Contain("Z=9"));
        Assert.That(trainer.SkippedMolecules[2], Does.Contain("big").And.Contain("N = 40"));
        Assert.That(trainer.TrainStep().Loss, Is.Not.NaN, "the run trains on the usable molecules");
        Assert.That(() => MoleculeBatch.Create(new[] { bad[^3] }, Features), Throws.ArgumentException.With.Message.Contains("beyond 10,000"));
    }
}
