using BenchmarkDotNet.Attributes;
using Stp.Codecs;
using Stp.Sampling;
using static TorchSharp.torch;

namespace Stp.Benchmarks;

/// <summary>
/// GeoLDM-StP sampling cost per molecule with the released models and the efficient plan (sorted sizes, batches of 100
/// padded to their own maximum): <see cref="SamplePlan"/> samples the whole plan with a 2-step schedule (3 latent EGNN
/// calls per batch, then one decoder pass), <see cref="DecodePlan"/> runs the decoder alone on every batch. The
/// 1000-step time per molecule is extrapolated in benchmarks/README.md as ((sample - decode) / 3 x 1001 + decode) / molecules.
/// </summary>
[Config(typeof(Config))]
public class GeoLdmSamplingBenchmarks : DeviceBenchmark
{
    private sealed class Config : ShortJobConfig
    {
        public Config() : base(2, timeoutMinutes: 60) { }
    }

    private DiffusionSampler _sampler = null!;
    private SamplingPlan _plan = null!;

    /// <summary>Dataset.</summary>
    [Params("QM9", "GEOM")]
    public string Dataset { get; set; } = "QM9";

    /// <summary>Molecules per plan.</summary>
    public int Molecules => Dataset == "QM9" ? 300 : 100;

    [GlobalSetup]
    public void Setup()
    {
        _sampler = GeoLdmWorkloads.Sampler(Dataset, steps: 2, TorchDevice);
        _plan = SamplingPlan.Efficient(_sampler.Model.SizeDistribution!.Sample(Molecules, seed: 5), 100);
        Console.WriteLine($"// GeoLDM {Dataset}: {Molecules} molecules, {_plan.Batches.Count} batches, {_plan.PaddedNodeSlots} padded node slots");
    }

    [GlobalCleanup]
    public void Cleanup() => _sampler.Model.Dispose();

    /// <summary>Samples the whole plan with the 2-step schedule (3 network calls per batch and the decoder).</summary>
    [Benchmark]
    public int SamplePlan() => _sampler.Sample(_plan, seed: 1).Count;

    /// <summary>The decoder alone on a random latent of every batch of the plan.</summary>
    [Benchmark]
    public float DecodePlan()
    {
        var codec = _sampler.Model.Codec;
        var device = TorchDevice;
        float total = 0;
        using var noGrad = no_grad();
        foreach (var batch in _plan.Batches)
        {
            using var scope = NewDisposeScope();
            int b = batch.Sizes.Count, n = batch.PaddedSize;
            var maskData = new float[b * n];
            for (int i = 0; i < b; i++) for (int a = 0; a < batch.Sizes[i]; a++) maskData[i * n + a] = 1;
            var mask = tensor(maskData, new long[] { b, n, 1 }, device: device);
            var latent = new LatentBatch(randn(b, n, 3, device: device) * mask, randn(b, n, codec.LatentFeatureCount, device: device) * mask);
            total += codec.Decode(latent, mask, batch.Sizes).Positions.sum().item<float>();
        }
        return total;
    }
}
