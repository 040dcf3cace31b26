using NUnit.Framework;
using Stp.Data;
using Stp.Sampling;
using Stp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.GeoLdm.Tests;

/// <summary>No tensor outlives a call: the live tensor count is flat over repeated training steps and sampling runs.</summary>
public class LifetimeTests
{
    [Test]
    public void TrainingAndSamplingLeaveNoLiveTensors()
    {
        using var model = TinyGeoLdm.Model(2);
        // Molecules of one size, so that every batch has the same graph signature (the graph caches do not grow).
        var train = Enumerable.Range(0, 16).Select(i => TinyGeoLdm.Molecule(6, i)).ToList();
        using var trainer = new DiffusionTrainer(model, train, new TrainerOptions { BatchSize = 8, Seed = 3 });
        var sampler = new DiffusionSampler(model, new SamplerOptions { Steps = 3 });
        var plan = SamplingPlan.Efficient(new[] { 4, 7, 9 }, 2);
        void Round()
        {
            trainer.TrainStep();
            sampler.Sample(plan, seed: 1);
            using var scope = NewDisposeScope();
            using var batch = MoleculeBatch.Create(TinyGeoLdm.Molecules(3, 5), AtomFeatures.Qm9);
            var codec = (GeoLdmCodec)model.Codec;
            codec.DecodeFeatures(codec.Encode(batch), batch.NodeMask, batch.Sizes);
        }
        Round();
        Round();
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++) Round();
        Assert.That(DisposeScopeManager.Statistics.ThreadTotalLiveCount, Is.EqualTo(live));
    }
}
