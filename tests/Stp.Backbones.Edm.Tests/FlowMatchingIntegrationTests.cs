using NUnit.Framework;
using Stp.Backbones.Edm;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Objectives;
using Stp.Prior;
using Stp.Sampling;
using Stp.Testing;
using Stp.Training;

namespace Stp.Backbones.Edm.Tests;

/// <summary>Flow matching with StP on a real EGNN and real QM9 molecules: it learns, integrates to well-formed molecules,
/// and its model file reloads to the same molecules.</summary>
public class FlowMatchingIntegrationTests
{
    [Test]
    public void TinyFlowEgnnLearnsOnQm9SamplesAndReloads()
    {
        var train = XyzFile.Read(SharedData.Data("qm9/qm9.xyz.gz")).Where(m => !m.Properties.ContainsKey("split")).Take(600).ToList();
        using var model = DiffusionModel.Create(new EgnnDenoiser(EgnnOptions.Small(AtomFeatures.Qm9.Count, hiddenFeatures: 32, layers: 2)),
            PriorKind.ScaledPrior, PriorScaleTable.PublishedQm9, AtomFeatures.Qm9, objective: FlowMatchingObjective.Instance);
        model.SizeDistribution = SizeDistribution.FromMolecules(train);
        using var trainer = new DiffusionTrainer(model, train, new TrainerOptions { BatchSize = 16, LearningRate = 2e-3, EmaDecay = 0.99, Seed = 7 });
        var losses = Enumerable.Range(0, 250).Select(_ => trainer.TrainStep().Loss).ToList();
        double first = Stats.Median(losses.Take(20)), last = Stats.Median(losses.TakeLast(50));
        TestContext.Out.WriteLine($"flow-matching loss (median): first 20 steps {first:F4}, last 50 steps {last:F4}");
        Assert.That(last, Is.LessThan(0.6 * first), "the velocity loss falls well below its starting value");

        var sizes = new[] { 5, 9, 17, 19, 23 };
        var plan = SamplingPlan.Efficient(sizes, 3);
        using var folder = new TempFolder();
        IReadOnlyList<Molecule> mols;
        using (trainer.UseEmaWeights())
        {
            mols = new DiffusionSampler(model, SamplerOptions.Heun(20)).Sample(plan, seed: 1);
            model.Save(folder.File("flow"));
        }
        Assert.That(mols.Select(m => m.AtomCount), Is.EqualTo(sizes));
        Assert.That(mols.SelectMany(m => m.AtomicNumbers).Distinct(), Is.SubsetOf(new[] { 1, 6, 7, 8, 9 }));
        Assert.That(mols.All(m => m.HasFiniteCoordinates));
        foreach (var m in mols)
            Assert.That(m.Centered().Positions.Max(Math.Abs), Is.LessThan(20), "integrated coordinates stay at molecular scale");

        using var loaded = DiffusionModel.Load(folder.File("flow.safetensors"));
        Assert.That(loaded.Objective, Is.SameAs(FlowMatchingObjective.Instance));
        var again = new DiffusionSampler(loaded, SamplerOptions.Heun(20)).Sample(plan, seed: 1);
        for (int i = 0; i < sizes.Length; i++)
        {
            Assert.That(again[i].AtomicNumbers, Is.EqualTo(mols[i].AtomicNumbers));
            Assert.That(again[i].Positions, Is.EqualTo(mols[i].Positions).Within(1e-5));
        }
    }
}
