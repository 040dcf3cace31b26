using NUnit.Framework;
using Stp.Chemistry;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.GeoLdm.Tests;

/// <summary>Random orthogonal transforms for the equivariance tests.</summary>
internal static class Rotations
{
    /// <summary>A random orthogonal 3x3 matrix (QR of a Gaussian, sign-fixed), float64; a reflection when <paramref name="reflect"/>.</summary>
    public static double[,] Random(int seed, bool reflect)
    {
        using var scope = torch.NewDisposeScope();
        var gen = new Generator((ulong)seed);
        var (q, r) = torch.linalg.qr(torch.randn(3, 3, dtype: ScalarType.Float64, generator: gen));
        q = q * r.diagonal().sign().unsqueeze(0);
        if ((torch.linalg.det(q).item<double>() < 0) != reflect) q = q * torch.tensor(new double[] { -1, 1, 1 }).unsqueeze(0);
        Assert.That(torch.linalg.det(q).item<double>(), Is.EqualTo(reflect ? -1.0 : 1.0).Within(1e-9));
        var v = q.data<double>().ToArray();
        var m = new double[3, 3];
        for (int i = 0; i < 9; i++) m[i / 3, i % 3] = v[i];
        return m;
    }

    /// <summary>x -> Q x + shift for every atom.</summary>
    public static Molecule Apply(Molecule m, double[,] q, (double X, double Y, double Z) shift)
    {
        var p = new double[m.Positions.Length];
        for (int a = 0; a < m.AtomCount; a++)
            for (int i = 0; i < 3; i++)
                p[3 * a + i] = q[i, 0] * m.Positions[3 * a] + q[i, 1] * m.Positions[3 * a + 1] + q[i, 2] * m.Positions[3 * a + 2]
                    + (i == 0 ? shift.X : i == 1 ? shift.Y : shift.Z);
        return new Molecule(m.AtomicNumbers, p, m.Properties);
    }

    /// <summary>Rows x of a [B, N, 3] tensor mapped to Q x.</summary>
    public static Tensor Rotate(Tensor x, double[,] q)
    {
        var flat = new float[9];
        for (int i = 0; i < 9; i++) flat[i] = (float)q[i / 3, i % 3];
        using var qt = torch.tensor(flat, new long[] { 3, 3 });
        return x.matmul(qt.t());
    }
}
