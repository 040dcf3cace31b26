namespace Stp.Diffusion;

/// <summary>
/// EDM's <c>polynomial_&lt;power&gt;</c> schedule (released: power 2, precision 1e-5, T = 1000):
/// 1. x_k = k (T+1)/T, alpha2_k = (1 - (x_k/(T+1))^power)^2 for k = 0..T;
/// 2. clip the step ratios alpha2_k / alpha2_{k-1} to [0.001, 1] and take the cumulative product (only the last step is clipped);
/// 3. alpha2 = (1 - 2 precision) alpha2 + precision;
/// 4. gamma = -(log alpha2 - log(1 - alpha2)).
/// </summary>
public sealed class PolynomialSchedule : TabulatedSchedule
{
    /// <summary>Creates the schedule.</summary>
    public PolynomialSchedule(int timesteps = 1000, double power = 2.0, double precision = 1e-5)
        : base($"polynomial_{power}", GammaFromAlphas2(Alphas2(timesteps, power, precision)))
    {
        Power = power;
        Precision = precision;
    }

    /// <summary>The released EDM schedule: polynomial_2, precision 1e-5, T = 1000.</summary>
    public static PolynomialSchedule Edm { get; } = new();

    /// <summary>Exponent of the polynomial.</summary>
    public double Power { get; }

    /// <summary>Precision s (alpha^2 stays within [s, 1 - s]).</summary>
    public double Precision { get; }

    /// <summary>alpha_t^2 for t = 0..T, exactly as EDM builds it (float64).</summary>
    public static double[] Alphas2(int timesteps, double power, double precision)
    {
        if (timesteps < 1) throw new ArgumentOutOfRangeException(nameof(timesteps), timesteps, "T must be at least 1.");
        if (!(precision > 0 && precision < 0.5)) throw new ArgumentOutOfRangeException(nameof(precision), precision, "precision must be in (0, 0.5).");
        int steps = timesteps + 1;
        var a2 = new double[steps];
        for (int k = 0; k < steps; k++)
        {
            double x = k * (double)steps / (steps - 1);
            a2[k] = Math.Pow(1.0 - Math.Pow(x / steps, power), 2);
        }
        // clip_noise_schedule(clip_value = 0.001): ratios against a prepended 1, clipped, cumulative product.
        double prev = 1.0, cum = 1.0;
        var clipped = new double[steps];
        for (int k = 0; k < steps; k++)
        {
            double ratio = Math.Clamp(a2[k] / prev, 0.001, 1.0);
            cum *= ratio;
            clipped[k] = cum;
            prev = a2[k];
        }
        for (int k = 0; k < steps; k++) clipped[k] = (1.0 - 2.0 * precision) * clipped[k] + precision;
        return clipped;
    }
}
