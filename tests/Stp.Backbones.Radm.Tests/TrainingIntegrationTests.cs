using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Prior;
using Stp.Sampling;
using Stp.Testing;
using Stp.Training;

namespace Stp.Backbones.Radm.Tests;

/// <summary>RADM-StP end to end on real QM9 molecules: a tiny stage 1 and a tiny stage 2 through the Core trainer, then sampling.</summary>
public class TrainingIntegrationTests
{
    [Test]
    public void TinyTwoStageRadmStpLearnsOnQm9AndSamples()
    {
        var train = XyzFile.Read(SharedData.Data("qm9/qm9.xyz.gz")).Where(m => !m.Properties.ContainsKey("split")).Take(400).ToList();

        // Stage 1: aligner + decoder, cosine-annealed learning rate, no EMA, no clipping (RADM's autoencoder recipe).
        var stage1 = RadmModel.CreateAutoencoderStage(AtomFeatures.Qm9, CodecTests.Tiny, DitOptions.Tiny(), seed: 1);
        stage1.SizeDistribution = SizeDistribution.FromMolecules(train);
        const int steps1 = 150;
        List<double> l1;
        using (var t1 = new DiffusionTrainer(stage1, train, new TrainerOptions
        {
            BatchSize = 16, LearningRate = 2e-3, EmaDecay = 0, ClipGradients = false, Seed = 3,
            LearningRateSchedule = new CosineAnnealingSchedule(steps1, 1e-5),
        }))
            l1 = Enumerable.Range(0, steps1).Select(_ => t1.TrainStep().Loss).ToList();
        double first1 = Stats.Median(l1.Take(10)), last1 = Stats.Median(l1.TakeLast(20));
        TestContext.Out.WriteLine($"stage 1 (autoencoder) median loss: first 10 steps {first1:F4}, last 20 steps {last1:F4}");
        Assert.That(last1, Is.LessThan(0.5 * first1), "the reconstruction loss falls well below its start");

        // Stage 2: frozen autoencoder, DiT on the latent with StP on the latent coordinates.
        using var stage2 = RadmModel.ToDiffusionStage(stage1, PriorKind.ScaledPrior, PriorScaleTable.PublishedQm9);
        using var t2 = new DiffusionTrainer(stage2, train, new TrainerOptions { BatchSize = 16, LearningRate = 1e-3, EmaDecay = 0.99, Seed = 5 });
        var l2 = Enumerable.Range(0, 150).Select(_ => t2.TrainStep().Loss).ToList();
        double first2 = Stats.Median(l2.Take(10)), last2 = Stats.Median(l2.TakeLast(30));
        TestContext.Out.WriteLine($"stage 2 (latent DiT) median loss: first 10 steps {first2:F4}, last 30 steps {last2:F4}");
        Assert.That(last2, Is.LessThan(0.6 * first2), "the diffusion loss falls well below its start");

        var sizes = new[] { 5, 9, 17, 19, 23 };
        IReadOnlyList<Molecule> mols;
        using (t2.UseEmaWeights())
            mols = new DiffusionSampler(stage2, new SamplerOptions { Steps = 50 }).Sample(SamplingPlan.Efficient(sizes, 3), seed: 1);
        Assert.That(mols.Select(m => m.AtomCount), Is.EqualTo(sizes));
        Assert.That(mols.SelectMany(m => m.AtomicNumbers).Distinct(), Is.SubsetOf(new[] { 1, 6, 7, 8, 9 }));
        Assert.That(mols.All(m => m.HasFiniteCoordinates));
    }
}
