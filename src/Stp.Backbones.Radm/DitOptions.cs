using System.Text.Json.Serialization;

namespace Stp.Backbones.Radm;

/// <summary>
/// Immutable configuration of RADM's latent DiT denoiser (adaLN-Zero, FACTS 4.2). Tokens are atoms; the input of
/// every token is [z_x (3), z_h (<see cref="FeatureCount"/>), context (<see cref="ContextCount"/>)]. The defaults are
/// RADM's released DiT-B on QM9 (latent_nf 1); use the presets or <c>with</c> expressions for other sizes. Every
/// setter rejects values the network cannot use; <see cref="HiddenSize"/> must be divisible by <see cref="Heads"/>
/// (checked when a <see cref="DitDenoiser"/> is built).
/// </summary>
public sealed record DitOptions
{
    /// <summary>Latent feature channels L of z_h (RADM's latent_nf: QM9 1, GEOM-Drugs 2). Default 1. Must be positive.</summary>
    public int FeatureCount { get; init => field = Positive(value, nameof(FeatureCount)); } = 1;

    /// <summary>Per-node context channels for conditional generation. Default 0. Must be non-negative.</summary>
    public int ContextCount
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(ContextCount), value, "Must be >= 0.");
    }

    /// <summary>Token width H. Default 768 (DiT-B). Must be positive.</summary>
    public int HiddenSize { get; init => field = Positive(value, nameof(HiddenSize)); } = 768;

    /// <summary>Number of DiT blocks. Default 12. Must be positive.</summary>
    public int Depth { get; init => field = Positive(value, nameof(Depth)); } = 12;

    /// <summary>Attention heads (head width H / heads). Default 12. Must be positive.</summary>
    public int Heads { get; init => field = Positive(value, nameof(Heads)); } = 12;

    /// <summary>MLP width as a multiple of H (timm's int(H * ratio)). Default 4. Must be positive.</summary>
    public double MlpRatio
    {
        get;
        init => field = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(MlpRatio), value, "Must be positive and finite.");
    } = 4.0;

    /// <summary>Width of a token's input and output: 3 + <see cref="FeatureCount"/> + <see cref="ContextCount"/>.</summary>
    [JsonIgnore]
    public int InputCount => 3 + FeatureCount + ContextCount;

    /// <summary>Hidden width of the MLP, int(H * <see cref="MlpRatio"/>).</summary>
    [JsonIgnore]
    public int MlpHidden => (int)(HiddenSize * MlpRatio);

    /// <summary>The tiny DiT of the reference fixture: depth 2, hidden 64, 4 heads.</summary>
    public static DitOptions Tiny(int featureCount = 1, int contextCount = 0) =>
        new() { FeatureCount = featureCount, ContextCount = contextCount, HiddenSize = 64, Depth = 2, Heads = 4 };

    /// <summary>DiT-S: depth 12, hidden 384, 6 heads.</summary>
    public static DitOptions Small(int featureCount = 1, int contextCount = 0) =>
        new() { FeatureCount = featureCount, ContextCount = contextCount, HiddenSize = 384, Depth = 12, Heads = 6 };

    /// <summary>DiT-B (RADM's default, <c>--size base</c>): depth 12, hidden 768, 12 heads.</summary>
    public static DitOptions Base(int featureCount = 1, int contextCount = 0) =>
        new() { FeatureCount = featureCount, ContextCount = contextCount };

    /// <summary>The preset of <paramref name="size"/>.</summary>
    public static DitOptions For(DitSize size, int featureCount = 1, int contextCount = 0) => size switch
    {
        DitSize.Tiny => Tiny(featureCount, contextCount),
        DitSize.Small => Small(featureCount, contextCount),
        DitSize.Base => Base(featureCount, contextCount),
        _ => throw new ArgumentOutOfRangeException(nameof(size), size, "Unknown DiT size."),
    };

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, "Must be positive.");
}
