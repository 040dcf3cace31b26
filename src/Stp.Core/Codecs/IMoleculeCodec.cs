using Stp.Data;
using Stp.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Codecs;

/// <summary>
/// Maps a molecule batch to the diffusion space and back (the pipeline's first and last seam):
/// <c>Encode(batch) -&gt; (z_x [B,N,3], z_h [B,N,L])</c> and <c>Decode(z) -&gt; positions + atom-class scores</c>.
/// EDM's feature normalisation is the default codec (<see cref="EdmFeatureCodec"/>); GeoLDM's equivariant
/// autoencoder and RADM's aligner + encoder + decoder are latent codecs. The coordinate latent is always 3-D, so the
/// StP prior applies to latent coordinates unchanged; a codec's own noise (<see cref="LatentNoise"/>) is never scaled.
/// </summary>
public interface IMoleculeCodec
{
    /// <summary>The data-side atom features (vocabulary of the decoded molecules; layout the batches are built with).</summary>
    AtomFeatures Features { get; }

    /// <summary>Number of latent feature channels L of z_h.</summary>
    int LatentFeatureCount { get; }

    /// <summary>The trainable module (optimised, EMA-averaged and checkpointed with the denoiser), or null.</summary>
    nn.Module? Module { get; }

    /// <summary>
    /// Standard deviation of the noise added to the encoder means before diffusion (GeoLDM/RADM: sigma_0 = 0.00316);
    /// 0 for a deterministic codec. Drawn with <see cref="NoisePurpose.Latent"/> (never scaled by gamma_N).
    /// </summary>
    double LatentNoise { get; }

    /// <summary>Where the final sampling step takes the features from (and which terms the t = 0 loss has).</summary>
    FinalFeatureSource FinalFeatures { get; }

    /// <summary>Encodes a batch: z_x [B, N, 3] (zero CoM, zero on padding) and z_h [B, N, L] (zero on padding).</summary>
    LatentBatch Encode(MoleculeBatch batch);

    /// <summary>Decodes a latent batch (molecule sizes are those of <paramref name="nodeMask"/>, real atoms first).</summary>
    DecodedBatch Decode(LatentBatch latent, Tensor nodeMask, IReadOnlyList<int> sizes);

    /// <summary>
    /// An optional per-molecule auxiliary loss [B] added to the diffusion loss (GeoLDM's decoder reconstruction loss on
    /// the noisy latent <paramref name="latent"/>); null when the codec has none.
    /// </summary>
    Tensor? AuxiliaryLoss(MoleculeBatch batch, LatentBatch latent) => null;

    /// <summary>Checks that the codec can be used with <paramref name="schedule"/> (throws with the reason otherwise).</summary>
    void Validate(INoiseSchedule schedule) { }

    /// <summary>Checks that a molecule of <paramref name="atomCount"/> atoms can be encoded (throws naming the size otherwise).</summary>
    void ValidateSize(int atomCount) { }
}
