namespace Stp.Diffusion;

/// <summary>
/// A noise schedule over T discrete steps (continuous t = t_int / T in [0, 1]), z_t = alpha_t z_0 + sigma_t eps with
/// gamma_t = log(sigma_t^2 / alpha_t^2). By default it is variance preserving: alpha_t = sqrt(sigmoid(-gamma_t)),
/// sigma_t = sqrt(sigmoid(gamma_t)); flow matching's <see cref="LinearInterpolantSchedule"/> overrides alpha and sigma.
/// Values are computed in float64. A schedule knows nothing about molecules: Scaling the Prior is turned on by
/// decorating it (<see cref="ScaledPriorSchedule"/>), and the scale is applied by the run's <see cref="MoleculeNoise"/>.
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
}
