namespace Stp.Geometry;

/// <summary>
/// The convex hull of a finite set of 3D points, computed with Quickhull and a tolerance relative to the extent of
/// the point cloud. Every input, however degenerate, gives a defined answer; no input throws except a malformed
/// coordinate array.
/// </summary>
/// <remarks>
/// <para>
/// <b>Tolerance.</b> With <c>L</c> the largest side of the axis-aligned bounding box, two points closer than
/// <see cref="Tolerance"/> = <c>relativeTolerance × L</c> coincide, and a point no farther than it from a plane lies
/// on the plane. Points on the hull surface that are not corners (on a face or on an edge) are not vertices.
/// </para>
/// <para><b>Degenerate sets</b> (reported through <see cref="Dimension"/>, the affine dimension of the set):</para>
/// <list type="bullet">
/// <item>No points: no vertices, <see cref="Dimension"/> = -1.</item>
/// <item>Fewer than four points: every point is a vertex (duplicates and collinear triples included), no faces.
/// This matches the convention that small molecules are all "surface".</item>
/// <item>All points coincide (four or more): one vertex, the lowest index.</item>
/// <item>Collinear: the two extreme points along the line.</item>
/// <item>Coplanar: the corners of the 2D convex polygon in that plane; no faces.</item>
/// </list>
/// <para>
/// <b>Duplicates.</b> Of several coincident points at a hull corner, only the lowest index is a vertex.
/// <see cref="VertexIndices"/> is always sorted ascending. For a full-dimensional set, <see cref="Faces"/> is a
/// triangulation of the hull surface with outward orientation; where several points lie on one flat facet, a
/// triangle may have a corner that is not a vertex (a point on that facet or on an edge), but every vertex is a
/// corner of some triangle.
/// </para>
/// </remarks>
public sealed class ConvexHull3D
{
    /// <summary>The default tolerance relative to the point-cloud extent (1e-10).</summary>
    public const double DefaultRelativeTolerance = 1e-10;

    private ConvexHull3D(int pointCount, int dimension, int[] vertices, HullFace[] faces, double tolerance)
    {
        PointCount = pointCount;
        Dimension = dimension;
        VertexIndices = vertices;
        Faces = faces;
        Tolerance = tolerance;
    }

    /// <summary>Number of input points.</summary>
    public int PointCount { get; }

    /// <summary>
    /// Affine dimension of the input within the tolerance: -1 (empty), 0 (all points coincide), 1 (collinear),
    /// 2 (coplanar) or 3.
    /// </summary>
    public int Dimension { get; }

    /// <summary>Indices of the hull vertices (extreme points), ascending.</summary>
    public IReadOnlyList<int> VertexIndices { get; }

    /// <summary>Outward-oriented triangles of the hull surface; empty unless <see cref="Dimension"/> is 3 and there are at least four points.</summary>
    public IReadOnlyList<HullFace> Faces { get; }

    /// <summary>The absolute tolerance (same unit as the coordinates) the hull was computed with.</summary>
    public double Tolerance { get; }

    /// <summary>Computes the hull of points given as a flat array x0, y0, z0, x1, ... (length 3N).</summary>
    /// <param name="xyz">Coordinates, three per point; every value must be finite.</param>
    /// <param name="relativeTolerance">Tolerance relative to the bounding-box extent; must be positive and finite.</param>
    /// <exception cref="ArgumentException">The length is not a multiple of 3, a coordinate is not finite, or the tolerance is invalid.</exception>
    public static ConvexHull3D Compute(ReadOnlySpan<double> xyz, double relativeTolerance = DefaultRelativeTolerance)
    {
        if (xyz.Length % 3 != 0)
            throw new ArgumentException($"Coordinate array length {xyz.Length} is not a multiple of 3.", nameof(xyz));
        if (!(relativeTolerance > 0) || !double.IsFinite(relativeTolerance))
            throw new ArgumentException($"Relative tolerance must be positive and finite, got {relativeTolerance}.", nameof(relativeTolerance));
        foreach (var v in xyz)
            if (!double.IsFinite(v)) throw new ArgumentException("Coordinates must be finite.", nameof(xyz));

        int n = xyz.Length / 3;
        if (n == 0) return new ConvexHull3D(0, -1, [], [], 0);

        var p = new HullPoints(xyz);
        double rel = relativeTolerance;
        while (true)
        {
            double tol = Math.Max(rel * p.Extent, 64 * double.Epsilon);
            tol = Math.Max(tol, 16 * 2.220446049250313e-16 * p.Magnitude);
            var hull = TryCompute(p, tol);
            if (hull is not null) return hull;
            rel *= 100; // numerical trouble: coarsen; at rel >= 1 the set collapses to a degenerate case that cannot fail
        }
    }

