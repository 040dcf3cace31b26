namespace Stp.Core.Tests;

/// <summary>
/// The optimal velocity of the linear interpolant z_t = (1 - t) x + t g e for Gaussian data x ~ N(0, v P) (P = the
/// zero-CoM projection) and noise of scale g: v*(z, t) = E[g e - x | z_t = z] = (t g^2 - (1 - t) v) / ((1 - t)^2 v + t^2 g^2) z,
/// and likewise for features h ~ N(0, w I) with unit noise. Derived from Cov(g e - x, z_t) / Var(z_t); not from the code
/// under test.
/// </summary>
internal sealed class AnalyticVelocityDenoiser(int features, Func<int, double> dataVariance, Func<int, double> noiseScale, double featureVariance)
    : LinearAnalyticDenoiser(features)
{
    public static double Coefficient(double t, double v, double g) => (t * g * g - (1 - t) * v) / ((1 - t) * (1 - t) * v + t * t * g * g);

    protected override (double X, double H) Coefficients(double t, int n) =>
        (Coefficient(t, dataVariance(n), noiseScale(n)), Coefficient(t, featureVariance, 1));
}
