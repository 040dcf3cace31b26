using Stp.Codecs;
using Stp.Diffusion;

namespace Stp.Sampling;

/// <summary>Input of <see cref="IReverseStep.Step"/>.</summary>
/// <param name="Zt">The current sample z_t.</param>
/// <param name="Prediction">The denoiser's (projected) prediction at t: eps_hat, or the velocity for flow models.</param>
/// <param name="T">Integer time t of z_t on the trained grid.</param>
/// <param name="S">Integer time s &lt; t of the result.</param>
/// <param name="Schedule">The model's schedule.</param>
/// <param name="DrawNoise">Draws this step's noise (gamma_N-scaled, CoM-free coordinates); call at most once.</param>
/// <param name="Predict">Calls the denoiser again on another latent (zero CoM, masked) at another grid time (multi-stage
/// integrators such as <see cref="HeunStep"/>); null when the caller does not offer it.</param>
public sealed record ReverseStepInput(LatentBatch Zt, DenoiserOutput Prediction, int T, int S, INoiseSchedule Schedule, Func<LatentBatch> DrawNoise,
    Func<LatentBatch, int, DenoiserOutput>? Predict = null);
