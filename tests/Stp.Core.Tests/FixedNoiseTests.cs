using NUnit.Framework;
using Stp.Diffusion;
using Stp.Sampling;

namespace Stp.Core.Tests;

/// <summary>SamplerOptions.FixedNoise (EDM's fix_noise, the conditional sweep): every molecule gets molecule 0's noise.</summary>
public class FixedNoiseTests
{
    [Test]
    public void EveryMoleculeGetsTheNoiseOfMoleculeZero()
    {
        var (model, _) = EngineSetup.Build(PriorKind.ScaledPrior);
        using (model)
        {
            var sizes = new[] { 9, 9, 9 };
            var fixedNoise = new DiffusionSampler(model, SamplerOptions.Ddim(5) with { FixedNoise = true }).Sample(SamplingPlan.Efficient(sizes, 2), seed: 3);
            var own = new DiffusionSampler(model, SamplerOptions.Ddim(5)).Sample(SamplingPlan.Efficient(sizes, 2), seed: 3);
            Assert.That(fixedNoise[1].Positions, Is.EqualTo(fixedNoise[0].Positions).Within(1e-5), "same noise, same context: the same molecule, across batches too");
            Assert.That(fixedNoise[2].Positions, Is.EqualTo(fixedNoise[0].Positions).Within(1e-5));
            Assert.That(fixedNoise[0].Positions, Is.EqualTo(own[0].Positions).Within(1e-5), "molecule 0 keeps its own noise");
            Assert.That(own[1].Positions, Is.Not.EqualTo(own[0].Positions));
            var e = Assert.Throws<ArgumentException>(() => new DiffusionSampler(model, SamplerOptions.Ancestral with { FixedNoise = true }).Sample(SamplingPlan.Efficient(new[] { 4, 9 }, 2), seed: 1));
            Assert.That(e!.Message, Does.Contain("one size").And.Contain("4, 9"));
        }
    }
}
