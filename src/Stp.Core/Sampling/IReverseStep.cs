namespace Stp.Sampling;

/// <summary>
/// One reverse step of a sampler (a "scheduler" in diffusers' sense): maps z_t and the denoiser's prediction at time t
/// to z_s at an earlier time s of the (possibly subsampled) grid, and reports the predicted clean sample x_hat_0.
/// The sampler keeps plans, masks, the observer, the final step and decoding; the step is the only part that differs
/// between samplers. Implementations: <see cref="AncestralStep"/> (EDM), <see cref="DdimStep"/> (deterministic) for
/// noise-predicting models; <see cref="EulerStep"/> and <see cref="HeunStep"/> (ODE integrators) for flow matching.
/// </summary>
public interface IReverseStep
{
    /// <summary>Short name ("ancestral", "ddim").</summary>
    string Name { get; }

    /// <summary>Whether the step draws noise (the final p(x | z_0) draw is then stochastic too).</summary>
    bool IsStochastic { get; }

    /// <summary>What the step expects the denoiser to predict (default <see cref="Stp.Objectives.PredictionTarget.Noise"/>).</summary>
    Stp.Objectives.PredictionTarget Expects => Stp.Objectives.PredictionTarget.Noise;

    /// <summary>Denoiser calls per step (default 1; Heun's method makes 2).</summary>
    int NetworkCallsPerStep => 1;

    /// <summary>Computes z_s from z_t (s &lt; t, any two points of the trained grid).</summary>
    ReverseStepResult Step(ReverseStepInput input);
}
