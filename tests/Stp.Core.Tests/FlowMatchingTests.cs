using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Objectives;
using Stp.Sampling;
using Stp.Testing;
using static Stp.Core.Tests.EngineSetup;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

/// <summary>
/// Flow matching with StP, proved without a network, in the toy world of the diffusion engine proofs (Gaussian molecules
/// growing like gamma_N): integrating the analytic optimal velocity reproduces the data variance with and without StP;
/// Euler's result equals its own scalar recursion; StP's flow is the "-N" flow on data / gamma_N multiplied back (the
/// flow analogue of Proposition 3.2); the objective is EDM-normalised squared velocity error; samplers refuse the
/// wrong kind of model; flow models save and load.
/// </summary>
public class FlowMatchingTests
{
    private static (DiffusionModel Model, AnalyticVelocityDenoiser Denoiser) BuildFlow(PriorKind prior)
    {
        var (v, g) = Space(prior);
        var den = new AnalyticVelocityDenoiser(Features.Count, v, g, FeatureVar);
        var model = DiffusionModel.Create(den, prior, prior == PriorKind.Unit ? null : new FuncPriorScaler(Gamma), Features, objective: FlowMatchingObjective.Instance);
        return (model, den);
    }

    /// <summary>Variance ratio (output / data) of K Euler or Heun steps of the scalar ODE dz/dt = c(t) z, from the definition.</summary>
    private static double IntegratorVarianceRatio(IReadOnlyList<int> grid, int T, double v, double g, bool heun)
    {
        double coef = 1;
        for (int k = 0; k + 1 < grid.Count; k++)
        {
            double t = (double)grid[k] / T, s = (double)grid[k + 1] / T, dt = s - t;
            double c1 = AnalyticVelocityDenoiser.Coefficient(t, v, g);
            double step = 1 + dt * c1;
            if (heun) step = 1 + dt / 2 * (c1 + AnalyticVelocityDenoiser.Coefficient(s, v, g) * (1 + dt * c1));
            coef *= step;
        }
        return coef * coef * g * g / v;
    }

    [TestCase(PriorKind.ScaledPrior)]
    [TestCase(PriorKind.Unit)]
    [TestCase(PriorKind.NormalizedCoordinates)]
    public void HeunWithTheOptimalVelocityReproducesTheDataVariance(PriorKind prior)
    {
        var (model, den) = BuildFlow(prior);
        var hVar = new FeatureVarianceObserver();
        var sampler = new DiffusionSampler(model, SamplerOptions.Heun(50));
        var plan = SamplingPlan.Efficient(Sizes, 120);
        var mols = sampler.Sample(plan, seed: 5, observer: hVar);
        Assert.That(den.Calls, Is.EqualTo(2 * 50 * plan.Batches.Count), "two calls per Heun step, no final step");
        Assert.That(sampler.NetworkCallsPerBatch * plan.Batches.Count, Is.EqualTo(den.Calls));
        var (v, g) = Space(prior);
        var grid = TimestepGrid.Uniform(1000, 50);
        foreach (var n in new[] { 4, 25 })
            Assert.That(IntegratorVarianceRatio(grid, 1000, v(n), g(n), heun: true), Is.EqualTo(1).Within(1e-3), "50 Heun steps integrate this ODE almost exactly");
        AssertVariance(mols, _ => 1.0, $"flow Heun-50 {prior}");
        TestContext.Out.WriteLine($"feature variance {hVar.Variance:F4} expected {FeatureVar}");
        Assert.That(hVar.Variance, Is.EqualTo(FeatureVar).Within(0.05 * FeatureVar));
    }

