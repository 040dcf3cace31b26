using System.Text.Json.Serialization;
using Stp.Backbones.Edm;

namespace Stp.Backbones.Radm;

/// <summary>
/// Immutable configuration of RADM's aligning autoencoder (NonEquiAE, FACTS 4.1): the rotation GNN and head, the
/// frozen GeoLDM encoder and the GNN decoder. The message-passing settings shared by all three (nf, attention,
/// aggregation, normalisation factor; the encoder's tanh, coordinate range, norm constant and invariant sublayers) are
/// an <see cref="EgnnOptions"/> (<see cref="Network"/>; its layer, feature and context counts are not used). Defaults
/// are RADM's released QM9 autoencoder (nf 256, decoder 9 layers, 2 rotation layers, latent_nf 1); <see cref="Geom"/>
/// is the GEOM-Drugs one. Every setter rejects values the network cannot use.
/// </summary>
public sealed record RadmAutoencoderOptions
{
    /// <summary>Message-passing settings of every GNN (default EDM's released flags with nf 256).</summary>
    public EgnnOptions Network { get; init => field = value ?? throw new ArgumentNullException(nameof(Network)); } = EgnnOptions.Qm9;

    /// <summary>Latent channels L of z_h (RADM's latent_nf). Default 1 (QM9; GEOM-Drugs 2). Must be positive.</summary>
    public int LatentFeatures { get; init => field = Positive(value, nameof(LatentFeatures)); } = 1;

    /// <summary>GCL layers of the decoder GNN (RADM's n_layers: QM9 9, GEOM 4). Default 9. Must be positive.</summary>
    public int DecoderLayers { get; init => field = Positive(value, nameof(DecoderLayers)); } = 9;

    /// <summary>GCL layers of the rotation GNN (RADM's rot_layers). Default 2. Must be positive.</summary>
    public int RotationLayers { get; init => field = Positive(value, nameof(RotationLayers)); } = 2;

    /// <summary>EquivariantBlocks of the frozen encoder (fixed at 1 in GeoLDM and RADM). Default 1. Must be positive.</summary>
    public int EncoderLayers { get; init => field = Positive(value, nameof(EncoderLayers)); } = 1;

    /// <summary>Hidden width nf of every GNN (<see cref="Network"/>'s).</summary>
    [JsonIgnore]
    public int HiddenFeatures => Network.HiddenFeatures;

    /// <summary>RADM's QM9 autoencoder: nf 256, decoder 9 layers, latent_nf 1 (encoder 727,044, decoder 3,554,066, aligner 925,451 parameters).</summary>
    public static RadmAutoencoderOptions Qm9 => new();

    /// <summary>RADM's GEOM-Drugs autoencoder: nf 256, decoder 4 layers, latent_nf 2.</summary>
    public static RadmAutoencoderOptions Geom => new() { DecoderLayers = 4, LatentFeatures = 2 };

    /// <summary>A small autoencoder for tests and CPU runs (released flags, nf <paramref name="hiddenFeatures"/>).</summary>
    public static RadmAutoencoderOptions Small(int hiddenFeatures = 32, int decoderLayers = 2, int latentFeatures = 1) =>
        new() { Network = EgnnOptions.Qm9 with { HiddenFeatures = hiddenFeatures }, DecoderLayers = decoderLayers, LatentFeatures = latentFeatures };

    /// <summary>The EGNN settings of the frozen encoder.</summary>
    internal EgnnOptions EncoderNetwork => Network with { Layers = EncoderLayers };

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, "Must be positive.");
}
