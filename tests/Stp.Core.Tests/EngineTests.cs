using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Sampling;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

/// <summary>
/// The engine's correctness proof without a neural network: with the analytic optimal denoiser for Gaussian data in
/// the zero-CoM subspace, EDM's ancestral sampler (1000 steps, polynomial_2) must reproduce the data variance, with
/// and without StP, with efficient and dataset-max padding.
/// </summary>
public class EngineTests
{
    private static readonly AtomFeatures Features = new(new AtomVocabulary("toy", new[] { 1, 6, 7 }), false);
    private static double Gamma(int n) => Math.Cbrt(n / 20.0);            // a size-dependent prior scale
    private static double DataStd(int n) => 1.3 * Gamma(n);               // molecules grow like gamma_N
    private const double FeatureVar = 0.3;

    private static (EquivariantDiffusion Model, AnalyticDenoiser Denoiser) Build(PriorKind prior, INoiseSchedule? inner = null)
    {
        inner ??= PolynomialSchedule.Edm;
        var scaler = new FuncPriorScaler(Gamma);
        INoiseSchedule schedule = prior == PriorKind.ScaledPrior ? new ScaledPriorSchedule(inner, scaler) : inner;
        var options = new DiffusionOptions
        {
            Features = Features,
            CoordinateNormalizer = prior == PriorKind.NormalizedCoordinates ? scaler : null,
        };
        // Variance of the data in the model's normalised coordinates and the noise scale the model uses.
        Func<int, double> v = prior == PriorKind.NormalizedCoordinates ? n => Math.Pow(DataStd(n) / Gamma(n), 2) : n => Math.Pow(DataStd(n), 2);
        Func<int, double> g = prior == PriorKind.ScaledPrior ? Gamma : _ => 1.0;
        var den = new AnalyticDenoiser(inner, Features.Count, v, g, FeatureVar);
        return (new EquivariantDiffusion(den, schedule, options), den);
    }

    private static readonly int[] Sizes = new SizeDistribution(new Dictionary<int, long> { [4] = 1, [9] = 1, [16] = 1, [25] = 1 }).Sample(480, 11);

    private static Dictionary<int, (double Var, long Dof)> VariancePerSize(IReadOnlyList<Molecule> mols)
    {
        var acc = new Dictionary<int, (double, long)>();
        foreach (var m in mols)
        {
            var c = m.Centered();
            double ss = c.Positions.Sum(p => p * p);
            acc.TryGetValue(m.AtomCount, out var a);
            acc[m.AtomCount] = (a.Item1 + ss, a.Item2 + 3 * (m.AtomCount - 1));
        }
        return acc.ToDictionary(kv => kv.Key, kv => (kv.Value.Item1 / kv.Value.Item2, kv.Value.Item2));
    }

