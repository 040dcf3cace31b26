using Stp.Codecs;

namespace Stp.Diffusion;

/// <summary>A batch after the forward process q(z_t | z_0): z_t and the noise that made it.</summary>
/// <param name="Noisy">z_t.</param>
/// <param name="Noise">eps (eps_x gamma_N-scaled under StP, zero CoM): the epsilon target.</param>
public sealed record DiffusedBatch(LatentBatch Noisy, LatentBatch Noise);
