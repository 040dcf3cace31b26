using NUnit.Framework;
using Stp.Backbones.Edm;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Prior;
using Stp.Sampling;
using Stp.Testing;
using Stp.Training;

namespace Stp.Backbones.Edm.Tests;

/// <summary>EDM-StP end to end on real QM9 molecules: a tiny EGNN trained through the Core trainer, then sampled and saved.</summary>
public class TrainingIntegrationTests
{
    [Test]
    public void TinyEgnnLearnsOnQm9AndSamplesWellFormedMolecules()
    {
        var path = SharedData.Data("qm9/qm9.xyz.gz");
        var train = XyzFile.Read(path).Where(m => !m.Properties.ContainsKey("split")).Take(600).ToList();
        using var model = DiffusionModel.Create(new EgnnDenoiser(EgnnOptions.Small(AtomFeatures.Qm9.Count, hiddenFeatures: 32, layers: 2)),
            PriorKind.ScaledPrior, PriorScaleTable.PublishedQm9, AtomFeatures.Qm9);
        using var trainer = new DiffusionTrainer(model, train, new TrainerOptions { BatchSize = 16, LearningRate = 2e-3, EmaDecay = 0.99, Seed = 7 });
        // Every step's loss is judged: with EDM's normalisation of the t = 0 term no molecule's loss is out of scale.
        var losses = Enumerable.Range(0, 300).Select(_ => trainer.TrainStep().Loss).ToList();
        double first = Stats.Median(losses.Take(20)), last = Stats.Median(losses.TakeLast(50));
        TestContext.Out.WriteLine($"median loss: first 20 steps {first:F4}, last 50 steps {last:F4}; max over all steps {losses.Max():F4}");
        Assert.That(last, Is.LessThan(0.6 * first), "the loss falls well below its starting value");
        Assert.That(losses.Max(), Is.LessThan(3 * first), "no step's loss is out of scale");

        var sizes = new[] { 5, 9, 17, 19, 23 };
        IReadOnlyList<Molecule> mols;
        using (trainer.UseEmaWeights())
            mols = new DiffusionSampler(model, new SamplerOptions { Steps = 200 }).Sample(SamplingPlan.Efficient(sizes, 3), seed: 1);
        Assert.That(mols.Select(m => m.AtomCount), Is.EqualTo(sizes));
        Assert.That(mols.SelectMany(m => m.AtomicNumbers).Distinct(), Is.SubsetOf(new[] { 1, 6, 7, 8, 9 }));
        Assert.That(mols.All(m => m.HasFiniteCoordinates));
        foreach (var m in mols)
        {
            var c = Enumerable.Range(0, 3).Select(d => Enumerable.Range(0, m.AtomCount).Average(i => m.Positions[3 * i + d])).ToArray();
            Assert.That(c.Max(Math.Abs), Is.LessThan(1e-3 * Math.Max(1, m.Positions.Max(Math.Abs))), "zero centre of mass");
        }
    }
}
