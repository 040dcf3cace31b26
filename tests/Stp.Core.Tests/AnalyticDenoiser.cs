using Stp.Diffusion;

namespace Stp.Core.Tests;

/// <summary>
/// The Bayes-optimal noise predictor for data x ~ N(0, v_N P) (P = projection on the zero-CoM subspace, in the
/// model's normalised coordinates) and features h ~ N(0, w I), when the coordinate noise of a molecule with N atoms
/// has scale g_N: with z = alpha x + sigma g e, E[g e | z] = sigma g^2 / (alpha^2 v + sigma^2 g^2) z, and
/// E[e_h | z_h] = sigma / (alpha^2 w + sigma^2) z_h.
/// </summary>
internal sealed class AnalyticDenoiser(INoiseSchedule schedule, int features, Func<int, double> dataVariance, Func<int, double> noiseScale, double featureVariance)
    : LinearAnalyticDenoiser(features)
{
    protected override (double X, double H) Coefficients(double t, int n)
    {
        int ti = (int)Math.Round(t * schedule.Timesteps);
        double a = schedule.Alpha(ti), s = schedule.Sigma(ti), g = noiseScale(n), v = dataVariance(n);
        return (s * g * g / (a * a * v + s * s * g * g), s / (a * a * featureVariance + s * s));
    }
}
