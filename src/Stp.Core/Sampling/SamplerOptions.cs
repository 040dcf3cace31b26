namespace Stp.Sampling;

/// <summary>Options of <see cref="DiffusionSampler"/> (immutable).</summary>
public sealed record SamplerOptions
{
    /// <summary>The reverse step (default <see cref="AncestralStep"/>, EDM's sampler).</summary>
    public IReverseStep ReverseStep { get; init => field = value ?? throw new ArgumentNullException(nameof(ReverseStep)); } = AncestralStep.Instance;

    /// <summary>Number of reverse steps K on a subsampled grid of the trained T (<see cref="TimestepGrid"/>); null = T (default).</summary>
    public int? Steps { get; init => field = value is null or >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Steps), value, "At least one step."); }

    /// <summary>
    /// Every molecule of the run gets the noise of molecule 0 (EDM's <c>fix_noise</c>, used by the conditional sweep); all
    /// molecules must then have the same size. Default false: each molecule its own noise.
    /// </summary>
    public bool FixedNoise { get; init; }

    /// <summary>EDM's sampler: ancestral steps over all T.</summary>
    public static SamplerOptions Ancestral { get; } = new();

    /// <summary>Deterministic DDIM over <paramref name="steps"/> steps.</summary>
    public static SamplerOptions Ddim(int steps) => new() { ReverseStep = DdimStep.Instance, Steps = steps };
}
