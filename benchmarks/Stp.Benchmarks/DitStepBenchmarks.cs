using BenchmarkDotNet.Attributes;
using Stp.Backbones.Radm;
using Stp.Data;
using Stp.Diffusion;
using static TorchSharp.torch;

namespace Stp.Benchmarks;

/// <summary>
/// One reverse step of RADM sampling: one DiT-S call (no autograd) on every batch of a sampling plan, efficient
/// (sorted, each batch padded to its own maximum) or dataset-padded (QM9 29, GEOM 181), the plans of
/// <see cref="DitSamplingBenchmarks"/>. A 1000-step run repeats this 1000 times (the decoder runs once at the end), so
/// the ratio of the two plans here is the sampling speed-up of the efficient plan for the DiT.
/// </summary>
[Config(typeof(Config))]
public class DitStepBenchmarks : DeviceBenchmark
{
    private sealed class Config : ShortJobConfig
    {
        public Config() : base(5) { }
    }

    private DitDenoiser _dit = null!;
    private List<DenoiserInput> _batches = null!;

    /// <summary>Dataset and plan.</summary>
    [Params("QM9 efficient", "QM9 padded", "GEOM efficient", "GEOM padded")]
    public string Case { get; set; } = "QM9 efficient";

    [GlobalSetup]
    public void Setup()
    {
        var dataset = Case.Split(' ')[0];
        _dit = DitWorkloads.Denoiser("S", dataset, TorchDevice);
        var plan = DitWorkloads.Plan(Case, dataset == "QM9" ? SizeDistribution.Qm9 : SizeDistribution.GeomDrugs);
        _batches = DitWorkloads.PlanBatches(plan, _dit.FeatureCount, TorchDevice);
        Console.WriteLine($"// {Case}: {plan.Sizes.Count} molecules, batches padded to [{string.Join(", ", plan.Batches.Select(b => b.PaddedSize))}], {plan.PaddedNodeSlots} padded node slots");
    }

    [GlobalCleanup]
    public void Cleanup() => _dit.Dispose();

    /// <summary>One DiT call per batch of the plan.</summary>
    [Benchmark]
    public float ReverseStep()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        float s = 0;
        foreach (var b in _batches) s += _dit.Predict(b).NoiseX.sum().item<float>();
        return s;
    }
}
