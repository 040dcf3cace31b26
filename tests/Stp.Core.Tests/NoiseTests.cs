using NUnit.Framework;
using Stp.Codecs;
using Stp.Data;
using Stp.Diffusion;
using Stp.Prior;
using Stp.Randomness;
using Stp.Sampling;
using static Stp.Core.Tests.EngineSetup;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

/// <summary>The noise source: gamma_N reaches every draw it should, and only those; random namespaces are disjoint.</summary>
public class NoiseTests
{
    private static readonly int[] TwoSizes = Enumerable.Range(0, 400).Select(i => i % 2 == 0 ? 4 : 25).ToArray();
    private static readonly long[] Streams = Enumerable.Range(0, 400).Select(i => (long)i).ToArray();

    private static double VariancePerDof(Tensor x, int n) =>
        Enumerable.Range(0, 400).Where(i => TwoSizes[i] == n).Sum(i => (double)x[i].pow(2).sum().item<float>()) / (200 * 3.0 * (n - 1));

    [TestCase(NoisePurpose.Sampling)]
    [TestCase(NoisePurpose.ForwardProcess)]
    public void CoordinateNoiseIsScaledByGammaNAndFeatureNoiseIsNot(NoisePurpose purpose)
    {
        foreach (var (scaler, scale) in new[] { ((IPriorScaler)new FuncPriorScaler(Gamma), (Func<int, double>)Gamma), (UnitPriorScaler.Instance, _ => 1.0) })
        {
            using var scope = NewDisposeScope();
            var eps = new MoleculeNoise(scaler, 1).Draw(purpose, TwoSizes, 25, 3, Streams, 1000, CPU);
            foreach (var n in new[] { 4, 25 })
                Assert.That(VariancePerDof(eps.X, n), Is.EqualTo(scale(n) * scale(n)).Within(0.1 * scale(n) * scale(n)), $"N = {n}");
            Assert.That(eps.H.pow(2).sum().item<float>() / (200 * (4 + 25) * 3.0), Is.EqualTo(1.0).Within(0.05), "feature noise is never scaled");
            Assert.That(eps.X.sum(1).abs().max().item<float>(), Is.LessThan(1e-4), "zero centre of mass");
            Assert.That(eps.X[0, 4..].abs().max().item<float>(), Is.EqualTo(0f), "zero on padding");
        }
    }

    [Test]
    public void LatentNoiseKeepsTheUnitPrior()
    {
        using var scope = NewDisposeScope();
        var eps = new MoleculeNoise(new FuncPriorScaler(Gamma), 1).Draw(NoisePurpose.Latent, TwoSizes, 25, 1, Streams, 3, CPU);
        Assert.That(VariancePerDof(eps.X, 4), Is.EqualTo(1.0).Within(0.1), "the codec's own noise is never scaled (FACTS 7)");
    }

    [Test]
    public void TheFinalDrawIsScaledByGammaN()
    {
        // With a zero denoiser the final step returns x = CoM((z_0 - sigma_0 * 0) / alpha_0 + sigma_0 / alpha_0 * f): the
        // difference between the returned molecule and the observed mean prediction at t = 0 is the final draw f,
        // whose variance per degree of freedom must be gamma_N^2 under StP and 1 under the unit prior.
        foreach (var prior in new[] { PriorKind.ScaledPrior, PriorKind.Unit })
        {
            var model = DiffusionModel.Create(new ZeroDenoiser(Features.Count), prior, new FuncPriorScaler(Gamma), Features, new PolynomialSchedule(10));
            var observer = new FinalMeanObserver();
            var mols = new DiffusionSampler(model).Sample(SamplingPlan.Efficient(TwoSizes, 100), seed: 2, observer: observer);
            double a0 = model.Schedule.Alpha(0), s0 = model.Schedule.Sigma(0);
            foreach (var n in new[] { 4, 25 })
            {
                double ss = 0; long dof = 0;
                for (int i = 0; i < mols.Count; i++)
                {
                    if (TwoSizes[i] != n) continue;
                    var mean = observer.Means[i];
                    ss += mols[i].Positions.Select((p, k) => Math.Pow((p - mean[k]) / (s0 / a0), 2)).Sum();
                    dof += 3 * (n - 1);
                }
                double expected = prior == PriorKind.ScaledPrior ? Gamma(n) * Gamma(n) : 1.0;
                TestContext.Out.WriteLine($"{prior} N={n}: final-draw variance {ss / dof:F4}, expected {expected:F4}");
                Assert.That(ss / dof, Is.EqualTo(expected).Within(0.1 * expected), $"{prior}, N = {n}");
            }
        }
    }

    private sealed class FinalMeanObserver : ISamplingObserver
    {
        public Dictionary<int, float[]> Means { get; } = new();
        public bool Observes(int step) => step == 0;
        public void OnStep(SamplingStep step)
        {
            var x = step.PredictedPositions.cpu().data<float>().ToArray();
            var counts = step.AtomCounts.cpu().data<long>().ToArray();
            int n = (int)step.PredictedPositions.shape[1];
            for (int b = 0; b < counts.Length; b++) Means[step.MoleculeIds[b]] = x.AsSpan(b * n * 3, (int)counts[b] * 3).ToArray();
        }
    }

    [Test]
    public void RandomNamespacesAreDisjoint()
    {
        // The first release drew p(N) sizes with the key of molecule 20,819's noise; now every use has its own domain.
        double size = CounterRandom.Uniform(RandomDomain.Sizes, 7, 0, 0, 0);
        var values = Enum.GetValues<RandomDomain>().Select(d => CounterRandom.Uniform(d, 7, 0, 0, 0)).ToArray();
        Assert.That(values.Distinct().Count(), Is.EqualTo(values.Length));
        var span = new float[6];
        CounterRandom.FillNormal(span, RandomDomain.Sampling, 7, 20_819, 0);
        var other = new float[6];
        CounterRandom.FillNormal(other, RandomDomain.ForwardProcess, 7, 20_819, 0);
        Assert.That(other, Is.Not.EqualTo(span));
        Assert.That(size, Is.Not.EqualTo(CounterRandom.Uniform(RandomDomain.Sampling, 7, 0x5153, 0, 0)));
        // Same counters, same values (resumable, batch-invariant).
        Assert.That(CounterRandom.Uniform(RandomDomain.Sizes, 7, 0, 0, 0), Is.EqualTo(size));
    }

    [Test]
    public void SizeDrawsFollowTheHistogram()
    {
        var p = new SizeDistribution(new Dictionary<int, long> { [3] = 1, [10] = 3 });
        var draws = p.Sample(20_000, seed: 4);
        double frac = draws.Count(n => n == 10) / 20_000.0;
        Assert.That(frac, Is.EqualTo(0.75).Within(4 * Math.Sqrt(0.75 * 0.25 / 20_000)));
        Assert.That(p.Sample(50, seed: 4), Is.EqualTo(draws.Take(50)));
    }
}
