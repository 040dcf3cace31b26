using static TorchSharp.torch;

namespace Stp.Backbones.GeoLdm.Modules;

/// <summary>The encoder's outputs on the real atoms of a batch (compact numbering, one row per real atom).</summary>
/// <param name="X">z_x mean [M, 3]: the EGNN's output coordinates with each molecule's centre of mass removed.</param>
/// <param name="H">z_h mean [M, L]: columns 1..L of the final MLP.</param>
/// <param name="Head">The final MLP's whole output [M, 2 L + 1]: [x log-variance, z_h mean, h log-variance]. The
/// reference computes its std outputs from columns 0 and L+1.. and then discards them (encode() returns a fixed sigma).</param>
internal sealed record EncoderOutput(Tensor X, Tensor H, Tensor Head);
