using Stp.Runtime;
using Stp.Codecs;

namespace Stp.Sampling;

/// <summary>
/// The deterministic DDIM step (eta = 0) of the StP authors' <c>sample_p_zs_given_zt_ddim</c> (FACTS 7):
/// 1. x_hat_0 = (z_t - sigma_t eps_hat) / alpha_t;
/// 2. z_s = alpha_s x_hat_0 + sigma_s eps_hat.
/// Under StP the predicted noise is the gamma_N-scaled one, so no extra factor appears; the only randomness of a DDIM
/// run is the prior z_T (the final step returns the mean too).
/// </summary>
public sealed class DdimStep : IReverseStep
{
    /// <summary>The step (it has no settings).</summary>
    public static DdimStep Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "ddim";

    /// <inheritdoc />
    public bool IsStochastic => false;

    /// <inheritdoc />
    public ReverseStepResult Step(ReverseStepInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var sch = input.Schedule;
        double alphaT = sch.Alpha(input.T), sigmaT = sch.Sigma(input.T), alphaS = sch.Alpha(input.S), sigmaS = sch.Sigma(input.S);
        var z = input.Zt; var eps = input.Prediction;
        var clean = new LatentBatch(z.X.PlusScaled(eps.NoiseX, -sigmaT).DividedBy(alphaT), z.H.PlusScaled(eps.NoiseH, -sigmaT).DividedBy(alphaT));
        var zs = new LatentBatch(clean.X.Times(alphaS).PlusScaled(eps.NoiseX, sigmaS), clean.H.Times(alphaS).PlusScaled(eps.NoiseH, sigmaS));
        return new ReverseStepResult(zs, clean);
    }
}
