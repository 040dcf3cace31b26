using static TorchSharp.torch;

namespace Stp.Backbones.Radm.Modules;

/// <summary>What the aligner computes for a padded batch.</summary>
/// <param name="Features">Rotation-GNN output g on the real atoms [M, nf].</param>
/// <param name="Pooled">Masked mean of g over each molecule's atoms [B, nf] (the rot_head input).</param>
/// <param name="Matrix">rot_head output M reshaped row-major to [B, 3, 3].</param>
/// <param name="Rotation">R = special Procrustes(M) [B, 3, 3].</param>
/// <param name="Positions">x_rot = x R (row vectors times R) [B, N, 3], zero on padding.</param>
internal sealed record RotationAlignment(Tensor Features, Tensor Pooled, Tensor Matrix, Tensor Rotation, Tensor Positions);
