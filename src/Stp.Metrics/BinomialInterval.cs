namespace Stp.Metrics;

/// <summary>
/// Confidence intervals for a proportion (molecule stability, validity, ... of n sampled molecules): Wilson's score
/// interval, which stays inside [0, 1] and is sensible at 0 or n successes.
/// </summary>
public static class BinomialInterval
{
    /// <summary>Wilson's interval for <paramref name="successes"/> of <paramref name="trials"/> at the normal quantile
    /// <paramref name="z"/> (1.96: 95%).</summary>
    public static (double Low, double High) Wilson(long successes, long trials, double z = 1.96)
    {
        if (trials < 1) throw new ArgumentOutOfRangeException(nameof(trials), trials, "Need at least one trial.");
        if (successes < 0 || successes > trials) throw new ArgumentOutOfRangeException(nameof(successes), successes, $"Successes must be in 0..{trials}.");
        if (!(z > 0) || !double.IsFinite(z)) throw new ArgumentOutOfRangeException(nameof(z), z, "z must be positive.");
        double n = trials, p = successes / n, z2 = z * z;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
