using NUnit.Framework;
using Stp.Data;
using Stp.Diffusion;
using Stp.Sampling;
using static Stp.Core.Tests.EngineSetup;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

/// <summary>
/// The engine's correctness proof without a neural network: with the analytic optimal denoiser for Gaussian data in
/// the zero-CoM subspace, EDM's ancestral sampler (1000 steps, polynomial_2) must reproduce the data variance, with
/// and without StP, with efficient and dataset-max padding; deterministic DDIM must reproduce the variance its own
/// scalar recursion predicts, on the full grid and on a 50-step subsampled grid.
/// </summary>
public class EngineTests
{
    [TestCase(PriorKind.ScaledPrior, true)]
    [TestCase(PriorKind.Unit, true)]
    [TestCase(PriorKind.NormalizedCoordinates, false)]
    public void AncestralSamplingWithTheOptimalDenoiserReproducesTheDataVariance(PriorKind prior, bool efficient)
    {
        var (model, _) = Build(prior);
        var plan = efficient ? SamplingPlan.Efficient(Sizes, 120) : SamplingPlan.DatasetPadding(Sizes, 120, 29);
        var hVar = new FeatureVarianceObserver();
        var mols = new DiffusionSampler(model).Sample(plan, seed: 5, observer: hVar);
        Assert.That(mols.Select(m => m.AtomCount), Is.EqualTo(Sizes));
        AssertVariance(mols, _ => 1.0, prior.ToString());
        TestContext.Out.WriteLine($"feature variance {hVar.Variance:F4} expected {FeatureVar}");
        Assert.That(hVar.Variance, Is.EqualTo(FeatureVar).Within(0.05 * FeatureVar));
    }

    [TestCase(PriorKind.ScaledPrior, 1000, 1.0)]
    [TestCase(PriorKind.ScaledPrior, 50, 1.0)]
    [TestCase(PriorKind.ScaledPrior, 12, 2.0)]
    [TestCase(PriorKind.Unit, 1000, 1.0)]
    [TestCase(PriorKind.Unit, 50, 1.0)]
    public void DdimWithTheOptimalDenoiserGivesItsAnalyticVariance(PriorKind prior, int steps, double rho)
    {
        var (model, den) = Build(prior);
        var sampler = new DiffusionSampler(model, SamplerOptions.Ddim(steps) with { Spacing = new TimestepSpacing(rho) });
        var hVar = new FeatureVarianceObserver();
        var plan = SamplingPlan.Efficient(Sizes, 120);
        var mols = sampler.Sample(plan, seed: 5, observer: hVar);
        Assert.That(den.Calls, Is.EqualTo((steps + 1) * plan.Batches.Count), "K reverse steps + the final step per batch");
        Assert.That(sampler.NetworkCallsPerBatch * plan.Batches.Count, Is.EqualTo(den.Calls));
        var (v, g) = Space(prior);
        var grid = TimestepGrid.Create(new TimestepSpacing(rho), 1000, steps);
        Assert.That(sampler.Grid, Is.EqualTo(grid));
        double Ratio(int n) => DdimVarianceRatio(model.Schedule, grid, v(n), g(n));
        AssertVariance(mols, Ratio, $"DDIM {steps} {prior}");
        if (prior == PriorKind.ScaledPrior)
            Assert.That(Ratio(4), Is.EqualTo(Ratio(25)).Within(1e-12), "under StP every size follows the same dynamics");
        double hExpected = FeatureVar * DdimVarianceRatio(model.Schedule, grid, FeatureVar, 1);
        TestContext.Out.WriteLine($"feature variance {hVar.Variance:F4} expected {hExpected:F4}");
        Assert.That(hVar.Variance, Is.EqualTo(hExpected).Within(0.05 * hExpected));
        // Deterministic: the same prior gives the same molecules, whatever the batching.
        var again = sampler.Sample(SamplingPlan.Efficient(Sizes.Take(40).ToArray(), 7), seed: 5);
        Assert.That(again[3].Positions, Is.EqualTo(mols[3].Positions).Within(1e-5));
    }