    [TestCase(PriorKind.ScaledPrior, 10, 1.0)]
    [TestCase(PriorKind.Unit, 10, 1.0)]
    [TestCase(PriorKind.ScaledPrior, 10, 2.0)]
    [TestCase(PriorKind.ScaledPrior, 200, 1.0)]
    public void EulerGivesItsScalarRecursionsVariance(PriorKind prior, int steps, double rho)
    {
        var (model, den) = BuildFlow(prior);
        var plan = SamplingPlan.Efficient(Sizes, 120);
        var sampler = new DiffusionSampler(model, SamplerOptions.Euler(steps) with { Spacing = new TimestepSpacing(rho) });
        var mols = sampler.Sample(plan, seed: 5);
        Assert.That(den.Calls, Is.EqualTo(steps * plan.Batches.Count));
        var (v, g) = Space(prior);
        var grid = TimestepGrid.Create(new TimestepSpacing(rho), 1000, steps);
        Assert.That(sampler.Grid, Is.EqualTo(grid));
        double Ratio(int n) => IntegratorVarianceRatio(grid, 1000, v(n), g(n), heun: false);
        TestContext.Out.WriteLine($"Euler {steps}: predicted variance ratio N=4 {Ratio(4):F4}, N=25 {Ratio(25):F4}");
        if (steps == 10) Assert.That(Ratio(25), Is.Not.EqualTo(1).Within(0.02), "10 Euler steps are visibly inexact, so the check has power");
        AssertVariance(mols, Ratio, $"flow Euler-{steps} {prior}");
        if (prior == PriorKind.ScaledPrior)
            Assert.That(Ratio(4), Is.EqualTo(Ratio(25)).Within(1e-12), "under StP every size follows the same flow");
    }

    [Test]
    public void StpFlowIsTheNormalisedDataFlowScaledBack()
    {
        // Forward: for the same x and base noise, z_t under StP is gamma_N times z_t of the "-N" model (data / gamma_N,
        // unit noise), at every t: (1 - t) x + t gamma e = gamma ((1 - t) x / gamma + t e).
        var (stp, _) = BuildFlow(PriorKind.ScaledPrior);
        var (norm, _) = BuildFlow(PriorKind.NormalizedCoordinates);
        var mols = Enumerable.Range(0, 6).Select(i => RandomMolecule(3 + 4 * i, i)).ToList();
        using var batch = MoleculeBatch.Create(mols, Features);
        var sizes = batch.Sizes;
        var g = tensor(mols.Select(m => (float)Gamma(m.AtomCount)).ToArray(), new long[] { 6, 1, 1 });
        var slots = Enumerable.Range(0, 6).Select(i => (long)i).ToArray();
        var es = stp.CreateNoise(9).Draw(NoisePurpose.ForwardProcess, sizes, batch.PaddedSize, Features.Count, slots, 2, CPU);
        var en = norm.CreateNoise(9).Draw(NoisePurpose.ForwardProcess, sizes, batch.PaddedSize, Features.Count, slots, 2, CPU);
        var cs = stp.Codec.Encode(batch);
        var cn = norm.Codec.Encode(batch);
        foreach (var t in new[] { 0.0, 0.001, 0.3, 0.5, 0.97, 1.0 })
        {
            var times = Enumerable.Repeat(t, 6).ToArray();
            var zs = FlowMatchingObjective.Interpolate(cs, es, times);
            var zn = FlowMatchingObjective.Interpolate(cn, en, times);
            Assert.That((zs.X - g * zn.X).abs().max().item<float>(), Is.LessThan(1e-5), $"t = {t}");
            Assert.That((zs.H - zn.H).abs().max().item<float>(), Is.EqualTo(0f));
        }
        // Reverse: with their optimal velocities the two models integrate to the same molecules (Euler and Heun).
        var plan = Sizes.Take(40).ToArray();
        foreach (var options in new[] { SamplerOptions.Euler(25), SamplerOptions.Heun(25) })
        {
            var a = new DiffusionSampler(stp, options).Sample(SamplingPlan.Efficient(plan, 40), 21);
            var b = new DiffusionSampler(norm, options).Sample(SamplingPlan.Efficient(plan, 40), 21);
            double maxDiff = a.Zip(b, (p, q) => p.Positions.Zip(q.Positions, (u, w) => Math.Abs(u - w)).Max()).Max();
            TestContext.Out.WriteLine($"{options.ReverseStep.Name}: max |x_StP - x_-N| over 40 molecules: {maxDiff:E2}");
            Assert.That(maxDiff, Is.LessThan(1e-4));
            Assert.That(a.Select(m => m.AtomicNumbers), Is.EqualTo(b.Select(m => m.AtomicNumbers)));
        }
    }

    private sealed class ZeroDenoiser(int features) : IDenoiser
    {
        public TorchSharp.torch.nn.Module Module { get; } = TorchSharp.torch.nn.Sequential();
        public int FeatureCount => features;
        public int ContextCount => 0;
        public DenoiserOutput Predict(DenoiserInput input) => new(zeros_like(input.Positions), zeros_like(input.Features));
    }