    [TestCase(PriorKind.ScaledPrior, true)]
    [TestCase(PriorKind.Unit, true)]
    [TestCase(PriorKind.NormalizedCoordinates, false)]
    public void OptimalDenoiserReproducesDataVariance(PriorKind prior, bool efficient)
    {
        var (model, _) = Build(prior);
        var plan = efficient ? SamplingPlan.Efficient(Sizes, 120) : SamplingPlan.DatasetPadding(Sizes, 120, 29);
        var hVar = new FeatureVarianceObserver();
        var mols = new DiffusionSampler(model).Sample(plan, seed: 5, observer: hVar);
        Assert.That(mols.Select(m => m.AtomCount), Is.EqualTo(Sizes));
        foreach (var (n, (v, dof)) in VariancePerSize(mols).OrderBy(kv => kv.Key))
        {
            double expected = Math.Pow(DataStd(n), 2);
            double se = expected * Math.Sqrt(2.0 / dof);
            TestContext.Out.WriteLine($"{prior} N={n}: var {v:F4} expected {expected:F4} (rel {(v / expected - 1) * 100:F2}%, 4 SE = {4 * se / expected * 100:F2}%)");
            Assert.That(v, Is.EqualTo(expected).Within(4 * se + 0.01 * expected), $"N = {n}");
        }
        // Pooled over sizes: sum of squares / expected variance over all degrees of freedom = 1 within 3 SE.
        long totalDof = mols.Sum(m => 3L * (m.AtomCount - 1));
        double pooled = mols.Sum(m => m.Centered().Positions.Sum(p => p * p) / Math.Pow(DataStd(m.AtomCount), 2)) / totalDof;
        TestContext.Out.WriteLine($"pooled variance ratio {pooled:F4} (3 SE = {3 * Math.Sqrt(2.0 / totalDof):F4})");
        Assert.That(pooled, Is.EqualTo(1.0).Within(3 * Math.Sqrt(2.0 / totalDof)));
        // Feature marginal: h_hat at t = 0 (unnormalised by the categorical norm 4) has variance 16 w.
        double hv = hVar.Variance / (model.Options.CategoricalNorm * model.Options.CategoricalNorm);
        TestContext.Out.WriteLine($"feature variance {hv:F4} expected {FeatureVar}");
        Assert.That(hv, Is.EqualTo(FeatureVar).Within(0.05 * FeatureVar));
    }

    private sealed class FeatureVarianceObserver : ISamplingObserver
    {
        private double _ss; private long _count;
        public double Variance => _ss / _count;
        public void OnStep(SamplingStep step)
        {
            if (step.Step != 0) return;
            var h = (step.PredictedFeatures * step.NodeMask).pow(2).sum().item<float>();
            _ss += h; _count += (long)step.NodeMask.sum().item<float>() * step.PredictedFeatures.shape[2];
        }
    }

    [Test]
    public void AMisspecifiedDenoiserIsDetected()
    {
        // Negative control: a denoiser that believes the data variance is 0.6 times the true one must not pass the check
        // (the sampler then produces variance near 0.6, not 1).
        var scaler = new FuncPriorScaler(Gamma);
        var den = new AnalyticDenoiser(PolynomialSchedule.Edm, Features.Count, n => 0.6 * Math.Pow(DataStd(n), 2), Gamma, FeatureVar);
        var model = new EquivariantDiffusion(den, new ScaledPriorSchedule(PolynomialSchedule.Edm, scaler), new DiffusionOptions { Features = Features });
        var mols = new DiffusionSampler(model).Sample(SamplingPlan.Efficient(Sizes.Take(120).ToArray(), 120), 5);
        double pooled = mols.Sum(m => m.Centered().Positions.Sum(p => p * p) / Math.Pow(DataStd(m.AtomCount), 2)) / mols.Sum(m => 3.0 * (m.AtomCount - 1));
        TestContext.Out.WriteLine($"misspecified pooled ratio {pooled:F3}");
        Assert.That(pooled, Is.LessThan(0.8));
    }

