using static TorchSharp.torch;

namespace Stp.Diffusion;

/// <summary>Output of <see cref="IDenoiser.Predict"/>: predicted noise for coordinates [B, N, 3] and features [B, N, F].</summary>
/// <param name="NoiseX">eps_hat_x.</param>
/// <param name="NoiseH">eps_hat_h.</param>
public sealed record DenoiserOutput(Tensor NoiseX, Tensor NoiseH);
