using Stp.Codecs;
using Stp.Data;
using Stp.Diffusion;
using Stp.Prior;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Radm;

/// <summary>
/// Composes RADM models for its two training stages; both train with <see cref="Stp.Training.DiffusionTrainer"/>.
/// Stage 1 (<see cref="CreateAutoencoderStage(RadmCodec, DitDenoiser, INoiseSchedule?)"/>): the codec in the <see cref="RadmStage.Autoencoder"/> stage, the DiT
/// frozen, <see cref="AutoencoderObjective"/> — the trainer optimises the aligner and the decoder on the
/// reconstruction of the rotated molecules (RADM: cosine-annealed learning rate, no EMA, no clipping). Stage 2
/// (<see cref="ToDiffusionStage"/>): the whole autoencoder frozen, the DiT trainable, EDM's epsilon objective on the
/// latent, StP (or the unit prior, or -N) on the latent coordinates only. A stage-1 model file loads with
/// <see cref="DiffusionModel.Load"/> and converts to stage 2.
/// </summary>
/// <example>
/// <code>
/// using var stage1 = RadmModel.CreateAutoencoderStage(AtomFeatures.Qm9, RadmAutoencoderOptions.Qm9, DitOptions.Base());
/// // ... train with DiffusionTrainer (LearningRateSchedule = new CosineAnnealingSchedule(...), EmaDecay = 0, ClipGradients = false)
/// using var stage2 = RadmModel.ToDiffusionStage(DiffusionModel.Load("autoencoder.safetensors"), PriorKind.ScaledPrior, PriorScaleTable.PublishedQm9);
/// </code>
/// </example>
public static class RadmModel
{
    /// <summary>
    /// A fresh stage-1 model: a <see cref="RadmCodec"/> (seeded) in the autoencoder stage and a frozen DiT at its
    /// released initialisation (zero output), with the unit prior (stage 1 diffuses nothing; the prior is chosen for
    /// stage 2) and <paramref name="schedule"/> (default EDM's polynomial_2, T = 1000).
    /// </summary>
    public static DiffusionModel CreateAutoencoderStage(AtomFeatures features, RadmAutoencoderOptions autoencoder, DitOptions dit,
        Device? device = null, long seed = 0, INoiseSchedule? schedule = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(autoencoder);
        ArgumentNullException.ThrowIfNull(dit);
        if (dit.FeatureCount != autoencoder.LatentFeatures)
            throw new ArgumentException($"The DiT expects {dit.FeatureCount} latent channels but the autoencoder makes {autoencoder.LatentFeatures}.", nameof(dit));
        var codec = new RadmCodec(features, autoencoder, device, seed);
        try
        {
            return CreateAutoencoderStage(codec, new DitDenoiser(dit, device, seed), schedule);
        }
        catch
        {
            codec.Dispose();
            throw;
        }
    }

    /// <summary>A stage-1 model of the given parts (the codec is set to the autoencoder stage and the DiT frozen).</summary>
    public static DiffusionModel CreateAutoencoderStage(RadmCodec codec, DitDenoiser denoiser, INoiseSchedule? schedule = null)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(denoiser);
        codec.Stage = RadmStage.Autoencoder;
        denoiser.Trainable = false;
        return new DiffusionModel(denoiser, schedule ?? PolynomialSchedule.Edm, codec, AutoencoderObjective.Instance);
    }

    /// <summary>
    /// The stage-2 model of a trained stage-1 model: its autoencoder frozen (<see cref="RadmStage.Diffusion"/>), a
    /// trainable DiT (its own, or <paramref name="denoiser"/>, e.g. another size; the replaced one is disposed), EDM's
    /// epsilon objective, and <paramref name="prior"/> on the latent coordinates (StP scales only their noise; the
    /// codec's latent noise never). p(N) and the context statistics are carried over. The returned model takes over
    /// the modules of <paramref name="autoencoderStage"/>: do not use or dispose that model afterwards.
    /// </summary>
    /// <exception cref="ArgumentException">The model is not a RADM model, or the denoiser does not fit the latent.</exception>
    public static DiffusionModel ToDiffusionStage(DiffusionModel autoencoderStage, PriorKind prior, IPriorScaler? priorScale, DitDenoiser? denoiser = null)
    {
        ArgumentNullException.ThrowIfNull(autoencoderStage);
        var codec = (autoencoderStage.Codec is NormalizedCoordinatesCodec n ? n.Inner : autoencoderStage.Codec) as RadmCodec
            ?? throw new ArgumentException($"Not a RADM model: its codec is {autoencoderStage.Codec.GetType().Name}, not a RadmCodec.", nameof(autoencoderStage));
        var dit = denoiser ?? autoencoderStage.Denoiser as DitDenoiser
            ?? throw new ArgumentException($"Not a RADM model: its denoiser is {autoencoderStage.Denoiser.GetType().Name}, not a DitDenoiser.", nameof(autoencoderStage));
        if (dit.FeatureCount != codec.LatentFeatureCount)
            throw new ArgumentException($"The DiT expects {dit.FeatureCount} latent channels but the autoencoder makes {codec.LatentFeatureCount}.", nameof(denoiser));
        if (denoiser is not null && !ReferenceEquals(denoiser, autoencoderStage.Denoiser)) (autoencoderStage.Denoiser as IDisposable)?.Dispose();
        codec.Stage = RadmStage.Diffusion;
        dit.Trainable = true;
        var model = DiffusionModel.Create(dit, prior, priorScale, schedule: autoencoderStage.BaseSchedule, codec: codec);
        model.SizeDistribution = autoencoderStage.SizeDistribution;
        model.Context = autoencoderStage.Context;
        model.PropertyDistribution = autoencoderStage.PropertyDistribution;
        return model;
    }

    /// <summary>Whether <paramref name="model"/> is a RADM stage-1 (autoencoder) model.</summary>
    public static bool IsAutoencoderStage(DiffusionModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Objective is AutoencoderObjective;
    }
}
