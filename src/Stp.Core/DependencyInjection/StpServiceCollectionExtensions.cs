using Microsoft.Extensions.DependencyInjection.Extensions;
using Stp.DependencyInjection;
using Stp.Diffusion;
using Stp.Prior;
using Stp.Sampling;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Stp diffusion engine in an <see cref="IServiceCollection"/>.</summary>
public static class StpServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="EquivariantDiffusion"/> and <see cref="DiffusionSampler"/> (singletons) composed from the registered
    /// <see cref="IDenoiser"/> (a backbone package registers one) and, for StP or "-N", the registered
    /// <see cref="IPriorScaler"/>. The schedule is registered as <see cref="INoiseSchedule"/>, wrapped in
    /// <see cref="ScaledPriorSchedule"/> when the prior is StP. Existing registrations are kept (TryAdd).
    /// </summary>
    public static IServiceCollection AddStpDiffusion(this IServiceCollection services, Action<StpDiffusionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new StpDiffusionOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton<INoiseSchedule>(sp =>
            options.Prior == PriorKind.ScaledPrior
                ? new ScaledPriorSchedule(options.Schedule, sp.GetService<IPriorScaler>() ?? throw new InvalidOperationException("StP needs an IPriorScaler service (e.g. services.AddSingleton<IPriorScaler>(PriorScaleTable.PublishedQm9))."))
                : options.Schedule);
        services.TryAddSingleton(sp =>
        {
            var denoiser = sp.GetService<IDenoiser>() ?? throw new InvalidOperationException("No IDenoiser registered: add a backbone (e.g. services.AddStpEgnn(...)) or register your own IDenoiser.");
            var diffusion = options.Prior == PriorKind.NormalizedCoordinates
                ? new DiffusionOptions
                {
                    Features = options.Diffusion.Features, PositionNorm = options.Diffusion.PositionNorm,
                    CategoricalNorm = options.Diffusion.CategoricalNorm, AtomicNumberNorm = options.Diffusion.AtomicNumberNorm,
                    ContextCount = options.Diffusion.ContextCount,
                    CoordinateNormalizer = sp.GetService<IPriorScaler>() ?? throw new InvalidOperationException("The -N prior needs an IPriorScaler service."),
                }
                : options.Diffusion;
            return new EquivariantDiffusion(denoiser, sp.GetRequiredService<INoiseSchedule>(), diffusion);
        });
        services.TryAddSingleton(sp => new DiffusionSampler(sp.GetRequiredService<EquivariantDiffusion>()));
        return services;
    }
}
