namespace Stp.Backbones.Radm;

/// <summary>RADM's two training stages, which decide what a <see cref="RadmCodec"/> trains and what loss it adds.</summary>
public enum RadmStage
{
    /// <summary>
    /// Stage 1: the aligner (rotation GNN and head) and the GNN decoder are trained end to end on the rotated
    /// coordinates through the frozen encoder; the codec adds the autoencoder loss (<see cref="AutoencoderObjective"/>).
    /// </summary>
    Autoencoder,
    /// <summary>Stage 2: the whole autoencoder is frozen; only the latent denoiser is trained (EDM's epsilon objective).</summary>
    Diffusion,
}
