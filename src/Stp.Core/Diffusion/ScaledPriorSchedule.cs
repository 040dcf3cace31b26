using Stp.Prior;

namespace Stp.Diffusion;

/// <summary>
/// Scaling the Prior (StP) as a decorator of any noise schedule: alpha, sigma and gamma are the inner schedule's,
/// and the model built on it scales every coordinate-noise term of a molecule with N atoms by gamma_N
/// (<see cref="IPriorScaler.PriorScale"/>): the forward process and training target, the prior z_T, each reverse
/// step and the final draw (paper eq. 10). Feature noise is not scaled, and no denoiser knows whether StP is on.
/// The scaling itself happens in one place, <see cref="MoleculeNoise"/>, so every objective and sampler gets it.
/// </summary>
public sealed class ScaledPriorSchedule : INoiseSchedule
{
    /// <summary>Wraps <paramref name="inner"/> with the prior scale <paramref name="priorScaler"/>.</summary>
    public ScaledPriorSchedule(INoiseSchedule inner, IPriorScaler priorScaler)
    {
        Inner = inner ?? throw new ArgumentNullException(nameof(inner));
        PriorScaler = priorScaler ?? throw new ArgumentNullException(nameof(priorScaler));
    }

    /// <summary>The decorated schedule.</summary>
    public INoiseSchedule Inner { get; }

    /// <summary>gamma_N.</summary>
    public IPriorScaler PriorScaler { get; }

    /// <inheritdoc />
    public int Timesteps => Inner.Timesteps;

    /// <inheritdoc />
    public double Gamma(int t) => Inner.Gamma(t);

    /// <inheritdoc />
    public double Alpha(int t) => Inner.Alpha(t);

    /// <inheritdoc />
    public double Sigma(int t) => Inner.Sigma(t);

    /// <inheritdoc />
    public override string ToString() => $"StP({Inner})";
}
