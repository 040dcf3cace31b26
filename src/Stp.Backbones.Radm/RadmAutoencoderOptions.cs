using Stp.Backbones.Edm;

namespace Stp.Backbones.Radm;

/// <summary>
/// Immutable configuration of RADM's aligning autoencoder (NonEquiAE, FACTS 4.1): the rotation GNN and head, the
/// frozen GeoLDM encoder and the GNN decoder. Defaults are RADM's released QM9 autoencoder (nf 256, decoder 9 layers,
/// 2 rotation layers, latent_nf 1); <see cref="Geom"/> is the GEOM-Drugs one. Every setter rejects values the network
/// cannot use.
/// </summary>
public sealed record RadmAutoencoderOptions
{
    /// <summary>Hidden width nf of every GNN (aligner, encoder, decoder). Default 256. Must be positive.</summary>
    public int HiddenFeatures { get; init => field = Positive(value, nameof(HiddenFeatures)); } = 256;

    /// <summary>Latent channels L of z_h (RADM's latent_nf). Default 1 (QM9; GEOM-Drugs 2). Must be positive.</summary>
    public int LatentFeatures { get; init => field = Positive(value, nameof(LatentFeatures)); } = 1;

    /// <summary>GCL layers of the decoder GNN (RADM's n_layers: QM9 9, GEOM 4). Default 9. Must be positive.</summary>
    public int DecoderLayers { get; init => field = Positive(value, nameof(DecoderLayers)); } = 9;

    /// <summary>GCL layers of the rotation GNN (RADM's rot_layers). Default 2. Must be positive.</summary>
    public int RotationLayers { get; init => field = Positive(value, nameof(RotationLayers)); } = 2;

    /// <summary>EquivariantBlocks of the frozen encoder (fixed at 1 in GeoLDM and RADM). Default 1. Must be positive.</summary>
    public int EncoderLayers { get; init => field = Positive(value, nameof(EncoderLayers)); } = 1;

    /// <summary>Invariant sublayers per encoder block (EDM's inv_sublayers). Default 1. Must be positive.</summary>
    public int InvariantSublayers { get; init => field = Positive(value, nameof(InvariantSublayers)); } = 1;

    /// <summary>Sigmoid attention gate on every message. Default true.</summary>
    public bool Attention { get; init; } = true;

    /// <summary>tanh-bounded coordinate update of the encoder. Default true.</summary>
    public bool Tanh { get; init; } = true;

    /// <summary>Encoder coordinate range. Default 15. Must be positive.</summary>
    public double CoordsRange { get; init => field = PositiveFinite(value, nameof(CoordsRange)); } = 15;

    /// <summary>Encoder distance normalisation constant. Default 1. Must be non-negative.</summary>
    public double NormConstant
    {
        get;
        init => field = value >= 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(NormConstant), value, "Must be finite and >= 0.");
    } = 1;

    /// <summary>Divisor of summed messages. Default 1. Must be positive.</summary>
    public double NormalizationFactor { get; init => field = PositiveFinite(value, nameof(NormalizationFactor)); } = 1;

    /// <summary>Message aggregation. Default sum.</summary>
    public EgnnAggregation Aggregation
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Aggregation), value, "Unknown aggregation.");
    } = EgnnAggregation.Sum;

    /// <summary>RADM's QM9 autoencoder: nf 256, decoder 9 layers, latent_nf 1 (encoder 727,044, decoder 3,554,066, aligner 925,451 parameters).</summary>
    public static RadmAutoencoderOptions Qm9 => new();

    /// <summary>RADM's GEOM-Drugs autoencoder: nf 256, decoder 4 layers, latent_nf 2.</summary>
    public static RadmAutoencoderOptions Geom => new() { DecoderLayers = 4, LatentFeatures = 2 };

    /// <summary>A small autoencoder for tests and CPU runs.</summary>
    public static RadmAutoencoderOptions Small(int hiddenFeatures = 32, int decoderLayers = 2, int latentFeatures = 1) =>
        new() { HiddenFeatures = hiddenFeatures, DecoderLayers = decoderLayers, LatentFeatures = latentFeatures };

    /// <summary>The EGNN settings of the frozen encoder.</summary>
    internal EgnnOptions EncoderNetwork => new()
    {
        HiddenFeatures = HiddenFeatures,
        Layers = EncoderLayers,
        InvariantSublayers = InvariantSublayers,
        Attention = Attention,
        Tanh = Tanh,
        CoordsRange = CoordsRange,
        NormConstant = NormConstant,
        NormalizationFactor = NormalizationFactor,
        Aggregation = Aggregation,
    };

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, "Must be positive.");

    private static double PositiveFinite(double value, string name) =>
        value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, "Must be positive and finite.");
}
