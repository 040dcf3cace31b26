using BenchmarkDotNet.Attributes;
using Stp.Diffusion;
using Stp.Prior;
using static TorchSharp.torch;

namespace Stp.Benchmarks;

/// <summary>
/// One sampling step's noise draw for a batch of 100 molecules (QM9: padded 29, 9 channels; GEOM-Drugs: padded 181,
/// 19 channels) with the host generator (filled on the CPU, then copied to the device) and with the device generator
/// (the counter hash as int64 tensor ops on the device), on each device. Both give the same values; this measures
/// which is cheaper where (the library uses the host generator on the CPU, the device generator elsewhere).
/// </summary>
[Config(typeof(Config))]
public class NoiseBenchmarks : DeviceBenchmark
{
    private sealed class Config : ShortJobConfig
    {
        public Config() : base(5) { }
    }

    private MoleculeNoiseBatch _batch = null!;
    private long _step;

    /// <summary>Dataset shape of the batch.</summary>
    [Params("QM9", "GEOM")]
    public string Dataset { get; set; } = "QM9";

    /// <summary>Where the values are generated: "host" or "device".</summary>
    [Params("host", "device")]
    public string Generator { get; set; } = "host";

    [GlobalSetup]
    public void Setup()
    {
        var (egnn, _, sizes, prior) = DiffusionWorkloads.Config(Dataset);
        var drawn = sizes.Sample(100, seed: 2);
        // The generator is chosen when the batch is made.
        using (MoleculeNoise.UseDeviceGenerator(Generator == "device"))
            _batch = new MoleculeNoise(prior, 1).ForBatch(drawn, Dataset == "QM9" ? 29 : 181, egnn.FeatureCount, drawn.Select((_, i) => (long)i).ToArray(), TorchDevice);
        Console.WriteLine($"// {Dataset}, {Generator} generator on {TorchDevice}: {(_batch.OnDevice ? "device" : "host")} path");
    }

    [GlobalCleanup]
    public void Cleanup() => _batch.Dispose();

    /// <summary>Draws eps for one step (and waits for it: the sum is read back).</summary>
    [Benchmark(OperationsPerInvoke = 10)]
    public float DrawStep()
    {
        float s = 0;
        for (int i = 0; i < 10; i++)
        {
            using var scope = NewDisposeScope();
            var eps = _batch.Draw(NoisePurpose.Sampling, _step++);
            if (i == 9) s = eps.X.sum().item<float>();
        }
        return s;
    }
}
