using BenchmarkDotNet.Attributes;
using Stp.Sampling;

namespace Stp.Benchmarks;

/// <summary>
/// RADM-StP sampling cost per molecule (released autoencoder, DiT-S), efficient plan (sorted sizes, each batch padded
/// to its own maximum) against EDM's dataset-maximum padding (QM9 29, GEOM 181), the same batch size in both plans
/// (QM9 100, GEOM 20). The DiT works on padded tensors (attention is O(N_pad^2) per molecule, the MLPs O(N_pad)), so
/// here padding costs real work, unlike the EGNN's real-pair message passing. Each invocation samples the plan with a
/// 2-step schedule (3 DiT calls per batch, then the decoder once); <see cref="DitStepBenchmarks"/> times the DiT calls
/// of one reverse step alone, which is what 1000-step sampling repeats.
/// </summary>
[Config(typeof(Config))]
public class DitSamplingBenchmarks : DeviceBenchmark
{
    private sealed class Config : ShortJobConfig
    {
        public Config() : base(2) { }
    }

    private DiffusionSampler _sampler = null!;
    private SamplingPlan _plan = null!;

    /// <summary>Dataset and plan.</summary>
    [Params("QM9 efficient", "QM9 padded", "GEOM efficient", "GEOM padded")]
    public string Case { get; set; } = "QM9 efficient";

    [GlobalSetup]
    public void Setup()
    {
        var dataset = Case.Split(' ')[0];
        var (sampler, sizes) = DitWorkloads.Sampler(dataset, "S", steps: 2, TorchDevice);
        _sampler = sampler;
        _plan = DitWorkloads.Plan(Case, sizes);
        Console.WriteLine($"// {Case}: {_plan.Sizes.Count} molecules, {_plan.Batches.Count} batches, {_plan.PaddedNodeSlots} padded node slots");
    }

    /// <summary>Samples the whole plan with the 2-step schedule.</summary>
    [Benchmark]
    public int SamplePlan() => _sampler.Sample(_plan, seed: 1).Count;
}
