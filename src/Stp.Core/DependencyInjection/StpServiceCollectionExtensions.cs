using Microsoft.Extensions.DependencyInjection.Extensions;
using Stp.Codecs;
using Stp.DependencyInjection;
using Stp.Diffusion;
using Stp.Prior;
using Stp.Runtime;
using Stp.Sampling;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Stp diffusion engine in an <see cref="IServiceCollection"/>.</summary>
public static class StpServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="DiffusionModel"/> and <see cref="DiffusionSampler"/> (singletons) composed from the registered
    /// <see cref="IDenoiser"/> (a backbone package registers one), the registered <see cref="IMoleculeCodec"/> (default:
    /// EDM's feature codec over <see cref="StpDiffusionOptions.Features"/>) and, for StP or "-N", the registered
    /// <see cref="IPriorScaler"/>, on <see cref="StpDiffusionOptions.Device"/>. Existing registrations are kept (TryAdd).
    /// </summary>
    /// <exception cref="ArgumentException">The configured device name is not cpu, cuda or cuda:N.</exception>
    public static IServiceCollection AddStpDiffusion(this IServiceCollection services, Action<StpDiffusionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new StpDiffusionOptions();
        configure?.Invoke(options);
        if (!TorchRuntime.TryParseDeviceName(options.Device, out _))
            throw new ArgumentException($"StpDiffusionOptions.Device: unknown device '{options.Device}' (cpu, cuda, cuda:N).", nameof(configure));
        services.TryAddSingleton(options);
        services.TryAddSingleton<IMoleculeCodec>(_ => new EdmFeatureCodec(options.Features));
        services.TryAddSingleton(sp =>
        {
            var denoiser = sp.GetService<IDenoiser>() ?? throw new InvalidOperationException("No IDenoiser registered: add a backbone (e.g. services.AddStpEgnnDenoiser(...)) or register your own IDenoiser.");
            var scaler = options.Prior == PriorKind.Unit ? null
                : sp.GetService<IPriorScaler>() ?? throw new InvalidOperationException($"Prior {options.Prior} needs an IPriorScaler service (e.g. services.AddSingleton<IPriorScaler>(PriorScaleTable.PublishedQm9)).");
            var model = DiffusionModel.Create(denoiser, options.Prior, scaler, schedule: options.Schedule, codec: sp.GetRequiredService<IMoleculeCodec>());
            return model.To(options.ResolveDevice());
        });
        services.TryAddSingleton(sp => new DiffusionSampler(sp.GetRequiredService<DiffusionModel>()));
        return services;
    }
}
