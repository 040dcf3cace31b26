using Stp.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Stp.Backbones.Radm.Modules;

/// <summary>DiT's adaptive layer norm: a LayerNorm without affine parameters (eps 1e-6), then modulate.</summary>
internal static class AdaptiveNorm
{
    public const double Epsilon = 1e-6;

    /// <summary>LayerNorm(x) (1 + scale) + shift, with x [B, N, H] and per-molecule shift and scale [B, H].</summary>
    public static Tensor Modulate(Tensor x, Tensor shift, Tensor scale)
    {
        using var scope = torch.NewDisposeScope();
        var normed = F.layer_norm(x, new long[] { x.shape[^1] }, eps: Epsilon);
        return torch.addcmul(shift.unsqueeze(1), normed, scale.unsqueeze(1).Plus(1), ScalarOps.One).MoveToOuterDisposeScope();
    }
}
