namespace Stp.Geometry;

/// <summary>Hull vertices of the lower-dimensional sets: collinear (the two extremes) and coplanar (the corners of the
/// 2D convex polygon).</summary>
internal static class DegenerateHull
{
    /// <summary>The two extreme points along the line through <paramref name="i0"/> and <paramref name="i1"/>, lowest
    /// index of each coincident group, ascending.</summary>
    public static int[] Collinear(HullPoints p, int i0, int i1, double tol)
    {
        double ux = p.X[i1] - p.X[i0], uy = p.Y[i1] - p.Y[i0], uz = p.Z[i1] - p.Z[i0];
        double ul = Math.Sqrt(ux * ux + uy * uy + uz * uz); ux /= ul; uy /= ul; uz /= ul;
        var t = new double[p.Count];
        double tmin = double.PositiveInfinity, tmax = double.NegativeInfinity;
        for (int i = 0; i < p.Count; i++)
        {
            t[i] = ux * p.X[i] + uy * p.Y[i] + uz * p.Z[i];
            tmin = Math.Min(tmin, t[i]); tmax = Math.Max(tmax, t[i]);
        }
        int a = -1, b = -1;
        for (int i = 0; i < p.Count; i++)
        {
            if (a < 0 && t[i] <= tmin + tol) a = i;
            if (b < 0 && t[i] >= tmax - tol) b = i;
        }
        return a < b ? [a, b] : [b, a];
    }

    public static int[] Coplanar(HullPoints p, int i0, int i1, int i2, double tol)
    {
        int n = p.Count;
        var (nx, ny, nz) = p.UnitNormal(i0, i1, i2);
        double ux = p.X[i1] - p.X[i0], uy = p.Y[i1] - p.Y[i0], uz = p.Z[i1] - p.Z[i0];
        double ul = Math.Sqrt(ux * ux + uy * uy + uz * uz); ux /= ul; uy /= ul; uz /= ul;
        double vx = ny * uz - nz * uy, vy = nz * ux - nx * uz, vz = nx * uy - ny * ux;
        var u2 = new double[n]; var v2 = new double[n]; var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            u2[i] = ux * p.X[i] + uy * p.Y[i] + uz * p.Z[i];
            v2[i] = vx * p.X[i] + vy * p.Y[i] + vz * p.Z[i];
            order[i] = i;
        }
        Array.Sort(order, (a, b) => u2[a] != u2[b] ? u2[a].CompareTo(u2[b]) : v2[a] != v2[b] ? v2[a].CompareTo(v2[b]) : a.CompareTo(b));

        // Andrew's monotone chain; the middle point b is kept only for a strict left turn a -> b -> c
        // (b more than tol to the right of the directed line a -> c).
        bool KeepMiddle(int a, int b, int c)
        {
            double acx = u2[c] - u2[a], acy = v2[c] - v2[a];
            double abx = u2[b] - u2[a], aby = v2[b] - v2[a];
            double len = Math.Sqrt(acx * acx + acy * acy);
            if (len <= tol) return false;
            return (abx * acy - aby * acx) / len > tol;
        }
        var chain = new List<int>(2 * n);
        for (int pass = 0; pass < 2; pass++)
        {
            int start = chain.Count;
            for (int k = 0; k < n; k++)
            {
                int c = pass == 0 ? order[k] : order[n - 1 - k];
                while (chain.Count - start >= 2 && !KeepMiddle(chain[^2], chain[^1], c)) chain.RemoveAt(chain.Count - 1);
                chain.Add(c);
            }
            chain.RemoveAt(chain.Count - 1);
        }
        var set = new SortedSet<int>();
        foreach (var c in chain) set.Add(p.Canonical(c, tol));
        return [.. set];
    }
}
