using Microsoft.Extensions.DependencyInjection.Extensions;
using Stp.Backbones.Edm;
using Stp.DependencyInjection;
using Stp.Diffusion;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers EDM's EGNN as the <see cref="IDenoiser"/> of a container.</summary>
public static class EgnnServiceCollectionExtensions
{
    /// <summary>Registers a freshly initialised EGNN (singleton, on <see cref="StpDiffusionOptions.Device"/>) unless an <see cref="IDenoiser"/> is already registered.</summary>
    public static IServiceCollection AddStpEgnnDenoiser(this IServiceCollection services, EgnnOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton<IDenoiser>(sp => new EgnnDenoiser(options, StpDiffusionOptions.DeviceOf(sp)));
        return services;
    }

    /// <summary>
    /// Registers an EGNN (singleton, on <see cref="StpDiffusionOptions.Device"/>) loaded from a checkpoint (<c>.pt</c>, EDM's <c>generative_model*.npy</c>, or
    /// <c>.npz</c>) unless an <see cref="IDenoiser"/> is already registered. The file is read when the denoiser is first resolved.
    /// </summary>
    public static IServiceCollection AddStpEgnnDenoiser(this IServiceCollection services, EgnnOptions options, string checkpointPath)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(checkpointPath);
        services.TryAddSingleton<IDenoiser>(sp => EgnnDenoiser.FromCheckpoint(checkpointPath, options, StpDiffusionOptions.DeviceOf(sp)));
        return services;
    }
}