    [Test]
    public void StpScalesThePriorOfEachMoleculeByGammaN()
    {
        // z_T under StP has per-dimension variance gamma_N^2 in the (N-1)*3-dim subspace; the unit prior has 1.
        var (stp, _) = Build(PriorKind.ScaledPrior);
        var (unit, _) = Build(PriorKind.Unit);
        var sizes = Enumerable.Range(0, 400).Select(i => i % 2 == 0 ? 4 : 25).ToArray();
        var streams = Enumerable.Range(0, 400).Select(i => (long)i).ToArray();
        foreach (var (model, scale) in new[] { (stp, (Func<int, double>)Gamma), (unit, _ => 1.0) })
        {
            using var scope = NewDisposeScope();
            var (ex, eh) = model.SampleNoise(sizes, 25, 1, streams, 1000, CPU);
            var ss = ex.pow(2).sum(new long[] { 1, 2 }).data<float>().ToArray();
            foreach (var n in new[] { 4, 25 })
            {
                double v = Enumerable.Range(0, 400).Where(i => sizes[i] == n).Sum(i => (double)ss[i]) / (200 * 3.0 * (n - 1));
                Assert.That(v, Is.EqualTo(scale(n) * scale(n)).Within(0.1 * scale(n) * scale(n)), $"N = {n}");
            }
            Assert.That(eh.pow(2).sum().item<float>() / (200 * (4 + 25) * 3.0), Is.EqualTo(1.0).Within(0.05), "feature noise is never scaled");
        }
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
    public void EfficientPlanSortsPadsToBatchMaximumAndCapsAtoms()
    {
        var sizes = new[] { 20, 3, 9, 9, 15, 4, 30 };
        var plan = SamplingPlan.Efficient(sizes, 3);
        Assert.That(plan.Batches.Select(b => b.Sizes.ToArray()), Is.EqualTo(new[] { new[] { 3, 4, 9 }, new[] { 9, 15, 20 }, new[] { 30 } }));
        Assert.That(plan.Batches.Select(b => b.PaddedSize), Is.EqualTo(new[] { 9, 20, 30 }));
        Assert.That(plan.Batches.SelectMany(b => b.MoleculeIds).Order(), Is.EqualTo(Enumerable.Range(0, 7)));
        var capped = SamplingPlan.Efficient(sizes, 100, maxAtomsPerBatch: 25);
        Assert.That(capped.Batches.Select(b => b.Sizes.Sum()), Is.EqualTo(new[] { 25, 15, 20, 30 }));
        Assert.That(SamplingPlan.DatasetPadding(sizes, 3, 29 + 1).PaddedNodeSlots, Is.EqualTo(7 * 30));
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
            double err = (zs.Zx - g * zn.Zx).abs().max().item<float>();
            Assert.That(err, Is.LessThan(1e-5), $"t = {t}");
            Assert.That((zs.Zh - zn.Zh).abs().max().item<float>(), Is.EqualTo(0f));
        }
        // Reverse process: with their optimal denoisers the two models sample identical molecules.
        var sizes = Sizes.Take(40).ToArray();
        var a = new DiffusionSampler(stp).Sample(SamplingPlan.Efficient(sizes, 40), 21);
        var b = new DiffusionSampler(norm).Sample(SamplingPlan.Efficient(sizes, 40), 21);
        double maxDiff = a.Zip(b, (p, q) => p.Positions.Zip(q.Positions, (u, w) => Math.Abs(u - w)).Max()).Max();
        TestContext.Out.WriteLine($"max |x_StP - x_-N| over 40 sampled molecules: {maxDiff:E2}");
        Assert.That(maxDiff, Is.LessThan(1e-3));
    }

    [Test]
    public void TrainingLossIsEdmNormalisedL2WithScaledTarget()
    {
        // A denoiser that predicts zero: the loss is 0.5 |eps|^2 / ((3+F) N_pad) for t >= 1 and 0.5 |eps_x|^2 at t = 0.
        var zero = new ZeroDenoiser(Features.Count);
        var model = new EquivariantDiffusion(zero, new ScaledPriorSchedule(PolynomialSchedule.Edm, new FuncPriorScaler(Gamma)), new DiffusionOptions { Features = Features });
        var mols = Enumerable.Range(0, 64).Select(i => RandomMolecule(3 + i % 20, i)).ToList();
        using var batch = MoleculeBatch.Create(mols, Features);
        using var scope = NewDisposeScope();
        var loss = model.TrainingLoss(batch, seed: 1, step: 77);
        var z = model.Diffuse(batch, loss.TimeSteps, 1, 77);
        var per = loss.PerMolecule.data<float>().ToArray();
        var ex2 = z.EpsX.pow(2).sum(new long[] { 1, 2 }).data<float>().ToArray();
        var eh2 = z.EpsH.pow(2).sum(new long[] { 1, 2 }).data<float>().ToArray();
        int nPad = batch.PaddedSize;
        for (int i = 0; i < 64; i++)
        {
            double expected = loss.TimeSteps[i] == 0 ? 0.5 * ex2[i] : 0.5 * (ex2[i] + eh2[i]) / ((3 + Features.Count) * nPad);
            Assert.That(per[i], Is.EqualTo(expected).Within(1e-5 * Math.Max(1, expected)));
        }
        Assert.That(loss.Loss.item<float>(), Is.EqualTo(per.Average()).Within(1e-5));
        // The x target is gamma_N-scaled: E|eps_x|^2 = gamma_N^2 * 3 (N - 1).
        double ratio = Enumerable.Range(0, 64).Sum(i => ex2[i] / (Gamma(mols[i].AtomCount) * Gamma(mols[i].AtomCount))) / mols.Sum(m => 3.0 * (m.AtomCount - 1));
        Assert.That(ratio, Is.EqualTo(1.0).Within(0.1));
        // Same (seed, step) -> same draws; a resumed run continues exactly.
        var again = model.TrainingLoss(batch, 1, 77);
        Assert.That(again.TimeSteps, Is.EqualTo(loss.TimeSteps));
        Assert.That(again.Loss.item<float>(), Is.EqualTo(loss.Loss.item<float>()));
    }