    [Test]
    public void TheLossIsTheNormalisedSquaredVelocityError()
    {
        // With a network that predicts zero, the loss of molecule i is sum((g e - x)^2 + (e_h - h)^2) / ((3 + F) N_pad) at
        // the same draws, with z_0 the codec's encoding; computed here element by element on the host.
        var model = DiffusionModel.Create(new ZeroDenoiser(Features.Count), PriorKind.ScaledPrior, new FuncPriorScaler(Gamma), Features, objective: FlowMatchingObjective.Instance);
        var mols = new[] { RandomMolecule(5, 1), RandomMolecule(11, 2), RandomMolecule(3, 3) };
        using var batch = MoleculeBatch.Create(mols, Features);
        var loss = model.TrainingLoss(batch, seed: 4, step: 7);
        var per = loss.PerMolecule.data<float>().ToArray();
        var clean = model.Codec.Encode(batch);
        var slots = new long[] { 0, 1, 2 };
        var eps = model.CreateNoise(4).Draw(NoisePurpose.ForwardProcess, batch.Sizes, batch.PaddedSize, Features.Count, slots, 7, CPU);
        float[] x = clean.X.data<float>().ToArray(), h = clean.H.data<float>().ToArray(), ex = eps.X.data<float>().ToArray(), eh = eps.H.data<float>().ToArray();
        int n = batch.PaddedSize, f = Features.Count;
        for (int i = 0; i < 3; i++)
        {
            double ss = 0;
            for (int a = 0; a < mols[i].AtomCount; a++)
            {
                for (int d = 0; d < 3; d++) { int k = (i * n + a) * 3 + d; ss += Math.Pow(ex[k] - x[k], 2); }
                for (int d = 0; d < f; d++) { int k = (i * n + a) * f + d; ss += Math.Pow(eh[k] - h[k], 2); }
            }
            Assert.That(per[i], Is.EqualTo(ss / ((3 + f) * n)).Within(1e-5 * ss), $"molecule {i}");
        }
        Assert.That(loss.Times.All(t => t is >= 0 and < 1) && loss.Times.Distinct().Count() == 3, "continuous t ~ U(0, 1) per molecule");
    }

    [Test]
    public void SamplersAndSchedulesMustMatchTheObjective()
    {
        var (flow, _) = BuildFlow(PriorKind.ScaledPrior);
        var (diffusion, _) = Build(PriorKind.ScaledPrior);
        Assert.That(() => new DiffusionSampler(flow, SamplerOptions.Ddim(50)), Throws.ArgumentException.With.Message.Contains("flow-matching model"));
        Assert.That(() => new DiffusionSampler(flow, SamplerOptions.Ancestral), Throws.ArgumentException);
        Assert.That(() => new DiffusionSampler(diffusion, SamplerOptions.Heun(10)), Throws.ArgumentException.With.Message.Contains("predicts noise"));
        Assert.That(new DiffusionSampler(flow).Options.ReverseStep, Is.SameAs(HeunStep.Instance), "a flow model's default sampler is Heun");
        Assert.That(new DiffusionSampler(flow).Grid, Has.Count.EqualTo(51));
        var den = new AnalyticVelocityDenoiser(Features.Count, _ => 1, _ => 1, 1);
        Assert.That(() => new DiffusionModel(den, PolynomialSchedule.Edm, new Stp.Codecs.EdmFeatureCodec(Features), FlowMatchingObjective.Instance), Throws.ArgumentException.With.Message.Contains("LinearInterpolantSchedule"));
        Assert.That(() => new DiffusionModel(den, LinearInterpolantSchedule.Default, new Stp.Codecs.EdmFeatureCodec(Features)), Throws.ArgumentException.With.Message.Contains("FlowMatchingObjective"));
        var s = new LinearInterpolantSchedule(100);
        Assert.That((s.Alpha(30), s.Sigma(30), s.Alpha(0), s.Sigma(100)), Is.EqualTo((0.7, 0.3, 1.0, 1.0)));
        Assert.That(s.Gamma(50), Is.EqualTo(0).Within(1e-15));
    }
}
