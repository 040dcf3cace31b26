using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Prior;
using Stp.Sampling;
using Stp.Testing;
using Stp.Training;

namespace Stp.Backbones.Radm.Tests;

/// <summary>
/// Both RADM stages (aligner + frozen encoder + GNN decoder; the latent DiT) train and sample while garbage collections
/// are forced continuously during the native calls: no TorchSharp temporary Scalar may be freed mid-call (issue 13).
/// </summary>
[NonParallelizable]
public class GcStressTests
{
    [Test]
    public void BothStagesSurviveConstantGarbageCollection()
    {
        var data = Enumerable.Range(0, 24).Select(i => Molecules.Random(3 + i % 11, 40 + i)).ToList();
        var stage1 = RadmModel.CreateAutoencoderStage(AtomFeatures.Qm9, CodecTests.Tiny, DitOptions.Tiny(), seed: 2);
        stage1.SizeDistribution = SizeDistribution.FromMolecules(data);
        int steps1 = 0, steps2 = 0, batches = 0;
        using var gc = GcPressure.Start();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using (var t1 = new DiffusionTrainer(stage1, data, new TrainerOptions { BatchSize = 8, LearningRate = 1e-3, EmaDecay = 0, Seed = 1 }))
            while (sw.Elapsed.TotalSeconds < 3) { Assert.That(double.IsFinite(t1.TrainStep().Loss)); steps1++; }
        using var stage2 = RadmModel.ToDiffusionStage(stage1, PriorKind.ScaledPrior, PriorScaleTable.PublishedQm9);
        using var t2 = new DiffusionTrainer(stage2, data, new TrainerOptions { BatchSize = 8, LearningRate = 1e-3, EmaDecay = 0.9, Seed = 2 });
        var sampler = new DiffusionSampler(stage2, new SamplerOptions { Steps = 10 });
        while (sw.Elapsed.TotalSeconds < 8)
        {
            Assert.That(double.IsFinite(t2.TrainStep().Loss));
            steps2++;
            var sizes = Enumerable.Range(0, 6).Select(i => 3 + (i * 5 + batches) % 20).ToArray();
            var mols = sampler.Sample(SamplingPlan.Efficient(sizes, 2), seed: batches);
            Assert.That(mols.All(m => m.HasFiniteCoordinates));
            batches += 3;
        }
        TestContext.Out.WriteLine($"{steps1} stage-1 steps, {steps2} stage-2 steps and {batches} sampling batches x 11 DiT calls under {gc.Collections} forced collections");
        Assert.That(gc.Collections, Is.GreaterThan(100), "the collector really ran during the native calls");
        Assert.That(steps1 * steps2 * batches, Is.GreaterThan(0));
    }
}
