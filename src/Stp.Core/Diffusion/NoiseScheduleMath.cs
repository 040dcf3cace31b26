namespace Stp.Diffusion;

/// <summary>Numerically careful scalar helpers shared by the schedules and the sampler (float64).</summary>
public static class NoiseScheduleMath
{
    /// <summary>Logistic sigmoid.</summary>
    public static double Sigmoid(double x) => x >= 0 ? 1.0 / (1.0 + Math.Exp(-x)) : Math.Exp(x) / (1.0 + Math.Exp(x));

    /// <summary>softplus(x) = log(1 + e^x).</summary>
    public static double Softplus(double x) => x > 30 ? x : x < -30 ? Math.Exp(x) : Math.Log(1.0 + Math.Exp(x));

    /// <summary>gamma = -(log a2 - log(1 - a2)) for alpha^2 = a2.</summary>
    public static double GammaFromAlpha2(double alpha2) => -(Math.Log(alpha2) - Math.Log(1.0 - alpha2));

    /// <summary>
    /// Transition between integer steps s &lt; t (EDM): sigma2_{t|s} = -expm1(softplus(gamma_s) - softplus(gamma_t)) = 1 - alpha_t^2/alpha_s^2
    /// and alpha_{t|s} = alpha_t / alpha_s.
    /// </summary>
    public static (double Sigma2TGivenS, double AlphaTGivenS) Transition(double gammaS, double gammaT)
    {
        double sigma2 = -ExpM1(Softplus(gammaS) - Softplus(gammaT));
        double alpha = Math.Exp(0.5 * (LogSigmoid(-gammaT) - LogSigmoid(-gammaS)));
        return (sigma2, alpha);
    }

    /// <summary>log(sigmoid(x)).</summary>
    public static double LogSigmoid(double x) => -Softplus(-x);

    /// <summary>exp(x) - 1, accurate for small x.</summary>
    public static double ExpM1(double x) => Math.Abs(x) < 1e-5 ? x + 0.5 * x * x + x * x * x / 6.0 : Math.Exp(x) - 1.0;
}
