using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Stp.Backbones.Edm;
using Stp.Diffusion;
using static TorchSharp.torch;

namespace Stp.Benchmarks;

/// <summary>
/// EDM's released EGNN denoisers (QM9: 9 layers, nf 256; GEOM-Drugs: 4 layers, nf 256) on batches whose sizes are
/// drawn from the dataset histograms: forward of batch 100 (no autograd, as in sampling) and forward+backward of a
/// training batch (QM9 64, GEOM 16). Slow on CPU, so: monitoring strategy, 1 warm-up, 3 measured iterations,
/// in-process (so the patched native library of this build is used). Managed allocations only in the memory
/// columns; see EgnnMemoryProbe for the native peak.
/// </summary>
[Config(typeof(Config))]
public class EgnnBenchmarks : DeviceBenchmark
{
    private sealed class Config : ShortJobConfig
    {
        public Config() : base(3)
        {
            AddDiagnoser(MemoryDiagnoser.Default);
        }
    }

    private EgnnDenoiser _model = null!;
    private DenoiserInput _forwardBatch = null!;
    private DenoiserInput _trainingBatch = null!;

    /// <summary>QM9 or GEOM.</summary>
    [Params("QM9", "GEOM")]
    public string Dataset { get; set; } = "QM9";

    [GlobalSetup]
    public void Setup()
    {
        var (options, histogram) = EgnnWorkloads.Config(Dataset);
        manual_seed(0);
        _model = new EgnnDenoiser(options, TorchDevice);
        _forwardBatch = EgnnWorkloads.MakeBatch(EgnnWorkloads.DrawSizes(histogram, 100, seed: 1), options.FeatureCount, seed: 1).On(TorchDevice);
        _trainingBatch = EgnnWorkloads.MakeBatch(EgnnWorkloads.DrawSizes(histogram, EgnnWorkloads.TrainingBatch(Dataset), seed: 2), options.FeatureCount, seed: 2).On(TorchDevice);
        Console.WriteLine($"// {Dataset}: forward batch 100 padded to {_forwardBatch.Positions.shape[1]}, training batch {_trainingBatch.Positions.shape[0]} padded to {_trainingBatch.Positions.shape[1]}, {get_num_threads()} threads, {TorchDevice}");
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    /// <summary>Denoiser forward, batch 100, no autograd.</summary>
    [Benchmark]
    public void ForwardBatch100() => EgnnWorkloads.Forward(_model, _forwardBatch);

    /// <summary>Forward + backward, QM9 batch 64 / GEOM batch 16.</summary>
    [Benchmark]
    public void ForwardBackwardTrainingBatch() => EgnnWorkloads.ForwardBackward(_model, _trainingBatch);
}