    [Test]
    public void AMisspecifiedDenoiserIsDetected()
    {
        // Negative control: a denoiser that believes the data variance is 0.6 times the true one must not pass the check.
        var den = new AnalyticDenoiser(PolynomialSchedule.Edm, Features.Count, n => 0.6 * Math.Pow(DataStd(n), 2), Gamma, FeatureVar);
        var model = DiffusionModel.Create(den, PriorKind.ScaledPrior, new FuncPriorScaler(Gamma), Features);
        var mols = new DiffusionSampler(model).Sample(SamplingPlan.Efficient(Sizes.Take(120).ToArray(), 120), 5);
        double pooled = mols.Sum(m => m.Centered().Positions.Sum(p => p * p) / Math.Pow(DataStd(m.AtomCount), 2)) / mols.Sum(m => 3.0 * (m.AtomCount - 1));
        TestContext.Out.WriteLine($"misspecified pooled ratio {pooled:F3}");
        Assert.That(pooled, Is.LessThan(0.8));
    }

    [Test]
    public void EfficientAndPaddedPlansGiveTheSameMolecules()
    {
        var (model, _) = Build(PriorKind.ScaledPrior, new PolynomialSchedule(100));
        var sizes = Sizes.Take(60).ToArray();
        var sampler = new DiffusionSampler(model);
        var a = sampler.Sample(SamplingPlan.Efficient(sizes, 7), seed: 3);
        var b = sampler.Sample(SamplingPlan.DatasetPadding(sizes, 13, 40), seed: 3);
        double maxDiff = 0;
        for (int i = 0; i < sizes.Length; i++)
            maxDiff = Math.Max(maxDiff, a[i].Positions.Zip(b[i].Positions, (p, q) => Math.Abs(p - q)).Max());
        Assert.That(maxDiff, Is.LessThan(1e-5));
        var c = sampler.Sample(SamplingPlan.Efficient(sizes, 7), seed: 4);
        Assert.That(c[0].Positions[0], Is.Not.EqualTo(a[0].Positions[0]), "another seed gives other molecules");
    }

