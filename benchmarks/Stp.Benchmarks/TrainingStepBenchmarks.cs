using BenchmarkDotNet.Attributes;
using Stp.Training;

namespace Stp.Benchmarks;

/// <summary>
/// Full training step (forward + backward + clipping + AdamW + EMA) with the released EDM configurations:
/// QM9 batch 64 (9 layers, nf 256) and GEOM-Drugs batch 16 (4 layers, nf 256), sizes drawn unsorted from p(N).
/// </summary>
[Config(typeof(Config))]
public class TrainingStepBenchmarks : DeviceBenchmark
{
    private sealed class Config : ShortJobConfig
    {
        public Config() : base(5) { }
    }

    private DiffusionTrainer _trainer = null!;

    /// <summary>"QM9 b64" or "GEOM b16".</summary>
    [Params("QM9 b64", "GEOM b16")]
    public string Case { get; set; } = "QM9 b64";

    [GlobalSetup]
    public void Setup()
    {
        var parts = Case.Split(' ');
        _trainer = DiffusionWorkloads.Trainer(parts[0], int.Parse(parts[1][1..]), TorchDevice);
    }

    [GlobalCleanup]
    public void Cleanup() => _trainer.Dispose();

    /// <summary>One optimiser step.</summary>
    [Benchmark]
    public double TrainStep() => _trainer.TrainStep().Loss;
}
