using Microsoft.Extensions.DependencyInjection.Extensions;
using Stp.Backbones.Radm;
using Stp.Data;
using Stp.DependencyInjection;
using Stp.Diffusion;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers RADM's DiT as the <see cref="IDenoiser"/> and its aligning autoencoder as the codec of a container.</summary>
public static class RadmServiceCollectionExtensions
{
    /// <summary>Registers a DiT initialised as released from <paramref name="seed"/> (singleton, on <see cref="StpDiffusionOptions.Device"/>) unless an <see cref="IDenoiser"/> is already registered.</summary>
    public static IServiceCollection AddStpDitDenoiser(this IServiceCollection services, DitOptions options, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton<IDenoiser>(sp => new DitDenoiser(options, StpDiffusionOptions.DeviceOf(sp), seed));
        return services;
    }

    /// <summary>
    /// Registers RADM's autoencoder (singleton, seeded, in <paramref name="stage"/>, on <see cref="StpDiffusionOptions.Device"/>) as the <see cref="Stp.Codecs.IMoleculeCodec"/>
    /// unless a codec is already registered.
    /// </summary>
    public static IServiceCollection AddStpRadmCodec(this IServiceCollection services, AtomFeatures features, RadmAutoencoderOptions options,
        RadmStage stage = RadmStage.Diffusion, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton<Stp.Codecs.IMoleculeCodec>(sp => new RadmCodec(features, options, StpDiffusionOptions.DeviceOf(sp), seed, stage));
        return services;
    }
}
