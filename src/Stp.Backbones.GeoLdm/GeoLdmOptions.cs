using Stp.Backbones.Edm;
using Stp.Data;

namespace Stp.Backbones.GeoLdm;

/// <summary>
/// Immutable configuration of a GeoLDM model (FACTS 3.1-3.3): the equivariant autoencoder (encoder with
/// <see cref="EncoderLayers"/> EGNN block, decoder and latent dynamics with <see cref="EgnnOptions.Layers"/> blocks of
/// <see cref="Egnn"/>) over <see cref="LatentFeatures"/> invariant latent channels per atom. The defaults are the
/// released QM9 recipe (<see cref="Qm9"/>).
/// </summary>
public sealed record GeoLdmOptions
{
    /// <summary>Data-side atom features (vocabulary, atomic-number channel). Default <see cref="AtomFeatures.Qm9"/> (5 one-hot + Z).</summary>
    public AtomFeatures Features { get; init => field = value ?? throw new ArgumentNullException(nameof(Features)); } = AtomFeatures.Qm9;

    /// <summary>Invariant latent channels L per atom (GeoLDM's latent_nf). Default 1 (the QM9 command). Must be positive.</summary>
    public int LatentFeatures { get; init => field = Positive(value, nameof(LatentFeatures)); } = 1;

    /// <summary>EquivariantBlocks of the encoder (fixed to 1 in GeoLDM's get_autoencoder). Default 1. Must be positive.</summary>
    public int EncoderLayers { get; init => field = Positive(value, nameof(EncoderLayers)); } = 1;

    /// <summary>
    /// The EGNN settings shared by encoder, decoder and latent dynamics: hidden width nf, the decoder's and the
    /// dynamics' block count (GeoLDM's n_layers), attention, tanh, coords_range, norm_constant, aggregation, ...
    /// Its <see cref="EgnnOptions.FeatureCount"/> and <see cref="EgnnOptions.ContextCount"/> are not used: every network
    /// sets its own node widths. Default <see cref="EgnnOptions.Qm9"/> (nf 256, 9 layers).
    /// </summary>
    public EgnnOptions Egnn { get; init => field = value ?? throw new ArgumentNullException(nameof(Egnn)); } = EgnnOptions.Qm9;

    /// <summary>
    /// Context channels C of a conditional model (GeoLDM's conditioning: the normalised properties appended to the latent
    /// dynamics' node features after the time column, as EDM). The autoencoder is never conditioned. Default 0.
    /// </summary>
    public int ContextCount { get; init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(ContextCount), value, "Must be >= 0."); }

    /// <summary>
    /// The latent denoiser: EDM's EGNN dynamics (time column, then <see cref="ContextCount"/> context columns) on [z_x (3), z_h (L)].
    /// GeoLDM's latent dynamics is exactly EDM's EGNN_dynamics_QM9 with in_node_nf = L, so it is an
    /// <see cref="EgnnDenoiser"/> with these options.
    /// </summary>
    public EgnnOptions DenoiserOptions => Egnn with { FeatureCount = LatentFeatures, ContextCount = ContextCount };

    /// <summary>The released GeoLDM QM9 recipe: nf 256, 9 layers, L = 1, 5 one-hot + Z (encoder 727,044, decoder 5,338,127, dynamics 5,337,355 parameters).</summary>
    public static GeoLdmOptions Qm9 => new();

    /// <summary>The released GeoLDM GEOM-Drugs recipe: nf 256, 4 layers, L = 2, 16 one-hot, no Z channel (730,118 / 2,376,468 / 2,373,383 parameters).</summary>
    public static GeoLdmOptions GeomDrugs => new() { Features = AtomFeatures.GeomDrugs, LatentFeatures = 2, Egnn = EgnnOptions.Geom };

    /// <summary>A small GeoLDM for tests and CPU runs: nf <paramref name="hiddenFeatures"/>, <paramref name="layers"/> decoder and dynamics blocks.</summary>
    public static GeoLdmOptions Small(AtomFeatures? features = null, int latentFeatures = 1, int hiddenFeatures = 64, int layers = 4) =>
        new() { Features = features ?? AtomFeatures.Qm9, LatentFeatures = latentFeatures, Egnn = EgnnOptions.Small(hiddenFeatures: hiddenFeatures, layers: layers) };

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, "Must be positive.");
}
