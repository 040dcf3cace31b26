using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Diffusion;

/// <summary>
/// A noise-prediction network: given noisy coordinates z_t^x and features z_t^h of a padded batch at diffusion
/// time t, it predicts the noise (eps_x, eps_h). Backbones (EGNN, GeoLDM's latent EGNN, RADM's DiT, or your own)
/// implement this interface; the diffusion engine, the StP prior, training and sampling are the same for all.
/// A denoiser never knows whether StP is on.
/// </summary>
public interface IDenoiser
{
    /// <summary>The trainable module (parameters, state dict, train/eval mode, device moves).</summary>
    nn.Module Module { get; }

    /// <summary>Number of node feature channels F the denoiser expects in <see cref="DenoiserInput.Features"/>.</summary>
    int FeatureCount { get; }

    /// <summary>Number of context channels (0 for unconditional models).</summary>
    int ContextCount { get; }

    /// <summary>
    /// Predicts the noise. Contract: the returned eps_x is zero on padding slots and has zero mean over each
    /// molecule's real atoms (the engine projects again anyway); eps_h is zero on padding slots.
    /// </summary>
    DenoiserOutput Predict(DenoiserInput input);
}

/// <summary>Input of <see cref="IDenoiser.Predict"/>, a padded batch of B molecules with at most N atoms.</summary>
/// <param name="Positions">Noisy coordinates z_t^x, float32 [B, N, 3], zero on padding, zero centre of mass.</param>
/// <param name="Features">Noisy (normalised) features z_t^h, float32 [B, N, F], zero on padding.</param>
/// <param name="Time">Continuous diffusion time t = t_int / T in [0, 1], float32 [B].</param>
/// <param name="NodeMask">1 for a real atom, 0 for padding, float32 [B, N, 1]. Real atoms come first.</param>
/// <param name="AtomCounts">Number of real atoms per molecule, int64 [B].</param>
/// <param name="Context">Optional per-node context (conditioning), float32 [B, N, C], zero on padding.</param>
public sealed record DenoiserInput(Tensor Positions, Tensor Features, Tensor Time, Tensor NodeMask, Tensor AtomCounts, Tensor? Context = null);

/// <summary>Output of <see cref="IDenoiser.Predict"/>: predicted noise for coordinates [B, N, 3] and features [B, N, F].</summary>
public sealed record DenoiserOutput(Tensor NoiseX, Tensor NoiseH);
