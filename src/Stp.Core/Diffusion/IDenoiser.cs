using static TorchSharp.torch;

namespace Stp.Diffusion;

/// <summary>
/// A noise-prediction network: given noisy coordinates z_t^x and features z_t^h of a padded batch at diffusion
/// time t, it predicts the noise (eps_x, eps_h). Backbones (EGNN, GeoLDM's latent EGNN, RADM's DiT, or your own)
/// implement this interface; the codec, the StP prior, training and sampling are the same for all.
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
