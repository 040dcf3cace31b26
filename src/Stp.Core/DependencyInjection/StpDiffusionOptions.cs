using Stp.Codecs;
using Stp.Data;
using Stp.Diffusion;
using Stp.Runtime;
using static TorchSharp.torch;

namespace Stp.DependencyInjection;

/// <summary>Options of <c>AddStpDiffusion</c>.</summary>
public sealed class StpDiffusionOptions
{
    /// <summary>The base noise schedule (default: EDM's polynomial_2, T = 1000, precision 1e-5).</summary>
    public INoiseSchedule Schedule { get; set; } = PolynomialSchedule.Edm;

    /// <summary>The coordinate prior (default: <see cref="PriorKind.ScaledPrior"/>, i.e. StP; needs an IPriorScaler service).</summary>
    public PriorKind Prior { get; set; } = PriorKind.ScaledPrior;

    /// <summary>Atom features of the default EDM codec (default: QM9). Register an <see cref="IMoleculeCodec"/> to use another codec.</summary>
    public AtomFeatures Features { get; set; } = AtomFeatures.Qm9;

    /// <summary>
    /// The device of the container's model: <c>cpu</c> (default), <c>cuda</c> or <c>cuda:N</c>. The backbone and codec
    /// registrations (<c>AddStpEgnnDenoiser</c>, <c>AddStpDitDenoiser</c>, <c>AddStpRadmCodec</c>) build their modules
    /// there, the composed <see cref="DiffusionModel"/> is moved there, and its sampler runs there. A custom
    /// <see cref="IDenoiser"/> registration can read it with <see cref="ResolveDevice"/>.
    /// </summary>
    public string Device { get; set; } = "cpu";

    /// <summary>The TorchSharp device of <see cref="Device"/> (checked to exist in this process).</summary>
    /// <exception cref="ArgumentException">Unknown name, or CUDA / that CUDA device is not available.</exception>
    public Device ResolveDevice() => TorchRuntime.ResolveDevice(Device);

    /// <summary>The device of the options registered in <paramref name="services"/> (CPU when there are none).</summary>
    internal static Device DeviceOf(IServiceProvider services) =>
        (services.GetService(typeof(StpDiffusionOptions)) as StpDiffusionOptions)?.ResolveDevice() ?? CPU;
}
