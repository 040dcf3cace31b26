using Stp.Codecs;

namespace Stp.Sampling;

/// <summary>Result of <see cref="IReverseStep.Step"/>.</summary>
/// <param name="Zs">The sample at time s (the sampler re-projects its coordinates to zero CoM and masks it).</param>
/// <param name="PredictedClean">The predicted clean sample x_hat_0 = (z_t - sigma_t eps_hat) / alpha_t.</param>
public sealed record ReverseStepResult(LatentBatch Zs, LatentBatch PredictedClean);
