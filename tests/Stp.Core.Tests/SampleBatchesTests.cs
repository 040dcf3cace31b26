using NUnit.Framework;
using Stp.Diffusion;
using Stp.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

/// <summary><see cref="DiffusionSampler.SampleBatches"/>: finished batches reach the caller one by one, so a failure in batch k keeps batches 0..k-1.</summary>
public class SampleBatchesTests
{
    /// <summary>Predicts zero noise, and throws in the first call of batch <see cref="FailInBatch"/> (each batch makes Steps + 1 calls).</summary>
    private sealed class FailingDenoiser(int features, int callsPerBatch) : IDenoiser
    {
        private int _calls, _failInBatch = -1;

        /// <summary>The batch to fail in, counted from now on (-1: never).</summary>
        public int FailInBatch { get => _failInBatch; set { _failInBatch = value; _calls = 0; } }
        public nn.Module Module { get; } = nn.Sequential(nn.Linear(1, 1));
        public int FeatureCount => features;
        public int ContextCount => 0;
        public DenoiserOutput Predict(DenoiserInput input)
        {
            if (_calls++ == FailInBatch * callsPerBatch) throw new InvalidOperationException($"injected failure in batch {FailInBatch}");
            return new(zeros_like(input.Positions), zeros_like(input.Features));
        }
    }

    private static readonly int[] Sizes = { 5, 3, 7, 4, 6, 3, 8, 5, 4, 6 };

    [Test]
    public void FinishedBatchesArriveInOrderAndAFailureKeepsTheEarlierOnes()
    {
        const int steps = 2;
        var den = new FailingDenoiser(EngineSetup.Features.Count, steps + 1);
        using var model = DiffusionModel.Create(den, PriorKind.Unit, null, EngineSetup.Features, new PolynomialSchedule(100));
        var sampler = new DiffusionSampler(model, new SamplerOptions { Steps = steps });
        var plan = SamplingPlan.Efficient(Sizes, 3);
        var all = sampler.Sample(plan, seed: 5);

        den.FailInBatch = 2;
        var seen = new List<SampledBatch>();
        var run = sampler.SampleBatches(plan, seed: 5);
        Assert.That(() => { foreach (var b in run) seen.Add(b); }, Throws.InvalidOperationException.With.Message.Contains("batch 2"));
        Assert.That(seen.Select(b => b.Index), Is.EqualTo(new[] { 0, 1 }), "the batches before the failing one were handed over");
        Assert.That(seen.Select(b => b.MoleculesDone), Is.EqualTo(new[] { 3, 6 }));
        Assert.That(seen.All(b => b.BatchCount == 4 && b.MoleculesTotal == Sizes.Length));
        foreach (var b in seen)
            for (int i = 0; i < b.Molecules.Count; i++)
                Assert.That(b.Molecules[i].Positions, Is.EqualTo(all[b.Batch.MoleculeIds[i]].Positions), "the same molecules as Sample");
    }

    [Test]
    public void BatchesRunLazilyThePlanIsCheckedAtOnceAndTheCallerKeepsItsModes()
    {
        var den = new FailingDenoiser(EngineSetup.Features.Count, 3) { FailInBatch = 0 };
        using var model = DiffusionModel.Create(den, PriorKind.Unit, null, EngineSetup.Features, new PolynomialSchedule(100));
        var sampler = new DiffusionSampler(model, new SamplerOptions { Steps = 2 });
        var run = sampler.SampleBatches(SamplingPlan.Efficient(Sizes, 4), seed: 1);
        Assert.That(() => sampler.SampleBatches(SamplingPlan.Efficient(Sizes, 4, contexts: Sizes.Select(_ => new[] { 0f }).ToArray()), seed: 1),
            Throws.ArgumentException.With.Message.Contains("unconditional"), "checked before any batch runs");
        Assert.That(() => run.First(), Throws.InvalidOperationException, "nothing ran before the first batch was asked for");

        den.FailInBatch = -1;
        den.Module.train();
        foreach (var _ in sampler.SampleBatches(SamplingPlan.Efficient(Sizes, 4), seed: 1))
        {
            Assert.That(den.Module.training, Is.True, "between batches the parts are back in their own mode");
            Assert.That(is_grad_enabled(), Is.True, "and gradients are not switched off for the caller");
        }
    }
}
