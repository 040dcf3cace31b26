using static TorchSharp.torch;

namespace Stp.Diffusion;

/// <summary>A batch after the forward process: z_t and the noise that made it (all normalised, [B, N, *]).</summary>
/// <param name="Zx">Noisy coordinates z_t^x.</param>
/// <param name="Zh">Noisy features z_t^h.</param>
/// <param name="EpsX">Coordinate noise (gamma_N-scaled under StP, zero CoM) — the training target for x.</param>
/// <param name="EpsH">Feature noise — the training target for h.</param>
public sealed record DiffusedBatch(Tensor Zx, Tensor Zh, Tensor EpsX, Tensor EpsH);
