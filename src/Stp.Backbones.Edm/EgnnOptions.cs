using System.Text.Json.Serialization;

namespace Stp.Backbones.Edm;

/// <summary>
/// Immutable configuration of EDM's E(3)-equivariant EGNN denoiser (FACTS 1.1). The defaults are the released
/// QM9 model (<see cref="Qm9"/>); use <c>with</c> expressions or the presets for other sizes. Every setter rejects
/// values the network cannot use.
/// </summary>
public sealed record EgnnOptions
{
    /// <summary>Hidden width nf of every MLP. Default 256. Must be positive.</summary>
    public int HiddenFeatures { get; init => field = Positive(value, nameof(HiddenFeatures)); } = 256;

    /// <summary>Number of equivariant blocks (EDM's n_layers). Default 9. Must be positive.</summary>
    public int Layers { get; init => field = Positive(value, nameof(Layers)); } = 9;

    /// <summary>Invariant graph-convolution sublayers per block (EDM's inv_sublayers). Default 1. Must be positive.</summary>
    public int InvariantSublayers { get; init => field = Positive(value, nameof(InvariantSublayers)); } = 1;

    /// <summary>Gate every message with a sigmoid attention weight. Default true.</summary>
    public bool Attention { get; init; } = true;

    /// <summary>Bound the coordinate update by tanh(phi) * <see cref="CoordsRange"/>. Default true.</summary>
    public bool Tanh { get; init; } = true;

    /// <summary>Scale of the tanh-bounded coordinate update (used in every block, as EDM does). Default 15. Must be positive.</summary>
    public double CoordsRange { get; init => field = PositiveFinite(value, nameof(CoordsRange)); } = 15;

    /// <summary>Constant added to the distance when normalising coordinate differences. Default 1. Must be non-negative.</summary>
    public double NormConstant
    {
        get;
        init => field = value >= 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(NormConstant), value, "Must be finite and >= 0.");
    } = 1;

    /// <summary>Divisor of summed messages (<see cref="EgnnAggregation.Sum"/>). Default 1. Must be positive.</summary>
    public double NormalizationFactor { get; init => field = PositiveFinite(value, nameof(NormalizationFactor)); } = 1;

    /// <summary>Message aggregation. Default <see cref="EgnnAggregation.Sum"/>.</summary>
    public EgnnAggregation Aggregation
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Aggregation), value, "Unknown aggregation.");
    } = EgnnAggregation.Sum;

    /// <summary>
    /// Node feature channels F the denoiser sees (one-hot types, plus the atomic-number column when the dataset uses
    /// one). Default 6 (QM9: 5 types + charge). Must be positive. Nothing in the network treats any column specially.
    /// </summary>
    public int FeatureCount { get; init => field = Positive(value, nameof(FeatureCount)); } = 6;

    /// <summary>Per-node context channels for conditional generation. Default 0. Must be non-negative.</summary>
    public int ContextCount
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(ContextCount), value, "Must be >= 0.");
    }

    /// <summary>Encode the two distances with EDM's sinusoidal embedding (24 edge features instead of 2). Default false.</summary>
    public bool SinEmbedding { get; init; }

    /// <summary>Edge feature count entering every edge and coordinate MLP: 2, or 24 with <see cref="SinEmbedding"/>.</summary>
    [JsonIgnore]
    public int EdgeFeatureCount => SinEmbedding ? 2 * SinusoidsEmbeddingFrequencies * 2 : 2;

    /// <summary>Width of the EGNN node input: features, the time column, then the context columns.</summary>
    [JsonIgnore]
    public int NodeInputCount => FeatureCount + 1 + ContextCount;

    internal const int SinusoidsEmbeddingFrequencies = 6;

    /// <summary>The released EDM QM9 model: nf 256, 9 layers, F = 6 (5 one-hot types + atomic number), 5,339,920 parameters.</summary>
    public static EgnnOptions Qm9 => new();

    /// <summary>The released EDM GEOM-Drugs model: nf 256, 4 layers, F = 16 one-hot types (no charge channel), 2,380,565 parameters.</summary>
    public static EgnnOptions Geom => new() { Layers = 4, FeatureCount = 16 };

    /// <summary>
    /// The released EDM QM9 conditional models: nf 192, 9 layers, F = 5 one-hot types (no charge channel) and
    /// <paramref name="contextCount"/> context columns (one property: 3,009,616 parameters).
    /// </summary>
    public static EgnnOptions Qm9Conditional(int contextCount = 1) => new() { HiddenFeatures = 192, FeatureCount = 5, ContextCount = contextCount };

    /// <summary>A small EGNN for tests and CPU experiments: nf <paramref name="hiddenFeatures"/>, <paramref name="layers"/> blocks, otherwise as released.</summary>
    public static EgnnOptions Small(int featureCount = 6, int contextCount = 0, int hiddenFeatures = 64, int layers = 4) =>
        new() { HiddenFeatures = hiddenFeatures, Layers = layers, FeatureCount = featureCount, ContextCount = contextCount };

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, "Must be positive.");

    private static double PositiveFinite(double value, string name) =>
        value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, "Must be positive and finite.");
}
