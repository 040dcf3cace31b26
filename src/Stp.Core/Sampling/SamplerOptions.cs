namespace Stp.Sampling;

/// <summary>Options of <see cref="DiffusionSampler"/> (immutable).</summary>
public sealed record SamplerOptions
{
    /// <summary>The reverse step (default <see cref="AncestralStep"/>, EDM's sampler).</summary>
    public IReverseStep ReverseStep { get; init => field = value ?? throw new ArgumentNullException(nameof(ReverseStep)); } = AncestralStep.Instance;

    /// <summary>Number of reverse steps K on a subsampled grid of the trained T (<see cref="TimestepGrid"/>); null = T (default).</summary>
    public int? Steps { get; init => field = value is null or >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Steps), value, "At least one step."); }

    /// <summary>How the <see cref="Steps"/> are spread over the trained T (default <see cref="TimestepSpacing.Uniform"/>); no effect at K = T.</summary>
    public TimestepSpacing Spacing { get; init; } = TimestepSpacing.Uniform;

    /// <summary>
    /// Every molecule of the run gets the noise of molecule 0 (EDM's <c>fix_noise</c>, used by the conditional sweep); all
    /// molecules must then have the same size. Default false: each molecule its own noise.
    /// </summary>
    public bool FixedNoise { get; init; }

    /// <summary>EDM's sampler: ancestral steps over all T.</summary>
    public static SamplerOptions Ancestral { get; } = new();

    /// <summary>Deterministic DDIM over <paramref name="steps"/> steps.</summary>
    public static SamplerOptions Ddim(int steps) => new() { ReverseStep = DdimStep.Instance, Steps = steps };

    /// <summary>Euler integration of a flow-matching model over <paramref name="steps"/> steps (one network call each).</summary>
    public static SamplerOptions Euler(int steps) => new() { ReverseStep = EulerStep.Instance, Steps = steps };

    /// <summary>Heun integration of a flow-matching model over <paramref name="steps"/> steps (two network calls each).</summary>
    public static SamplerOptions Heun(int steps) => new() { ReverseStep = HeunStep.Instance, Steps = steps };

    /// <summary>The default for <paramref name="model"/>: <see cref="Ancestral"/> for noise-predicting models, Heun over 50
    /// steps (100 network calls) for flow-matching models.</summary>
    public static SamplerOptions For(Stp.Diffusion.DiffusionModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Objective.Target == Stp.Objectives.PredictionTarget.Velocity ? Heun(50) : Ancestral;
    }

    /// <summary>The reverse step named <paramref name="name"/>: ancestral, ddim, euler or heun (case-insensitive).</summary>
    public static IReverseStep StepNamed(string name) => name?.ToLowerInvariant() switch
    {
        "ancestral" => AncestralStep.Instance,
        "ddim" => DdimStep.Instance,
        "euler" => EulerStep.Instance,
        "heun" => HeunStep.Instance,
        _ => throw new ArgumentException($"Unknown sampler '{name}' (ancestral, ddim, euler, heun).", nameof(name)),
    };
}
