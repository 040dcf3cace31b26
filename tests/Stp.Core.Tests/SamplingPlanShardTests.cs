using NUnit.Framework;
using Stp.Diffusion;
using Stp.Sampling;
using static Stp.Core.Tests.EngineSetup;

namespace Stp.Core.Tests;

/// <summary>Shards of a sampling plan partition its batches, and sampling them gives the whole run's molecules bit for bit.</summary>
public class SamplingPlanShardTests
{
    [Test]
    public void ShardsPartitionTheRunAndSampleItsMoleculesExactly()
    {
        var sizes = Sizes.Take(53).ToArray();
        var plan = SamplingPlan.Efficient(sizes, 6);
        var shards = Enumerable.Range(0, 3).Select(k => plan.Shard(k, 3)).ToList();
        Assert.That(shards.SelectMany(s => s.MoleculeIds).Order(), Is.EqualTo(Enumerable.Range(0, 53)));
        Assert.That(shards.Sum(s => s.Batches.Count), Is.EqualTo(plan.Batches.Count));
        Assert.That(shards[1].ShardOf, Is.EqualTo((1, 3)));
        var (model, _) = Build(PriorKind.ScaledPrior);
        var sampler = new DiffusionSampler(model, SamplerOptions.Ddim(10));
        var whole = sampler.Sample(plan, seed: 8);
        var parts = shards.SelectMany(s => sampler.Sample(s, seed: 8)).OrderBy(m => int.Parse(m.Id!)).ToList();
        Assert.That(parts, Has.Count.EqualTo(53));
        for (int i = 0; i < 53; i++)
        {
            Assert.That(parts[i].Id, Is.EqualTo(whole[i].Id));
            Assert.That(parts[i].Positions, Is.EqualTo(whole[i].Positions), "bit for bit");
            Assert.That(parts[i].AtomicNumbers, Is.EqualTo(whole[i].AtomicNumbers));
        }
        Assert.That(() => plan.Shard(3, 3), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => plan.Shard(0, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => shards[0].Shard(0, 2), Throws.InvalidOperationException);
    }
}
