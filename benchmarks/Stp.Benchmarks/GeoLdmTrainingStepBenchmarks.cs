using BenchmarkDotNet.Attributes;
using Stp.Training;

namespace Stp.Benchmarks;

/// <summary>
/// Full GeoLDM-StP training step (encoder, decoder reconstruction loss, latent EGNN diffusion loss, backward, clipping,
/// AdamW, EMA) with the released configurations and batch sizes: QM9 batch 64, GEOM-Drugs batch 32.
/// </summary>
[Config(typeof(Config))]
public class GeoLdmTrainingStepBenchmarks : DeviceBenchmark
{
    private sealed class Config : ShortJobConfig
    {
        public Config() : base(3, timeoutMinutes: 60) { }
    }

    private DiffusionTrainer _trainer = null!;

    /// <summary>"QM9 b64" or "GEOM b32".</summary>
    [Params("QM9 b64", "GEOM b32")]
    public string Case { get; set; } = "QM9 b64";

    [GlobalSetup]
    public void Setup()
    {
        var parts = Case.Split(' ');
        _trainer = GeoLdmWorkloads.Trainer(parts[0], int.Parse(parts[1][1..]), TorchDevice);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _trainer.Dispose();
        _trainer.Model.Dispose();
    }

    /// <summary>One optimiser step.</summary>
    [Benchmark]
    public double TrainStep() => _trainer.TrainStep().Loss;
}
