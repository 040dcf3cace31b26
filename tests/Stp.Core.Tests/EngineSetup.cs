using static TorchSharp.torch;
using Stp.Sampling;
using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;

namespace Stp.Core.Tests;

/// <summary>The toy world of the engine proofs: Gaussian molecules whose size grows like gamma_N, and their optimal denoiser.</summary>
internal static class EngineSetup
{
    public static readonly AtomFeatures Features = new(new AtomVocabulary("toy", new[] { 1, 6, 7 }), false);
    public static double Gamma(int n) => Math.Cbrt(n / 20.0);     // a size-dependent prior scale
    public static double DataStd(int n) => 1.3 * Gamma(n);        // molecules grow like gamma_N
    public const double FeatureVar = 0.3;

    public static readonly int[] Sizes = new SizeDistribution(new Dictionary<int, long> { [4] = 1, [9] = 1, [16] = 1, [25] = 1 }).Sample(480, 11);

    /// <summary>Data variance per degree of freedom in the model's diffusion space, and the coordinate-noise scale it uses.</summary>
    public static (Func<int, double> Variance, Func<int, double> NoiseScale) Space(PriorKind prior) => prior switch
    {
        PriorKind.NormalizedCoordinates => (n => Math.Pow(DataStd(n) / Gamma(n), 2), _ => 1.0),
        PriorKind.ScaledPrior => (n => Math.Pow(DataStd(n), 2), Gamma),
        _ => (n => Math.Pow(DataStd(n), 2), _ => 1.0),
    };

    public static (DiffusionModel Model, AnalyticDenoiser Denoiser) Build(PriorKind prior, INoiseSchedule? inner = null)
    {
        inner ??= PolynomialSchedule.Edm;
        var (v, g) = Space(prior);
        var den = new AnalyticDenoiser(inner, Features.Count, v, g, FeatureVar);
        return (DiffusionModel.Create(den, prior, prior == PriorKind.Unit ? null : new FuncPriorScaler(Gamma), Features, inner), den);
    }

    public static Molecule RandomMolecule(int n, int seed)
    {
        var r = new Random(seed);
        var z = Enumerable.Range(0, n).Select(_ => new[] { 1, 6, 7 }[r.Next(3)]).ToArray();
        var p = Enumerable.Range(0, 3 * n).Select(_ => r.NextDouble() * 4 - 2).ToArray();
        return new Molecule(z, p);
    }

    /// <summary>
    /// The variance ratio (output / data) of deterministic DDIM with the optimal denoiser for Gaussian data of variance
    /// <paramref name="v"/> per dimension and prior variance <paramref name="g"/>^2: every step is the scalar map
    /// z_s = (alpha_s c + sigma_s e) z_t with e = sigma_t g^2 / (alpha_t^2 v + sigma_t^2 g^2), c = (1 - sigma_t e) / alpha_t,
    /// and the final step multiplies by c at t = 0. Computed here from the definition, not by the sampler.
    /// </summary>
    public static double DdimVarianceRatio(INoiseSchedule s, IReadOnlyList<int> grid, double v, double g)
    {
        double coef = 1;
        for (int k = 0; k + 1 < grid.Count; k++)
        {
            int t = grid[k], u = grid[k + 1];
            double e = s.Sigma(t) * g * g / (s.Alpha(t) * s.Alpha(t) * v + s.Sigma(t) * s.Sigma(t) * g * g);
            coef *= s.Alpha(u) * (1 - s.Sigma(t) * e) / s.Alpha(t) + s.Sigma(u) * e;
        }
        double e0 = s.Sigma(0) * g * g / (s.Alpha(0) * s.Alpha(0) * v + s.Sigma(0) * s.Sigma(0) * g * g);
        coef *= (1 - s.Sigma(0) * e0) / s.Alpha(0);
        return coef * coef * g * g / v;
    }

    public static Dictionary<int, (double Var, long Dof)> VariancePerSize(IReadOnlyList<Molecule> mols)
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

    public static void AssertVariance(IReadOnlyList<Stp.Chemistry.Molecule> mols, Func<int, double> ratio, string label)
    {
        foreach (var (n, (v, dof)) in VariancePerSize(mols).OrderBy(kv => kv.Key))
        {
            double expected = Math.Pow(DataStd(n), 2) * ratio(n);
            double se = expected * Math.Sqrt(2.0 / dof);
            TestContext.Out.WriteLine($"{label} N={n}: var {v:F4} expected {expected:F4} (rel {(v / expected - 1) * 100:F2}%, 4 SE = {4 * se / expected * 100:F2}%)");
            Assert.That(v, Is.EqualTo(expected).Within(4 * se + 0.01 * expected), $"N = {n}");
        }
        long totalDof = mols.Sum(m => 3L * (m.AtomCount - 1));
        double pooled = mols.Sum(m => m.Centered().Positions.Sum(p => p * p) / (Math.Pow(DataStd(m.AtomCount), 2) * ratio(m.AtomCount))) / totalDof;
        TestContext.Out.WriteLine($"{label}: pooled variance ratio {pooled:F4} (3 SE = {3 * Math.Sqrt(2.0 / totalDof):F4})");
        Assert.That(pooled, Is.EqualTo(1.0).Within(3 * Math.Sqrt(2.0 / totalDof)));
    }

    /// <summary>Variance of the predicted (normalised) features at the final step t = 0.</summary>
    public sealed class FeatureVarianceObserver : ISamplingObserver
    {
        private double _ss; private long _count;
        public double Variance => _ss / _count;
        public bool Observes(int step) => step == 0;
        public void OnStep(SamplingStep step)
        {
            var h = step.PredictedLatent.H;
            _ss += (h * step.NodeMask).pow(2).sum().item<float>();
            _count += (long)step.NodeMask.sum().item<float>() * h.shape[2];
        }
    }
}
