using Stp.Chemistry;

namespace Stp.Backbones.Radm.Tests;

/// <summary>Seeded synthetic molecules over the QM9 elements (for invariance tests that need no real chemistry).</summary>
internal static class Molecules
{
    private static readonly int[] Elements = [1, 6, 7, 8, 9];

    public static Molecule Random(int atoms, int seed)
    {
        var rng = new Random(seed);
        var z = Enumerable.Range(0, atoms).Select(_ => Elements[rng.Next(Elements.Length)]).ToArray();
        var x = Enumerable.Range(0, 3 * atoms).Select(_ => (rng.NextDouble() - 0.5) * 4).ToArray();
        return new Molecule(z, x);
    }

    public static List<Molecule> Set(params int[] sizes) => sizes.Select((n, i) => Random(n, 100 + i)).ToList();

    /// <summary>The molecule with every position multiplied by the rotation <paramref name="q"/> (row vectors: x q).</summary>
    public static Molecule Rotated(Molecule m, double[,] q)
    {
        var p = new double[m.Positions.Length];
        for (int a = 0; a < m.AtomCount; a++)
            for (int c = 0; c < 3; c++)
                p[3 * a + c] = Enumerable.Range(0, 3).Sum(k => m.Positions[3 * a + k] * q[k, c]);
        return new Molecule(m.AtomicNumbers, p);
    }

    /// <summary>A fixed proper rotation (about the axis (1, 2, 3) by 1.1 rad).</summary>
    public static double[,] Rotation()
    {
        double[] u = [1, 2, 3];
        double norm = Math.Sqrt(u.Sum(v => v * v));
        double x = u[0] / norm, y = u[1] / norm, z = u[2] / norm, a = 1.1, c = Math.Cos(a), s = Math.Sin(a), t = 1 - c;
        return new[,]
        {
            { t * x * x + c, t * x * y - s * z, t * x * z + s * y },
            { t * x * y + s * z, t * y * y + c, t * y * z - s * x },
            { t * x * z - s * y, t * y * z + s * x, t * z * z + c },
        };
    }
}
