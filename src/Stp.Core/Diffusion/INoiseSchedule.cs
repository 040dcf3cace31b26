namespace Stp.Diffusion;

/// <summary>
/// A variance-preserving noise schedule over T discrete steps (continuous t = t_int / T in [0, 1]):
/// gamma_t = log(sigma_t^2 / alpha_t^2), alpha_t = sqrt(sigmoid(-gamma_t)), sigma_t = sqrt(sigmoid(gamma_t)).
/// Values are computed in float64. A schedule may also scale the coordinate noise of each molecule
/// (<see cref="CoordinateNoiseScale"/>): that is how the StP prior (<see cref="ScaledPriorSchedule"/>) decorates any schedule.
/// </summary>
public interface INoiseSchedule
{
    /// <summary>Number of diffusion steps T.</summary>
    int Timesteps { get; }

    /// <summary>gamma at integer step <paramref name="t"/> (0..T).</summary>
    double Gamma(int t);

    /// <summary>alpha_t = sqrt(sigmoid(-gamma_t)).</summary>
    double Alpha(int t) => Math.Sqrt(NoiseScheduleMath.Sigmoid(-Gamma(t)));

    /// <summary>sigma_t = sqrt(sigmoid(gamma_t)).</summary>
    double Sigma(int t) => Math.Sqrt(NoiseScheduleMath.Sigmoid(Gamma(t)));

    /// <summary>
    /// Standard-deviation multiplier of every coordinate-noise draw for a molecule with <paramref name="atomCount"/>
    /// atoms: gamma_N under Scaling the Prior, 1 for a plain schedule. Feature noise is never scaled.
    /// </summary>
    double CoordinateNoiseScale(int atomCount) => 1.0;
}
