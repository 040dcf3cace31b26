using Stp.Backbones.Edm;
using Stp.Backbones.Edm.IO;
using Stp.Diffusion;
using Stp.Prior;
using static TorchSharp.torch;

namespace Stp.Backbones.GeoLdm;

/// <summary>
/// Builds GeoLDM models (Xu et al. 2023) on the Core pipeline: the <see cref="GeoLdmCodec"/> (equivariant autoencoder,
/// encoder frozen at its seeded initialisation, decoder trained jointly through its reconstruction loss) and EDM's EGNN
/// as the latent denoiser on [z_x (3), z_h (L)] (<see cref="GeoLdmOptions.DenoiserOptions"/>). StP scales only the
/// latent diffusion's coordinate noise (the codec's sigma_0 noise is never scaled, FACTS 7).
/// </summary>
/// <example>
/// <code>
/// torch.manual_seed(1);                                              // seeds the (frozen) encoder's initialisation
/// using var model = GeoLdmModel.Create(GeoLdmOptions.Qm9, PriorKind.ScaledPrior, PriorScaleTable.PublishedQm9);
/// using var trainer = new DiffusionTrainer(model, train);            // diffusion loss + reconstruction loss, one AdamW
/// </code>
/// </example>
public static class GeoLdmModel
{
    /// <summary>
    /// Composes a GeoLDM model. The autoencoder is built first (encoder, then decoder), then the latent EGNN, as
    /// GeoLDM's get_latent_diffusion does, so after <c>torch.manual_seed(s)</c> all initial weights equal the reference's.
    /// </summary>
    /// <param name="options">The configuration (<see cref="GeoLdmOptions.Qm9"/>, <see cref="GeoLdmOptions.GeomDrugs"/>, <see cref="GeoLdmOptions.Small"/>).</param>
    /// <param name="prior">Unit (GeoLDM), ScaledPrior (GeoLDM-StP) or NormalizedCoordinates (the "-N" ablation on latent coordinates).</param>
    /// <param name="priorScale">gamma_N (required unless the prior is Unit).</param>
    /// <param name="schedule">Base schedule (default EDM's polynomial_2, T = 1000); its sigma_0 is the latent noise.</param>
    /// <param name="device">Device (default CPU).</param>
    public static DiffusionModel Create(GeoLdmOptions options, PriorKind prior, IPriorScaler? priorScale, INoiseSchedule? schedule = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        schedule ??= PolynomialSchedule.Edm;
        var codec = new GeoLdmCodec(options, schedule.Sigma(0), device);
        EgnnDenoiser? denoiser = null;
        try
        {
            denoiser = new EgnnDenoiser(options.DenoiserOptions, device);
            return DiffusionModel.Create(denoiser, prior, priorScale, options.Features, schedule, codec);
        }
        catch
        {
            denoiser?.Dispose();
            codec.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Builds a GeoLDM model and loads a GeoLDM <c>EnLatentDiffusion</c> checkpoint into it (<c>torch.save</c> file such
    /// as <c>generative_model_ema.npy</c>, or <c>.npz</c>): <c>dynamics.*</c> into the denoiser, <c>vae.*</c> into the codec.
    /// </summary>
    public static DiffusionModel FromCheckpoint(string path, GeoLdmOptions options, PriorKind prior = PriorKind.Unit, IPriorScaler? priorScale = null, Device? device = null)
    {
        var model = Create(options, prior, priorScale, device: device);
        var dict = StateDictFile.Read(path);
        try
        {
            ((EgnnDenoiser)model.Denoiser).LoadStateDict(dict, EgnnDenoiser.EdmCheckpointPrefix);
            ((GeoLdmCodec)(model.Codec is Codecs.NormalizedCoordinatesCodec n ? n.Inner : model.Codec)).LoadStateDict(dict, GeoLdmCodec.VaeCheckpointPrefix, path);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in dict.Values) t.Dispose();
        }
    }
}
