namespace Stp.Geometry;

/// <summary>Coordinates in structure-of-arrays form, shifted to the bounding-box centre for conditioning.</summary>
internal sealed class HullPoints
{
    public readonly double[] X, Y, Z;
    public readonly int Count;
    public readonly double Extent, Magnitude;

    public HullPoints(ReadOnlySpan<double> xyz)
    {
        Count = xyz.Length / 3;
        X = new double[Count]; Y = new double[Count]; Z = new double[Count];
        Span<double> lo = [double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity];
        Span<double> hi = [double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity];
        for (int i = 0; i < Count; i++)
            for (int d = 0; d < 3; d++)
            {
                lo[d] = Math.Min(lo[d], xyz[3 * i + d]);
                hi[d] = Math.Max(hi[d], xyz[3 * i + d]);
            }
        double cx = 0.5 * (lo[0] + hi[0]), cy = 0.5 * (lo[1] + hi[1]), cz = 0.5 * (lo[2] + hi[2]);
        for (int i = 0; i < Count; i++)
        {
            X[i] = xyz[3 * i] - cx; Y[i] = xyz[3 * i + 1] - cy; Z[i] = xyz[3 * i + 2] - cz;
        }
        Extent = Math.Max(hi[0] - lo[0], Math.Max(hi[1] - lo[1], hi[2] - lo[2]));
        Magnitude = 0;
        for (int d = 0; d < 3; d++) Magnitude = Math.Max(Magnitude, Math.Max(Math.Abs(lo[d]), Math.Abs(hi[d])));
    }

    public double C(int i, int d) => d == 0 ? X[i] : d == 1 ? Y[i] : Z[i];

    public double Dist2(int a, int b)
    {
        double dx = X[a] - X[b], dy = Y[a] - Y[b], dz = Z[a] - Z[b];
        return dx * dx + dy * dy + dz * dz;
    }

    /// <summary>Unit normal of (b - a) × (c - a); zero vector when degenerate.</summary>
    public (double, double, double) UnitNormal(int a, int b, int c)
    {
        double ux = X[b] - X[a], uy = Y[b] - Y[a], uz = Z[b] - Z[a];
        double vx = X[c] - X[a], vy = Y[c] - Y[a], vz = Z[c] - Z[a];
        double nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
        double l = Math.Sqrt(nx * nx + ny * ny + nz * nz);
        return l > 0 ? (nx / l, ny / l, nz / l) : (0, 0, 0);
    }

    /// <summary>The lowest index of a point coinciding (within tol) with point <paramref name="i"/>.</summary>
    public int Canonical(int i, double tol)
    {
        double t2 = tol * tol;
        for (int j = 0; j < i; j++)
            if (Dist2(i, j) <= t2) return j;
        return i;
    }
}
