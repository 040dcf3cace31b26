using static TorchSharp.torch;

namespace Stp.Diffusion;

/// <summary>Input of <see cref="IDenoiser.Predict"/>, a padded batch of B molecules with at most N atoms.</summary>
/// <param name="Positions">Noisy coordinates z_t^x, float32 [B, N, 3], zero on padding, zero centre of mass.</param>
/// <param name="Features">Noisy features z_t^h (normalised or latent), float32 [B, N, F], zero on padding.</param>
/// <param name="Time">Continuous diffusion time t = t_int / T in [0, 1], float32 [B].</param>
/// <param name="NodeMask">1 for a real atom, 0 for padding, float32 [B, N, 1]. Real atoms come first.</param>
/// <param name="AtomCounts">Number of real atoms per molecule, int64 [B].</param>
/// <param name="Context">Per-node context (conditioning), float32 [B, N, C], zero on padding; null for unconditional models.</param>
/// <param name="Sizes">
/// The same atom counts on the host, when the caller has them (the sampler and the trainer always do): a denoiser that
/// needs the batch structure on the host (edge lists, padding checks) reads them here instead of copying
/// <paramref name="AtomCounts"/> back from the device, which would synchronise a GPU on every call. Null: read
/// <paramref name="AtomCounts"/>. They must equal <paramref name="AtomCounts"/>.
/// </param>
public sealed record DenoiserInput(Tensor Positions, Tensor Features, Tensor Time, Tensor NodeMask, Tensor AtomCounts, Tensor? Context = null,
    IReadOnlyList<int>? Sizes = null);
