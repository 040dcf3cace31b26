using NUnit.Framework;
using Stp.Data.Npy;
using Stp.Chemistry;
using Stp.Codecs;
using Stp.Data;
using Stp.Diffusion;
using Stp.Sampling;
using Stp.Testing;

namespace Stp.Core.Tests;

public class ScheduleTests
{
    private static Dictionary<string, NpyArray> Fixture() => NpzFile.Read(SharedData.Fixture("schedules.npz"));

    [TestCase("polynomial_2")]
    [TestCase("cosine")]
    public void MatchesEdmFixtureTo1e6(string name)
    {
        var f = Fixture();
        INoiseSchedule s = name == "cosine" ? new CosineSchedule() : PolynomialSchedule.Edm;
        double maxGamma = 0, maxAlpha = 0, maxSigma = 0, maxGamma32 = 0;
        var g64 = f[$"{name}_gamma_f64"].ToDouble(); var a64 = f[$"{name}_alpha_f64"].ToDouble(); var s64 = f[$"{name}_sigma_f64"].ToDouble();
        var g32 = f[$"{name}_gamma"].ToDouble();
        for (int t = 0; t <= 1000; t++)
        {
            maxGamma = Math.Max(maxGamma, Math.Abs(s.Gamma(t) - g64[t]));
            maxAlpha = Math.Max(maxAlpha, Math.Abs(s.Alpha(t) - a64[t]));
            maxSigma = Math.Max(maxSigma, Math.Abs(s.Sigma(t) - s64[t]));
            maxGamma32 = Math.Max(maxGamma32, Math.Abs((float)s.Gamma(t) - g32[t]));
        }
        TestContext.Out.WriteLine($"{name}: max |gamma - ref| = {maxGamma:E2}, alpha {maxAlpha:E2}, sigma {maxSigma:E2}, float32 gamma table {maxGamma32:E2}");
        Assert.That(maxGamma, Is.LessThan(1e-6));
        Assert.That(maxAlpha, Is.LessThan(1e-6));
        Assert.That(maxSigma, Is.LessThan(1e-6));
        Assert.That(maxGamma32, Is.LessThan(1e-6 * 20), "float32 table (relative to |gamma| up to 20)");
    }

    [Test]
    public void PolynomialAlphas2MatchesFixtureBeforeCast()
    {
        var a2 = Fixture()["polynomial_2_alphas2_f64"].ToDouble();
        var mine = PolynomialSchedule.Alphas2(1000, 2, 1e-5);
        Assert.That(mine.Zip(a2, (x, y) => Math.Abs(x - y)).Max(), Is.LessThan(1e-12));
    }

    [Test]
    public void PolynomialCheckValuesFromFacts()
    {
        INoiseSchedule s = PolynomialSchedule.Edm;
        Assert.That(s.Gamma(0), Is.EqualTo(-11.512916).Within(1e-6));
        Assert.That(s.Gamma(500), Is.EqualTo(-0.251309).Within(1e-6));
        Assert.That(s.Gamma(1000), Is.EqualTo(11.512516).Within(1e-6));
        Assert.That(s.Sigma(0), Is.EqualTo(0.00316228).Within(1e-8));
        // Only the last step is clipped: raw alpha2_T would be 0.
        Assert.That(PolynomialSchedule.Alphas2(1000, 2, 1e-5)[1000], Is.EqualTo(1.0004e-5).Within(1e-8));
    }

    [Test]
    public void TransitionIsConsistentWithAlphas()
    {
        INoiseSchedule s = PolynomialSchedule.Edm;
        foreach (var t in new[] { 1, 10, 500, 999, 1000 })
        {
            var (sig2, alpha) = NoiseScheduleMath.Transition(s.Gamma(t - 1), s.Gamma(t));
            double a2t = s.Alpha(t) * s.Alpha(t), a2s = s.Alpha(t - 1) * s.Alpha(t - 1);
            Assert.That(alpha, Is.EqualTo(s.Alpha(t) / s.Alpha(t - 1)).Within(1e-12));
            Assert.That(sig2, Is.EqualTo(1 - a2t / a2s).Within(1e-10));
        }
    }

