using static TorchSharp.torch;

namespace Stp.Codecs;

/// <summary>A padded batch in the diffusion space: coordinates z_x [B, N, 3] (zero CoM) and features z_h [B, N, L].</summary>
/// <param name="X">Coordinates (always 3-D, so the StP prior applies to them unchanged).</param>
/// <param name="H">Features (EDM: normalised one-hot and Z; latent codecs: L latent channels).</param>
public sealed record LatentBatch(Tensor X, Tensor H);
