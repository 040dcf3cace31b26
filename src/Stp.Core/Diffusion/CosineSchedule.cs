namespace Stp.Diffusion;

/// <summary>
/// The cosine schedule of Nichol &amp; Dhariwal as EDM builds it (s = 0.008, betas clipped at 0.999):
/// abar(x) = cos(((x/(T+2)) + s)/(1 + s) * pi/2)^2 on T+2 points, normalised by abar(0);
/// beta_k = clip(1 - abar_{k+1}/abar_k, 0, 0.999); alpha2 = cumulative product of (1 - beta), T+1 values.
/// </summary>
public sealed class CosineSchedule : TabulatedSchedule
{
    /// <summary>Creates the schedule.</summary>
    public CosineSchedule(int timesteps = 1000, double s = 0.008)
        : base("cosine", GammaFromAlphas2(Alphas2(timesteps, s)))
    {
        Offset = s;
    }

    /// <summary>The offset s.</summary>
    public double Offset { get; }

    /// <summary>alpha_t^2 for t = 0..T (float64).</summary>
    public static double[] Alphas2(int timesteps, double s)
    {
        if (timesteps < 1) throw new ArgumentOutOfRangeException(nameof(timesteps), timesteps, "T must be at least 1.");
        int steps = timesteps + 2;
        var abar = new double[steps];
        for (int k = 0; k < steps; k++)
        {
            double x = k * (double)steps / (steps - 1);
            double c = Math.Cos(((x / steps) + s) / (1 + s) * Math.PI * 0.5);
            abar[k] = c * c;
        }
        double a0 = abar[0];
        for (int k = 0; k < steps; k++) abar[k] /= a0;
        var alphas2 = new double[timesteps + 1];
        double cum = 1.0;
        for (int k = 0; k <= timesteps; k++)
        {
            double beta = Math.Clamp(1.0 - abar[k + 1] / abar[k], 0.0, 0.999);
            cum *= 1.0 - beta;
            alphas2[k] = cum;
        }
        return alphas2;
    }
}
