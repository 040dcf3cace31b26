using static TorchSharp.torch;

namespace Stp.Backbones.Radm;

/// <summary>A batch after RADM's learned alignment.</summary>
/// <param name="Rotation">The per-molecule rotation R [B, 3, 3] (det +1).</param>
/// <param name="Positions">The aligned coordinates x R [B, N, 3] (row vectors times R; zero CoM, zero on padding).</param>
public sealed record AlignedBatch(Tensor Rotation, Tensor Positions);
