using BenchmarkDotNet.Attributes;
using Stp.Sampling;

namespace Stp.Benchmarks;

/// <summary>
/// Sampling cost per molecule with the released models: the efficient plan (sorted sizes, batches of at most 100 and
/// SamplingPlan.DefaultMaxEdgesPerBatch real edges, padded to their own maximum; "uncapped": batches of 100; "cap 500
/// atoms": at most 500 atoms and no edge cap, the case that once failed with libtorch's "toFloat" error) against EDM's plan (unsorted batches padded to the dataset maximum: QM9 29 in batches of 100,
/// GEOM 181 in batches of 10, as the reference was measured). Each invocation samples the plan with a 2-step schedule
/// (3 network calls per batch: 2 reverse steps + the final step); the per-molecule time of a 1000-step run is
/// extrapolated in benchmarks/README.md as (time / 3) x 1000 / molecules.
/// </summary>
[Config(typeof(Config))]
public class SamplingPlanBenchmarks : DeviceBenchmark
{
    private sealed class Config : ShortJobConfig
    {
        public Config() : base(2) { }
    }

    private DiffusionSampler _sampler = null!;
    private SamplingPlan _plan = null!;

    /// <summary>Dataset and plan.</summary>
    [Params("QM9 efficient", "QM9 padded", "GEOM efficient", "GEOM efficient uncapped", "GEOM efficient cap 500 atoms", "GEOM padded")]
    public string Case { get; set; } = "QM9 efficient";

    /// <summary>Molecules per plan.</summary>
    public int Molecules => Case.StartsWith("QM9") ? 300 : 100;

    [GlobalSetup]
    public void Setup()
    {
        var dataset = Case.Split(' ')[0];
        var (sampler, sizes) = DiffusionWorkloads.Sampler(dataset, steps: 2, TorchDevice);
        _sampler = sampler;
        var drawn = sizes.Sample(Molecules, seed: 5);
        _plan = Case.EndsWith("uncapped") ? SamplingPlan.Efficient(drawn, 100, maxEdgesPerBatch: null)
            : Case.EndsWith("500 atoms") ? SamplingPlan.Efficient(drawn, 100, maxAtomsPerBatch: 500, maxEdgesPerBatch: null)
            : Case.EndsWith("efficient") ? SamplingPlan.Efficient(drawn, 100)
            : SamplingPlan.DatasetPadding(drawn, dataset == "QM9" ? 100 : 10, sizes.MaxAtoms);
        Console.WriteLine($"// {Case}: {Molecules} molecules, {_plan.Batches.Count} batches, {_plan.PaddedNodeSlots} padded node slots");
    }

    /// <summary>Samples the whole plan with the 2-step schedule.</summary>
    [Benchmark]
    public int SamplePlan() => _sampler.Sample(_plan, seed: 1).Count;
}
