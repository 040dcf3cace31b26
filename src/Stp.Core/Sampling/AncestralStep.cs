using Stp.Runtime;
using Stp.Codecs;
using Stp.Diffusion;

namespace Stp.Sampling;

/// <summary>
/// EDM's ancestral step p(z_s | z_t) (FACTS 1.8), valid between any two grid points s &lt; t:
/// 1. sigma2_{t|s} = -expm1(softplus(gamma_s) - softplus(gamma_t)), alpha_{t|s} = alpha_t / alpha_s;
/// 2. mu = z_t / alpha_{t|s} - sigma2_{t|s} / (alpha_{t|s} sigma_t) eps_hat;
/// 3. z_s = mu + (sigma_{t|s} sigma_s / sigma_t) eps, with eps gamma_N-scaled under StP (the mean formula is unchanged).
/// </summary>
public sealed class AncestralStep : IReverseStep
{
    /// <summary>The step (it has no settings).</summary>
    public static AncestralStep Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "ancestral";

    /// <inheritdoc />
    public bool IsStochastic => true;

    /// <inheritdoc />
    public ReverseStepResult Step(ReverseStepInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var sch = input.Schedule;
        var (sigma2ts, alphats) = NoiseScheduleMath.Transition(sch.Gamma(input.S), sch.Gamma(input.T));
        double sigmaT = sch.Sigma(input.T), sigmaS = sch.Sigma(input.S), alphaT = sch.Alpha(input.T);
        double c = sigma2ts / alphats / sigmaT;
        double stdev = Math.Sqrt(sigma2ts) * sigmaS / sigmaT;
        var noise = input.DrawNoise();
        var z = input.Zt; var eps = input.Prediction;
        var zs = new LatentBatch(z.X.DividedBy(alphats).PlusScaled(eps.NoiseX, -c).PlusScaled(noise.X, stdev),
            z.H.DividedBy(alphats).PlusScaled(eps.NoiseH, -c).PlusScaled(noise.H, stdev));
        var clean = new LatentBatch(z.X.PlusScaled(eps.NoiseX, -sigmaT).DividedBy(alphaT), z.H.PlusScaled(eps.NoiseH, -sigmaT).DividedBy(alphaT));
        return new ReverseStepResult(zs, clean);
    }
}
