using Stp.Chemistry;

namespace Stp.Metrics.Properties;

/// <summary>
/// Shape of a property predictor. Defaults are EDM's (FACTS 1.11): the invariant EGNN, nf 128, 7 layers, attention,
/// one-hot QM9 atom types as the only node input.
/// </summary>
public sealed record PredictorOptions
{
    /// <summary>Which model (default <see cref="PredictorKind.Egnn"/>).</summary>
    public PredictorKind Kind
    {
        get;
        init => field = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(Kind), value, "Unknown predictor kind.");
    } = PredictorKind.Egnn;

    /// <summary>Hidden width nf (default 128; the numnodes baseline always uses 128, as EDM). Must be positive.</summary>
    public int HiddenFeatures { get; init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(HiddenFeatures), value, "Must be positive."); } = 128;

    /// <summary>Number of E_GCL_mask layers (default 7). Must be positive.</summary>
    public int Layers { get; init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(Layers), value, "Must be positive."); } = 7;

    /// <summary>Sigmoid attention on every message (default true).</summary>
    public bool Attention { get; init; } = true;

    /// <summary>Name of the atom vocabulary whose one-hot types are the node input (default "qm9": H, C, N, O, F).</summary>
    public string Vocabulary { get; init => field = value ?? throw new ArgumentNullException(nameof(Vocabulary)); } = AtomVocabulary.Qm9.Name;

    /// <summary>EDM's predictor.</summary>
    public static PredictorOptions Edm => new();

    /// <summary>The options of a baseline of <paramref name="kind"/>.</summary>
    public static PredictorOptions Baseline(PredictorKind kind) => new() { Kind = kind };
}
