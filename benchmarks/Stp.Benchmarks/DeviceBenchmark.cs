using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Running;
using Stp.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Benchmarks;

/// <summary>
/// A torch benchmark with a device dimension: every case runs on "cpu" and on "cuda". CUDA cases are dropped before
/// the run (<see cref="CudaCasesFilter"/>, part of <see cref="ShortJobConfig"/>) when this process has no CUDA, so a
/// CPU machine runs the CPU cases only and says so; on a GPU machine built with -p:StpCuda=true both run.
/// </summary>
public abstract class DeviceBenchmark
{
    /// <summary>"cpu" or "cuda".</summary>
    [Params("cpu", "cuda")]
    public string Device { get; set; } = "cpu";

    /// <summary>The TorchSharp device of <see cref="Device"/>.</summary>
    protected torch.Device TorchDevice => TorchRuntime.ResolveDevice(Device);
}

/// <summary>Drops the cases whose Device parameter is "cuda" when CUDA is not available in this process.</summary>
public sealed class CudaCasesFilter : IFilter
{
    private static readonly Lazy<bool> Available = new(() =>
    {
        bool available = cuda.is_available();
        if (!available) Console.WriteLine($"// CUDA is not available ({TorchRuntime.CudaUnavailableReason}): the Device=cuda cases are skipped.");
        return available;
    });

    /// <inheritdoc />
    public bool Predicate(BenchmarkCase benchmarkCase) =>
        !benchmarkCase.Parameters.Items.Any(p => p.Name == nameof(DeviceBenchmark.Device) && Equals(p.Value, "cuda")) || Available.Value;
}
