using static TorchSharp.torch;

namespace Stp.Codecs;

/// <summary>What a codec decodes a latent batch to.</summary>
/// <param name="Positions">Positions in Angstrom, float32 [B, N, 3], zero on padding.</param>
/// <param name="ClassScores">Atom-class scores [B, N, K] over the codec's vocabulary (logits or one-hot values; the
/// atom class is the argmax over all K classes).</param>
public sealed record DecodedBatch(Tensor Positions, Tensor ClassScores);
