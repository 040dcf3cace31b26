using System.Diagnostics;
using NUnit.Framework;
using Stp.Testing;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Prior;
using Stp.Sampling;
using Stp.Training;

namespace Stp.Backbones.Edm.Tests;

/// <summary>
/// Regression for the intermittent native crash in sampling ("Expected false to be true ... toFloat at
/// c10/core/Scalar.h:140" in EdgeOps.FirstLinear): TorchSharp's temporary Scalars (the implicit alpha of add_, +,
/// numbers in arithmetic, its own AdamW) can be freed by the GC's finalizer thread during the native call. This test
/// runs the failing pattern — many batches of varied sizes back to back, and training steps — while another thread
/// forces garbage collections and finalizers continuously, which made the unfixed code abort within seconds (the
/// test host dies: the failure is a crashed run, not an assertion).
/// </summary>
[NonParallelizable]
public class GcStressTests
{
    [Test]
    public void SamplingAndTrainingSurviveConstantGarbageCollection()
    {
        TorchSharp.torch.manual_seed(3);
        using var model = DiffusionModel.Create(new EgnnDenoiser(EgnnOptions.Small(AtomFeatures.Qm9.Count, hiddenFeatures: 16, layers: 2)),
            PriorKind.ScaledPrior, PriorScaleTable.PublishedQm9, AtomFeatures.Qm9);
        var data = Enumerable.Range(0, 32).Select(i => new Molecule(Enumerable.Range(0, 3 + i % 12).Select(a => a % 4 == 0 ? 6 : 1).ToArray(),
            Enumerable.Range(0, 3 * (3 + i % 12)).Select(k => Math.Sin(k * 0.7 + i)).ToArray())).ToList();
        using var trainer = new DiffusionTrainer(model, data, new TrainerOptions { BatchSize = 8, Seed = 1, EmaDecay = 0.9 });
        var sampler = new DiffusionSampler(model, new SamplerOptions { Steps = 20 });
        var gc = GcPressure.Start();
        int batches = 0, steps = 0;
        var sw = Stopwatch.StartNew();
        try
        {
            while (sw.Elapsed.TotalSeconds < 8)
            {
                var sizes = Enumerable.Range(0, 12).Select(i => 3 + (i * 7 + batches) % 27).ToArray();
                var mols = sampler.Sample(SamplingPlan.Efficient(sizes, 3), seed: batches);
                Assert.That(mols.All(m => m.HasFiniteCoordinates));
                batches += 4;
                trainer.TrainStep();
                steps++;
            }
        }
        finally
        {
            gc.Dispose();
        }
        TestContext.Out.WriteLine($"{batches} sampling batches x 21 network calls and {steps} training steps under {gc.Collections} forced collections");
        Assert.That(gc.Collections, Is.GreaterThan(100), "the collector really ran during the native calls");
    }
}
