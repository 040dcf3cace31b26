using Stp.Runtime;
using static TorchSharp.torch;

namespace Stp.Diffusion;

/// <summary>Zero-centre-of-mass projection (unweighted masked mean over each molecule's real atoms, as in EDM).</summary>
public static class CenterOfMass
{
    /// <summary>x - masked mean(x), masked. <paramref name="x"/> [B, N, 3], <paramref name="nodeMask"/> [B, N, 1].</summary>
    public static Tensor Remove(Tensor x, Tensor nodeMask)
    {
        using var scope = NewDisposeScope();
        var n = nodeMask.sum(1, keepdim: true).AtLeast(1);
        var mean = (x * nodeMask).sum(1, keepdim: true) / n;
        return ((x - mean) * nodeMask).MoveToOuterDisposeScope();
    }
}