    [Test]
    public void EfficientPlanSortsPadsToBatchMaximumAndCapsAtomsAndEdges()
    {
        var sizes = new[] { 20, 3, 9, 9, 15, 4, 30 };
        var plan = SamplingPlan.Efficient(sizes, 3);
        Assert.That(plan.Batches.Select(b => b.Sizes.ToArray()), Is.EqualTo(new[] { new[] { 3, 4, 9 }, new[] { 9, 15, 20 }, new[] { 30 } }));
        Assert.That(plan.Batches.Select(b => b.PaddedSize), Is.EqualTo(new[] { 9, 20, 30 }));
        Assert.That(plan.Batches.SelectMany(b => b.MoleculeIds).Order(), Is.EqualTo(Enumerable.Range(0, 7)));
        var capped = SamplingPlan.Efficient(sizes, 100, maxAtomsPerBatch: 25);
        Assert.That(capped.Batches.Select(b => b.Sizes.Sum()), Is.EqualTo(new[] { 25, 15, 20, 30 }));
        Assert.That(SamplingPlan.DatasetPadding(sizes, 3, 29 + 1).PaddedNodeSlots, Is.EqualTo(7 * 30));
        // Edge cap: sorted 3, 4, 9, 9, 15, 20, 30 have 6, 12, 72, 72, 210, 380, 870 directed pairs; with a cap of 400 the
        // first five (372) fill a batch, 20 (380) is alone, and 30 (870, over the cap by itself) is alone.
        var byEdges = SamplingPlan.Efficient(sizes, 100, maxEdgesPerBatch: 400);
        Assert.That(byEdges.Batches.Select(b => b.Sizes.ToArray()), Is.EqualTo(new[] { new[] { 3, 4, 9, 9, 15 }, new[] { 20 }, new[] { 30 } }));
        Assert.That(byEdges.Batches.Select(b => b.RealEdges), Is.EqualTo(new long[] { 372, 380, 870 }));
        Assert.That(byEdges.RealEdges, Is.EqualTo(1622L).And.EqualTo(plan.RealEdges), "the real edges do not depend on the batching");
        // The default cap (8,192 pairs) on GEOM-sized molecules: 44 atoms are 1,892 pairs, 4 of them 7,568, 5 would be 9,460.
        var geom = SamplingPlan.Efficient(Enumerable.Repeat(44, 100).ToArray(), 100);
        Assert.That(geom.Batches.Select(b => b.Sizes.Count), Is.EqualTo(Enumerable.Repeat(4, 25)));
        Assert.That(geom.Batches.Max(b => b.RealEdges), Is.EqualTo(7568L));
        Assert.That(SamplingPlan.Efficient(Enumerable.Repeat(44, 100).ToArray(), 100, maxEdgesPerBatch: null).Batches, Has.Count.EqualTo(1), "null: no cap");
        Assert.That(() => SamplingPlan.Efficient(sizes, 3, maxEdgesPerBatch: 0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("edge cap"));
        var ctx = sizes.Select(n => new[] { (float)n }).ToArray();
        var withContext = SamplingPlan.Efficient(sizes, 3, contexts: ctx);
        Assert.That(withContext.Batches.SelectMany(b => b.Contexts!.Select(c => c[0])), Is.EqualTo(new float[] { 3, 4, 9, 9, 15, 20, 30 }), "contexts follow their molecules");
        Assert.That(() => SamplingPlan.Efficient(sizes, 3, contexts: ctx.Take(3).ToArray()), Throws.ArgumentException.With.Message.Contains("3 contexts for 7"));
    }

    [Test]
    public void Proposition32_StpEqualsNormalisedDataTransformed()
    {
        // Forward marginal: for the same x and noise, z_t under StP equals gamma_N times z_t of the "-N" model
        // (data divided by gamma_N, unit noise), at every t (paper Prop. 3.2, eq. 15).
        var (stp, _) = Build(PriorKind.ScaledPrior);
        var (norm, _) = Build(PriorKind.NormalizedCoordinates);
        var mols = Enumerable.Range(0, 6).Select(i => RandomMolecule(3 + 4 * i, i)).ToList();
        using var batch = MoleculeBatch.Create(mols, Features);
        var g = tensor(mols.Select(m => (float)Gamma(m.AtomCount)).ToArray(), new long[] { 6, 1, 1 });
        foreach (var t in new[] { 0, 1, 250, 500, 999, 1000 })
        {
            using var scope = NewDisposeScope();
            var ts = Enumerable.Repeat(t, 6).ToArray();
            var zs = stp.Diffuse(batch, ts, 9, 2);
            var zn = norm.Diffuse(batch, ts, 9, 2);
            double err = (zs.Noisy.X - g * zn.Noisy.X).abs().max().item<float>();
            Assert.That(err, Is.LessThan(1e-5), $"t = {t}");
            Assert.That((zs.Noisy.H - zn.Noisy.H).abs().max().item<float>(), Is.EqualTo(0f));
        }
        // Reverse process: with their optimal denoisers the two models sample identical molecules (ancestral and DDIM).
        var sizes = Sizes.Take(40).ToArray();
        foreach (var options in new[] { SamplerOptions.Ancestral, SamplerOptions.Ddim(50) })
        {
            var a = new DiffusionSampler(stp, options).Sample(SamplingPlan.Efficient(sizes, 40), 21);
            var b = new DiffusionSampler(norm, options).Sample(SamplingPlan.Efficient(sizes, 40), 21);
            double maxDiff = a.Zip(b, (p, q) => p.Positions.Zip(q.Positions, (u, w) => Math.Abs(u - w)).Max()).Max();
            TestContext.Out.WriteLine($"{options.ReverseStep.Name}: max |x_StP - x_-N| over 40 sampled molecules: {maxDiff:E2}");
            Assert.That(maxDiff, Is.LessThan(1e-3));
        }
    }
}
