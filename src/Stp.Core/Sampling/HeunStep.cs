using Stp.Codecs;
using Stp.Objectives;
using Stp.Runtime;

namespace Stp.Sampling;

/// <summary>
/// Heun's method (explicit trapezoid, second order) for the flow ODE of a flow-matching model, from t down to s:
/// z' = z_t + (s - t) v_1 with v_1 = v_hat(z_t, t), then z_s = z_t + (s - t) (v_1 + v_hat(z', s)) / 2. Two network
/// calls per step, including the last one (the velocity is defined at t = 0). Deterministic.
/// </summary>
public sealed class HeunStep : IReverseStep
{
    /// <summary>The step (it has no settings).</summary>
    public static HeunStep Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "heun";

    /// <inheritdoc />
    public bool IsStochastic => false;

    /// <inheritdoc />
    public PredictionTarget Expects => PredictionTarget.Velocity;

    /// <inheritdoc />
    public int NetworkCallsPerStep => 2;

    /// <inheritdoc />
    public ReverseStepResult Step(ReverseStepInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var predict = input.Predict ?? throw new ArgumentException("Heun's method evaluates the network twice per step; the caller must offer ReverseStepInput.Predict.", nameof(input));
        double T = input.Schedule.Timesteps, t = input.T / T, dt = (input.S - input.T) / T;
        var z = input.Zt; var v1 = input.Prediction;
        var euler = new LatentBatch(z.X.PlusScaled(v1.NoiseX, dt), z.H.PlusScaled(v1.NoiseH, dt));
        var v2 = predict(euler, input.S);
        var zs = new LatentBatch(z.X.PlusScaled(v1.NoiseX, dt / 2).PlusScaled(v2.NoiseX, dt / 2),
            z.H.PlusScaled(v1.NoiseH, dt / 2).PlusScaled(v2.NoiseH, dt / 2));
        return new ReverseStepResult(zs, EulerStep.PredictedClean(z, v1, t));
    }
}
