using Stp.Chemistry;
using Stp.Geometry;

namespace Stp.Prior;

/// <summary>
/// The spatial scale of a molecule, paper eq. 11: s(x) = (1/|Hull(x)|) Σ_{v ∈ Hull(x)} ‖v‖₂ for zero-mean x, i.e. the
/// mean distance of the convex-hull vertices (atoms) from the centre of mass, where the centre of mass is the
/// unweighted mean of all atom positions (as in EDM), not of the hull vertices only.
/// </summary>
/// <remarks>
/// The hull is <see cref="ConvexHull3D"/>. Molecules with fewer than four atoms use every atom (a single atom has
/// scale 0). Planar and linear molecules (no 3D hull within the tolerance) follow <see cref="DegenerateHullRule"/>:
/// every atom by default, which is what reproduces the published tables.
/// </remarks>
public static class MolecularScale
{
    /// <summary>s(x) of a molecule.</summary>
    /// <param name="molecule">The molecule (it need not be centred).</param>
    /// <param name="relativeHullTolerance">Hull tolerance relative to the molecule's extent.</param>
    /// <param name="degenerate">Which atoms count for planar or linear molecules.</param>
    public static double Compute(Molecule molecule, double relativeHullTolerance = ConvexHull3D.DefaultRelativeTolerance,
        DegenerateHullRule degenerate = DegenerateHullRule.AllAtoms)
    {
        ArgumentNullException.ThrowIfNull(molecule);
        return Compute(molecule.Positions, relativeHullTolerance, degenerate);
    }

    /// <summary>s(x) of positions given flat as x0, y0, z0, x1, ... (length 3N, N ≥ 1).</summary>
    /// <param name="positions">Atom positions; every value must be finite.</param>
    /// <param name="relativeHullTolerance">Hull tolerance relative to the extent of the positions.</param>
    /// <param name="degenerate">Which atoms count for planar or linear molecules.</param>
    /// <exception cref="ArgumentException">No atoms, a length that is not a multiple of 3, or non-finite values.</exception>
    public static double Compute(ReadOnlySpan<double> positions, double relativeHullTolerance = ConvexHull3D.DefaultRelativeTolerance,
        DegenerateHullRule degenerate = DegenerateHullRule.AllAtoms)
    {
        if (positions.Length == 0 || positions.Length % 3 != 0)
            throw new ArgumentException($"Expected 3N > 0 coordinates, got {positions.Length}.", nameof(positions));
        int n = positions.Length / 3;
        double cx = 0, cy = 0, cz = 0;
        for (int i = 0; i < n; i++) { cx += positions[3 * i]; cy += positions[3 * i + 1]; cz += positions[3 * i + 2]; }
        cx /= n; cy /= n; cz /= n;
        var hull = ConvexHull3D.Compute(positions, relativeHullTolerance);
        bool all = hull.Dimension < 3 && degenerate == DegenerateHullRule.AllAtoms;
        int count = all ? n : hull.VertexIndices.Count;
        double sum = 0;
        for (int k = 0; k < count; k++)
        {
            int v = all ? k : hull.VertexIndices[k];
            double dx = positions[3 * v] - cx, dy = positions[3 * v + 1] - cy, dz = positions[3 * v + 2] - cz;
            sum += Math.Sqrt(dx * dx + dy * dy + dz * dz);
        }
        return sum / count;
    }

    /// <summary>s(x) of every molecule, computed in parallel; element i belongs to molecule i.</summary>
    /// <param name="molecules">The molecules.</param>
    /// <param name="relativeHullTolerance">Hull tolerance relative to each molecule's extent.</param>
    /// <param name="degenerate">Which atoms count for planar or linear molecules.</param>
    public static double[] ComputeAll(IReadOnlyList<Molecule> molecules, double relativeHullTolerance = ConvexHull3D.DefaultRelativeTolerance,
        DegenerateHullRule degenerate = DegenerateHullRule.AllAtoms)
    {
        ArgumentNullException.ThrowIfNull(molecules);
        var result = new double[molecules.Count];
        Parallel.For(0, molecules.Count, i => result[i] = Compute(molecules[i], relativeHullTolerance, degenerate));
        return result;
    }
}
