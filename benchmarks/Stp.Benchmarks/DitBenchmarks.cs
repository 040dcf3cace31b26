using BenchmarkDotNet.Attributes;
using Stp.Backbones.Radm;
using Stp.Diffusion;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Stp.Benchmarks;

/// <summary>
/// RADM's DiT-S and DiT-B at RADM's training shapes (QM9 batch 256, GEOM-Drugs batch 64, sizes drawn unsorted from
/// p(N), each batch padded to its own maximum): forward without autograd (as in sampling) and a DiT training step
/// (forward, l2 loss on both outputs, backward, AdamW amsgrad). The frozen autoencoder is not included. On the CPU and
/// on CUDA (the Device parameter). Very slow on CPU: 1 warm-up and 2 measured iterations.
/// </summary>
[Config(typeof(Config))]
public class DitBenchmarks : DeviceBenchmark
{
    private sealed class Config : ShortJobConfig
    {
        public Config() : base(2) { }
    }

    private DitDenoiser _dit = null!;
    private DenoiserInput _batch = null!;
    private AdamW _optimizer = null!;

    /// <summary>DiT size (S or B) and dataset shape.</summary>
    [Params("S QM9 b256", "B QM9 b256", "S GEOM b64", "B GEOM b64")]
    public string Case { get; set; } = "S QM9 b256";

    [GlobalSetup]
    public void Setup()
    {
        var parts = Case.Split(' ');
        _dit = DitWorkloads.Denoiser(parts[0], parts[1], TorchDevice);
        _batch = DitWorkloads.Batch(parts[1], _dit.FeatureCount, TorchDevice);
        _optimizer = optim.AdamW(_dit.Module.parameters(), lr: 1e-4, amsgrad: true, weight_decay: 1e-12);
        Console.WriteLine($"// {Case}: {_dit.ParameterCount:N0} parameters, batch {_batch.Positions.shape[0]} padded to {_batch.Positions.shape[1]}, {get_num_threads()} threads, {TorchDevice}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _optimizer.Dispose();
        _dit.Dispose();
    }

    /// <summary>DiT forward, no autograd.</summary>
    [Benchmark]
    public float Forward()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return _dit.Predict(_batch).NoiseX.sum().item<float>();
    }

    /// <summary>Forward + l2 loss + backward + AdamW step.</summary>
    [Benchmark]
    public float TrainStep()
    {
        using var scope = NewDisposeScope();
        _optimizer.zero_grad();
        var o = _dit.Predict(_batch);
        var loss = o.NoiseX.square().mean() + o.NoiseH.square().mean();
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }
}