    private sealed class ZeroDenoiser(int f) : IDenoiser
    {
        public TorchSharp.torch.nn.Module Module { get; } = TorchSharp.torch.nn.Sequential();
        public int FeatureCount => f;
        public int ContextCount => 0;
        public DenoiserOutput Predict(DenoiserInput input) => new(zeros_like(input.Positions), zeros_like(input.Features));
    }

    internal static Molecule RandomMolecule(int n, int seed)
    {
        var r = new Random(seed);
        var z = Enumerable.Range(0, n).Select(_ => new[] { 1, 6, 7 }[r.Next(3)]).ToArray();
        var p = Enumerable.Range(0, 3 * n).Select(_ => r.NextDouble() * 4 - 2).ToArray();
        return new Molecule(z, p);
    }

    [Test]
    public void BadInputGivesClearErrors()
    {
        var (model, _) = Build(PriorKind.ScaledPrior);
        var nan = new Molecule(new[] { 6, 1 }, new[] { 0, 0, 0, double.NaN, 0, 0 });
        Assert.That(() => MoleculeBatch.Create(new[] { nan }, Features), Throws.ArgumentException.With.Message.Contains("NaN"));
        var empty = new Molecule(Array.Empty<int>(), Array.Empty<double>());
        Assert.That(() => MoleculeBatch.Create(new[] { empty }, Features), Throws.ArgumentException.With.Message.Contains("zero atoms"));
        var fluorine = new Molecule(new[] { 9 }, new double[3]);
        Assert.That(() => MoleculeBatch.Create(new[] { fluorine }, Features), Throws.ArgumentException.With.Message.Contains("Z=9"));
        Assert.That(() => new Molecule(new[] { 6 }, new double[4]), Throws.ArgumentException.With.Message.Contains("positions"));
        Assert.That(() => SamplingPlan.Efficient(new[] { 3, 0 }, 10), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("impossible size"));
        Assert.That(() => SamplingPlan.DatasetPadding(new[] { 30 }, 10, 29), Throws.InstanceOf<ArgumentOutOfRangeException>());
        var noScale = new EquivariantDiffusion(new ZeroDenoiser(Features.Count),
            new ScaledPriorSchedule(PolynomialSchedule.Edm, new FuncPriorScaler(n => n > 29 ? throw new ArgumentOutOfRangeException(nameof(n), n, $"N = {n} is outside the prior table") : 1.0)),
            new DiffusionOptions { Features = Features });
        Assert.That(() => new DiffusionSampler(noScale).Sample(SamplingPlan.Efficient(new[] { 35 }, 1), 1), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("35"));
        Assert.That(() => new EquivariantDiffusion(new ZeroDenoiser(7), PolynomialSchedule.Edm, new DiffusionOptions { Features = Features }),
            Throws.ArgumentException.With.Message.Contains("feature channels"));
    }
}
