using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Prior;
using Stp.Sampling;
using Stp.Training;

namespace Stp.Backbones.Edm.Tests;

/// <summary>A conditional EGNN (EDM's Qm9Conditional shape, small) trains and samples through Core with per-molecule context.</summary>
public class ConditionalTests
{
    [Test]
    public void ConditionalEgnnTrainsAndItsSamplesDependOnTheContext()
    {
        // Molecules whose size-normalised spread is a property; the context is that property, normalised with mean/MAD.
        var features = new AtomFeatures(AtomVocabulary.Qm9, IncludeAtomicNumber: false);
        var r = new Random(3);
        var mols = Enumerable.Range(0, 32).Select(i =>
        {
            int n = 4 + i % 6;
            double spread = 0.8 + 0.1 * (i % 5);
            var p = Enumerable.Range(0, 3 * n).Select(_ => spread * (r.NextDouble() * 2 - 1)).ToArray();
            return new Molecule(Enumerable.Range(0, n).Select(a => a % 2 == 0 ? 6 : 1).ToArray(), p,
                new Dictionary<string, string> { ["spread"] = spread.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }).ToList();
        TorchSharp.torch.manual_seed(1);
        var options = EgnnOptions.Qm9Conditional(1) with { HiddenFeatures = 16, Layers = 2 };
        Assert.That(options.FeatureCount, Is.EqualTo(5));
        using var model = DiffusionModel.Create(new EgnnDenoiser(options), PriorKind.ScaledPrior, PriorScaleTable.PublishedQm9, features, new PolynomialSchedule(100));
        model.Context = ContextProperties.FromMolecules(new[] { "spread" }, mols);
        using var trainer = new DiffusionTrainer(model, mols, new TrainerOptions { BatchSize = 8, LearningRate = 1e-3, Seed = 2, EmaDecay = 0 });
        var losses = Enumerable.Range(0, 4).Select(_ => trainer.TrainStep().Loss).ToArray();
        Assert.That(losses.All(double.IsFinite), "a conditional EGNN trains (the first release failed on its first step)");

        // A context given to a model whose denoiser is unconditional is refused, not silently dropped (a conditional
        // GeoLDM once trained unconditionally that way).
        using var plain = DiffusionModel.Create(new EgnnDenoiser(EgnnOptions.Small(features.Count, hiddenFeatures: 8, layers: 1)), PriorKind.ScaledPrior, PriorScaleTable.PublishedQm9, features, new PolynomialSchedule(100));
        plain.Context = model.Context;
        Assert.That(() => new DiffusionTrainer(plain, mols, new TrainerOptions { BatchSize = 8 }), Throws.ArgumentException.With.Message.Contains("unconditional"));

        var sizes = new[] { 5, 7, 9 };
        var sampler = new DiffusionSampler(model, SamplerOptions.Ddim(10));
        var low = sampler.Sample(SamplingPlan.Efficient(sizes, 3, contexts: sizes.Select(_ => new[] { -2f }).ToArray()), seed: 4);
        var high = sampler.Sample(SamplingPlan.Efficient(sizes, 3, contexts: sizes.Select(_ => new[] { 2f }).ToArray()), seed: 4);
        var again = sampler.Sample(SamplingPlan.Efficient(sizes, 3, contexts: sizes.Select(_ => new[] { 2f }).ToArray()), seed: 4);
        double diff = low.Zip(high, (a, b) => a.Positions.Zip(b.Positions, (u, v) => Math.Abs(u - v)).Max()).Max();
        double same = high.Zip(again, (a, b) => a.Positions.Zip(b.Positions, (u, v) => Math.Abs(u - v)).Max()).Max();
        TestContext.Out.WriteLine($"max coordinate change when the context changes: {diff:E3} (same context: {same:E1})");
        Assert.That(same, Is.EqualTo(0));
        Assert.That(diff, Is.GreaterThan(1e-3), "the output changes when the context changes");
        Assert.That(double.Parse(high[0].Properties["spread"], System.Globalization.CultureInfo.InvariantCulture),
            Is.EqualTo(2 * model.Context.Mads[0] + model.Context.Means[0]).Within(1e-6), "samples carry their de-normalised context");

        // Saved with its statistics and p(c | N), the model reloads and samples the same molecules for the same contexts.
        model.PropertyDistribution = PropertyDistribution.FromMolecules(new[] { "spread" }, mols);
        var path = Path.Combine(Path.GetTempPath(), $"stp-cond-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path);
            using var loaded = DiffusionModel.Load(path);
            Assert.That(loaded.Context!.Means, Is.EqualTo(model.Context.Means));
            Assert.That(loaded.Context.Mads, Is.EqualTo(model.Context.Mads));
            var contexts = loaded.PropertyDistribution!.SampleContexts(sizes, loaded.Context, seed: 9);
            Assert.That(contexts, Is.EqualTo(model.PropertyDistribution.SampleContexts(sizes, model.Context, seed: 9)));
            var before = sampler.Sample(SamplingPlan.Efficient(sizes, 3, contexts: contexts), seed: 5);
            var after = new DiffusionSampler(loaded, SamplerOptions.Ddim(10)).Sample(SamplingPlan.Efficient(sizes, 3, contexts: contexts), seed: 5);
            Assert.That(after.Select(m => m.Positions), Is.EqualTo(before.Select(m => m.Positions)));
            Assert.That(after.Select(m => m.Properties["spread"]), Is.EqualTo(before.Select(m => m.Properties["spread"])));
        }
        finally
        {
            File.Delete(path);
            File.Delete(Path.ChangeExtension(path, ".json"));
        }
    }
}
