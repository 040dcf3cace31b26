using System.Diagnostics;
using NUnit.Framework;
using Stp.Testing;
using Stp.Backbones.GeoLdm;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Prior;
using Stp.Sampling;
using Stp.Training;

namespace Stp.Backbones.GeoLdm.Tests;

/// <summary>
/// GeoLDM's training (encoder, reconstruction loss, latent diffusion) and sampling (decoder) survive garbage collections
/// forced continuously during the native calls (see the EDM backbone's GcStressTests for the TorchSharp Scalar race).
/// </summary>
[NonParallelizable]
public class GcStressTests
{
    [Test]
    public void GeoLdmSurvivesConstantGarbageCollection()
    {
        TorchSharp.torch.manual_seed(3);
        using var model = GeoLdmModel.Create(GeoLdmOptions.Small(AtomFeatures.Qm9, hiddenFeatures: 16, layers: 2), PriorKind.ScaledPrior, PriorScaleTable.PublishedQm9);
        var data = Enumerable.Range(0, 24).Select(i => new Molecule(Enumerable.Range(0, 3 + i % 10).Select(a => a % 4 == 0 ? 6 : 1).ToArray(),
            Enumerable.Range(0, 3 * (3 + i % 10)).Select(k => Math.Sin(k * 0.7 + i)).ToArray())).ToList();
        using var trainer = new DiffusionTrainer(model, data, new TrainerOptions { BatchSize = 8, Seed = 1, EmaDecay = 0.9 });
        var sampler = new DiffusionSampler(model, new SamplerOptions { Steps = 10 });
        var gc = GcPressure.Start();
        var sw = Stopwatch.StartNew();
        try
        {
            for (int i = 0; sw.Elapsed.TotalSeconds < 6; i++)
            {
                trainer.TrainStep();
                var mols = sampler.Sample(SamplingPlan.Efficient(new[] { 4 + i % 9, 7, 12 }, 2), seed: i);
                Assert.That(mols.All(m => m.HasFiniteCoordinates));
            }
        }
        finally
        {
            gc.Dispose();
        }
        Assert.That(gc.Collections, Is.GreaterThan(100));
    }
}
