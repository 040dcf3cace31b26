using Stp.Codecs;
using Stp.Diffusion;

namespace Stp.Sampling;

/// <summary>Input of <see cref="IReverseStep.Step"/>.</summary>
/// <param name="Zt">The current sample z_t.</param>
/// <param name="Prediction">The denoiser's (projected) noise prediction eps_hat at t.</param>
/// <param name="T">Integer time t of z_t on the trained grid.</param>
/// <param name="S">Integer time s &lt; t of the result.</param>
/// <param name="Schedule">The model's schedule.</param>
/// <param name="DrawNoise">Draws this step's noise (gamma_N-scaled, CoM-free coordinates); call at most once.</param>
public sealed record ReverseStepInput(LatentBatch Zt, DenoiserOutput Prediction, int T, int S, INoiseSchedule Schedule, Func<LatentBatch> DrawNoise);
