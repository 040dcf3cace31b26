namespace Stp.Objectives;

/// <summary>What the denoiser's output means, as fixed by the objective it was trained with.</summary>
public enum PredictionTarget
{
    /// <summary>The noise eps (EDM and every diffusion backbone here); sampled with ancestral or DDIM steps.</summary>
    Noise,

    /// <summary>The velocity dz_t / dt = eps - z_0 of the linear interpolant (flow matching); sampled with Euler or Heun steps.</summary>
    Velocity,
}