    /// <summary>Computes the hull of a list of points.</summary>
    /// <param name="points">The points; every coordinate must be finite.</param>
    /// <param name="relativeTolerance">Tolerance relative to the bounding-box extent.</param>
    /// <exception cref="ArgumentException">A coordinate is not finite or the tolerance is invalid.</exception>
    public static ConvexHull3D Compute(IReadOnlyList<(double X, double Y, double Z)> points, double relativeTolerance = DefaultRelativeTolerance)
    {
        ArgumentNullException.ThrowIfNull(points);
        var flat = new double[3 * points.Count];
        for (int i = 0; i < points.Count; i++) { flat[3 * i] = points[i].X; flat[3 * i + 1] = points[i].Y; flat[3 * i + 2] = points[i].Z; }
        return Compute(flat, relativeTolerance);
    }

    private static ConvexHull3D? TryCompute(HullPoints p, double tol)
    {
        int n = p.Count;

        // Initial simplex from the axis-extreme points.
        Span<int> ext = stackalloc int[6];
        for (int d = 0; d < 3; d++)
        {
            int lo = 0, hi = 0;
            for (int i = 1; i < n; i++)
            {
                if (p.C(i, d) < p.C(lo, d)) lo = i;
                if (p.C(i, d) > p.C(hi, d)) hi = i;
            }
            ext[2 * d] = lo; ext[2 * d + 1] = hi;
        }
        int i0 = 0, i1 = 0; double best = -1;
        for (int a = 0; a < 6; a++)
            for (int b = a + 1; b < 6; b++)
            {
                double d2 = p.Dist2(ext[a], ext[b]);
                if (d2 > best) { best = d2; i0 = ext[a]; i1 = ext[b]; }
            }
        int dim;
        int i2 = -1, i3 = -1;
        if (Math.Sqrt(best) <= tol) dim = 0;
        else
        {
            // Farthest point from the line i0-i1.
            double ux = p.X[i1] - p.X[i0], uy = p.Y[i1] - p.Y[i0], uz = p.Z[i1] - p.Z[i0];
            double ul = Math.Sqrt(ux * ux + uy * uy + uz * uz); ux /= ul; uy /= ul; uz /= ul;
            double bestLine = -1;
            for (int i = 0; i < n; i++)
            {
                double wx = p.X[i] - p.X[i0], wy = p.Y[i] - p.Y[i0], wz = p.Z[i] - p.Z[i0];
                double cx = wy * uz - wz * uy, cy = wz * ux - wx * uz, cz = wx * uy - wy * ux;
                double d2 = cx * cx + cy * cy + cz * cz;
                if (d2 > bestLine) { bestLine = d2; i2 = i; }
            }
            if (Math.Sqrt(bestLine) <= tol) dim = 1;
            else
            {
                var (nx, ny, nz) = p.UnitNormal(i0, i1, i2);
                double off = nx * p.X[i0] + ny * p.Y[i0] + nz * p.Z[i0];
                double bestPlane = -1;
                for (int i = 0; i < n; i++)
                {
                    double d = Math.Abs(nx * p.X[i] + ny * p.Y[i] + nz * p.Z[i] - off);
                    if (d > bestPlane) { bestPlane = d; i3 = i; }
                }
                dim = bestPlane <= tol ? 2 : 3;
            }
        }

        if (n < 4)
        {
            var all = new int[n];
            for (int i = 0; i < n; i++) all[i] = i;
            return new ConvexHull3D(n, dim, all, [], tol);
        }

        switch (dim)
        {
            case 0:
                return new ConvexHull3D(n, 0, [0], [], tol);
            case 1:
                return new ConvexHull3D(n, 1, DegenerateHull.Collinear(p, i0, i1, tol), [], tol);
            case 2:
                return new ConvexHull3D(n, 2, DegenerateHull.Coplanar(p, i0, i1, i2, tol), [], tol);
            default:
                var faces = Quickhull.Run(p, tol, i0, i1, i2, i3);
                if (faces is null) return null;
                var (vertices, hullFaces) = HullCorners.Finish(p, tol, faces);
                return new ConvexHull3D(n, 3, vertices, hullFaces, tol);
        }
    }
}
