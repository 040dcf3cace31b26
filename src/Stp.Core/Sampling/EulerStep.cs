using Stp.Codecs;
using Stp.Objectives;
using Stp.Runtime;

namespace Stp.Sampling;

/// <summary>
/// Euler's method for the flow ODE dz/dt = v(z, t) of a flow-matching model (velocity prediction), from t down to s:
/// z_s = z_t + (s - t) v_hat(z_t, t); one network call per step. The predicted clean sample is z_t - t v_hat. For the
/// linear interpolant this is algebraically DDIM's update. Deterministic: the only randomness is the prior z_1
/// (gamma_N-scaled under StP).
/// </summary>
public sealed class EulerStep : IReverseStep
{
    /// <summary>The step (it has no settings).</summary>
    public static EulerStep Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "euler";

    /// <inheritdoc />
    public bool IsStochastic => false;

    /// <inheritdoc />
    public PredictionTarget Expects => PredictionTarget.Velocity;

    /// <inheritdoc />
    public ReverseStepResult Step(ReverseStepInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        double T = input.Schedule.Timesteps, t = input.T / T, dt = (input.S - input.T) / T;
        var z = input.Zt; var v = input.Prediction;
        var zs = new LatentBatch(z.X.PlusScaled(v.NoiseX, dt), z.H.PlusScaled(v.NoiseH, dt));
        return new ReverseStepResult(zs, PredictedClean(z, v, t));
    }

    internal static LatentBatch PredictedClean(LatentBatch z, Stp.Diffusion.DenoiserOutput v, double t) =>
        new(z.X.PlusScaled(v.NoiseX, -t), z.H.PlusScaled(v.NoiseH, -t));
}