    [Test]
    public void StpDecoratorKeepsTheScheduleAndTheModelTakesItsScale()
    {
        var inner = new CosineSchedule(200);
        var stp = new ScaledPriorSchedule(inner, new FuncPriorScaler(n => n / 10.0));
        INoiseSchedule i = inner, d = stp;
        for (int t = 0; t <= 200; t += 17) Assert.That(d.Gamma(t), Is.EqualTo(i.Gamma(t)));
        var features = new AtomFeatures(new AtomVocabulary("toy", new[] { 1, 6 }), false);
        var model = new DiffusionModel(new ZeroDenoiser(2), stp, new EdmFeatureCodec(features, categoricalNorm: 1));
        Assert.That(model.PriorScale.PriorScale(7), Is.EqualTo(0.7).Within(1e-15));
        Assert.That(model.Prior, Is.EqualTo(PriorKind.ScaledPrior));
        Assert.That(model.BaseSchedule, Is.SameAs(inner));
        var bad = new DiffusionModel(new ZeroDenoiser(2), new ScaledPriorSchedule(inner, new FuncPriorScaler(n => 0.0)), new EdmFeatureCodec(features, categoricalNorm: 1));
        Assert.That(() => bad.ValidateSizes(new[] { 3 }), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("N = 3"));
    }

    [Test]
    public void SubsampledGridsVisitTheTrainedSteps()
    {
        Assert.That(TimestepGrid.Uniform(1000, 1000), Is.EqualTo(Enumerable.Range(0, 1001).Reverse()));
        Assert.That(TimestepGrid.Uniform(1000, 4), Is.EqualTo(new[] { 1000, 750, 500, 250, 0 }));
        var g = TimestepGrid.Uniform(1000, 3);
        Assert.That(g, Is.EqualTo(new[] { 1000, 667, 333, 0 }), "round(k T / K)");
        var fifty = TimestepGrid.Uniform(1000, 50);
        Assert.That(fifty, Has.Length.EqualTo(51));
        Assert.That(fifty.Zip(fifty.Skip(1), (a, b) => a - b), Is.All.EqualTo(20));
        Assert.That(() => TimestepGrid.Uniform(100, 101), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("1..100"));
        Assert.That(() => TimestepGrid.Uniform(100, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());

        // Quadratic spacing: t_k = round(T (k/K)^2), at least one trained step apart.
        Assert.That(TimestepGrid.Quadratic(1000, 4), Is.EqualTo(new[] { 1000, 563, 250, 63, 0 }), "1000 (k/4)^2 = 1000, 562.5, 250, 62.5, 0");
        Assert.That(TimestepGrid.Quadratic(1000, 1000), Is.EqualTo(Enumerable.Range(0, 1001).Reverse()), "K = T visits every step");
        var q = TimestepGrid.Quadratic(1000, 50);
        Assert.That(q, Has.Length.EqualTo(51));
        Assert.That(q.Take(3), Is.EqualTo(new[] { 1000, 960, 922 }), "1000 (49/50)^2 = 960.4, 1000 (48/50)^2 = 921.6");
        Assert.That(q.TakeLast(6), Is.EqualTo(new[] { 10, 6, 4, 2, 1, 0 }), "1000 (5/50)^2 = 10, (4/50)^2 = 6.4, (3/50)^2 = 3.6 -> 4, then 1.6 -> 2, 0.4 -> one step above 0");
        Assert.That(q.Zip(q.Skip(1), (a, b) => a - b), Is.All.GreaterThanOrEqualTo(1));
        Assert.That(TimestepGrid.Create(TimestepSpacing.Uniform, 1000, 7), Is.EqualTo(TimestepGrid.Uniform(1000, 7)));
        Assert.That(TimestepGrid.Create(TimestepSpacing.Quadratic, 1000, 7), Is.EqualTo(TimestepGrid.Quadratic(1000, 7)));
        Assert.That(TimestepGrid.Create(new TimestepSpacing(1.5), 1000, 4), Is.EqualTo(new[] { 1000, 650, 354, 125, 0 }), "1000 (k/4)^1.5 = 649.5, 353.6, 125");
        Assert.That(TimestepGrid.Create(new TimestepSpacing(10), 1000, 999), Has.Length.EqualTo(1000).And.Ordered.Descending);
        Assert.That(() => new TimestepSpacing(0.5), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("[1, 10]"));
    }
}
