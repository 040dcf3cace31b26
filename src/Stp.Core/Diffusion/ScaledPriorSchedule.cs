using Stp.Prior;

namespace Stp.Diffusion;

/// <summary>
/// Scaling the Prior (StP) as a decorator of any noise schedule: the alpha/sigma/gamma values are the inner
/// schedule's, and every coordinate-noise term of a molecule with N atoms is multiplied by gamma_N
/// (<see cref="IPriorScaler.PriorScale"/>): the forward process and training target, the prior z_T, each reverse
/// step and the final draw (paper eq. 10). Feature noise is not scaled. No denoiser knows whether StP is on.
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

    /// <summary>gamma_N (the inner schedule's own scale, normally 1, times the prior scale).</summary>
    public double CoordinateNoiseScale(int atomCount)
    {
        double g = PriorScaler.PriorScale(atomCount);
        if (!(g > 0) || !double.IsFinite(g))
            throw new ArgumentOutOfRangeException(nameof(atomCount), atomCount, $"Prior scale gamma_{atomCount} = {g} is not a positive finite number.");
        return Inner.CoordinateNoiseScale(atomCount) * g;
    }

    /// <inheritdoc />
    public override string ToString() => $"StP({Inner})";
}
