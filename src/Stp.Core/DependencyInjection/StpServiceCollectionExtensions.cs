using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Stp.Codecs;
using Stp.DependencyInjection;
using Stp.Data;
using Stp.Diffusion;
using Stp.Prior;
using Stp.Runtime;
using Stp.Sampling;
using Stp.Training;

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

    /// <summary>
    /// Adds Stp from a configuration section (e.g. <c>services.AddStp(configuration.GetSection("Stp"))</c>): the
    /// <see cref="DiffusionModel"/> (a trained model file, or a new model described by the section's Denoiser, Dataset,
    /// Codec, Schedule, Prior and PriorScale), its <see cref="DiffusionSampler"/>, the <see cref="TrainerOptions"/> and,
    /// when Training:Data is set, a <see cref="DiffusionTrainer"/> over its training split (p(N) of a new model is taken
    /// from it). The section is read and checked now (see <see cref="StpConfiguration"/>), so a wrong key or value fails at
    /// start-up with a message naming it, not at first use; the model and the data are loaded when first resolved.
    /// The backbone's package must be referenced (its factory is found by the Denoiser's Type).
    /// </summary>
    /// <exception cref="InvalidOperationException">The section is invalid; the message names the key.</exception>
    public static IServiceCollection AddStp(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        var config = StpConfiguration.Read(configuration);
        services.TryAddSingleton(config);
        services.TryAddSingleton(config.Trainer);
        services.TryAddSingleton(_ => config.BuildModel());
        services.TryAddSingleton(sp => new DiffusionSampler(sp.GetRequiredService<DiffusionModel>()));
        if (config.TrainingData is not null)
        {
            services.TryAddSingleton(sp =>
            {
                var model = sp.GetRequiredService<DiffusionModel>();
                var train = config.LoadTrainingSet();
                model.SizeDistribution ??= SizeDistribution.FromMolecules(train);
                return new DiffusionTrainer(model, train, config.Trainer, config.Device, sp.GetService<ILogger<DiffusionTrainer>>());
            });
        }
        return services;
    }
}
