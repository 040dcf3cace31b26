namespace Stp.Diffusion;

/// <summary>
/// The path of flow matching (rectified flow / conditional OT): z_t = (1 - t) z_0 + t eps, i.e. alpha_t = 1 - t and
/// sigma_t = t with t = t_int / T. It is not variance preserving, so it overrides alpha and sigma;
/// gamma_t = log(sigma_t^2 / alpha_t^2) is -inf at t = 0 and +inf at t = T. T only sets the grid that sampling steps
/// are chosen from (<see cref="Stp.Sampling.TimestepGrid"/>); training draws continuous t
/// (<see cref="Stp.Objectives.FlowMatchingObjective"/>). Use it with the flow-matching objective and the
/// <see cref="Stp.Sampling.EulerStep"/> / <see cref="Stp.Sampling.HeunStep"/> integrators. Under StP the prior's
/// coordinate noise is gamma_N-scaled exactly as for diffusion (<see cref="ScaledPriorSchedule"/>).
/// </summary>
public sealed class LinearInterpolantSchedule : INoiseSchedule
{
    /// <summary>The path with a grid of <paramref name="timesteps"/> steps (default 1000).</summary>
    public LinearInterpolantSchedule(int timesteps = 1000)
    {
        if (timesteps < 1) throw new ArgumentOutOfRangeException(nameof(timesteps), timesteps, "Need at least one step.");
        Timesteps = timesteps;
    }

    /// <summary>The path on a 1000-step grid.</summary>
    public static LinearInterpolantSchedule Default { get; } = new();

    /// <inheritdoc />
    public int Timesteps { get; }

    /// <inheritdoc />
    public double Gamma(int t) => 2 * Math.Log(Sigma(t) / Alpha(t));

    /// <summary>alpha_t = 1 - t / T.</summary>
    public double Alpha(int t) => 1 - (double)Check(t) / Timesteps;

    /// <summary>sigma_t = t / T.</summary>
    public double Sigma(int t) => (double)Check(t) / Timesteps;

    private int Check(int t) => t >= 0 && t <= Timesteps ? t : throw new ArgumentOutOfRangeException(nameof(t), t, $"Time step outside 0..{Timesteps}.");

    /// <inheritdoc />
    public override string ToString() => $"linear interpolant (T = {Timesteps})";
}
