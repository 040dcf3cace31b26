using Stp.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Radm;

/// <summary>
/// The special Procrustes projection onto SO(3) that RADM's aligner uses (roma's <c>special_procrustes</c>, FACTS 4.1
/// and fixtures README section 6): with the SVD M = U diag(S) V^T, R = U diag(1, 1, s) V^T, s = sign(det(U) det(V^T))
/// = sign(det M). R is the proper rotation nearest to M in the Frobenius norm; it does not depend on the signs the SVD
/// routine picks for the singular vectors (distinct singular values assumed). Differentiable through libtorch's SVD.
/// </summary>
public static class SpecialProcrustes
{
    /// <summary>Projects every 3x3 matrix of <paramref name="m"/> [..., 3, 3] (float32 or float64) onto SO(3).</summary>
    /// <exception cref="ArgumentException">The last two dimensions are not 3 x 3.</exception>
    public static Tensor Project(Tensor m)
    {
        ArgumentNullException.ThrowIfNull(m);
        if (m.dim() < 2 || m.shape[^1] != 3 || m.shape[^2] != 3)
            throw new ArgumentException($"Special Procrustes needs matrices [..., 3, 3]; got [{string.Join(", ", m.shape)}].", nameof(m));
        using var scope = torch.NewDisposeScope();
        var (u, _, vh) = torch.linalg.svd(m, fullMatrices: false);
        using var zero = 0.ToScalar();
        var flip = (torch.linalg.det(u) * torch.linalg.det(vh)).lt(zero);
        var last = torch.where(flip, -torch.ones_like(flip, dtype: m.dtype), torch.ones_like(flip, dtype: m.dtype));
        var ones = torch.ones_like(last);
        var diag = torch.stack([ones, ones, last], -1).unsqueeze(-2);
        return (u * diag).matmul(vh).MoveToOuterDisposeScope();
    }

    /// <summary>Whether the determinant correction applies to each matrix (det M &lt; 0), as a bool tensor [...].</summary>
    public static Tensor NeedsFlip(Tensor m)
    {
        ArgumentNullException.ThrowIfNull(m);
        using var d = torch.linalg.det(m);
        return d < 0;
    }
}
