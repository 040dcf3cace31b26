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

        var p = new Points(xyz);
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

    private static ConvexHull3D? TryCompute(Points p, double tol)
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
                return new ConvexHull3D(n, 1, Collinear(p, i0, i1, tol), [], tol);
            case 2:
                return new ConvexHull3D(n, 2, Coplanar(p, i0, i1, i2, tol), [], tol);
            default:
                var faces = Quickhull.Run(p, tol, i0, i1, i2, i3);
                if (faces is null) return null;
                return Finish(p, tol, faces);
        }
    }

    private static int[] Collinear(Points p, int i0, int i1, double tol)
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

    private static int[] Coplanar(Points p, int i0, int i1, int i2, double tol)
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
        foreach (var c in chain) set.Add(Canonical(p, c, tol));
        return [.. set];
    }

    /// <summary>The lowest index of a point coinciding (within tol) with point <paramref name="i"/>.</summary>
    private static int Canonical(Points p, int i, double tol)
    {
        double t2 = tol * tol;
        for (int j = 0; j < i; j++)
            if (p.Dist2(i, j) <= t2) return j;
        return i;
    }

    private static ConvexHull3D Finish(Points p, double tol, List<int[]> faces)
    {
        int n = p.Count;
        // Incident faces per vertex (compressed rows).
        var start = new int[n + 1];
        foreach (var f in faces) { start[f[0] + 1]++; start[f[1] + 1]++; start[f[2] + 1]++; }
        for (int v = 0; v < n; v++) start[v + 1] += start[v];
        var incident = new int[start[n]];
        var fill = (int[])start.Clone();
        for (int i = 0; i < faces.Count; i++) { var f = faces[i]; incident[fill[f[0]]++] = i; incident[fill[f[1]]++] = i; incident[fill[f[2]]++] = i; }

        var isCorner = new bool[n];
        var ring = new List<int>(16);
        for (int v = 0; v < n; v++)
        {
            if (start[v + 1] == start[v]) continue;
            // The ring of neighbours of v on the triangulated surface.
            ring.Clear();
            for (int k = start[v]; k < start[v + 1]; k++)
            {
                var f = faces[incident[k]];
                int at = f[0] == v ? 0 : f[1] == v ? 1 : 2;
                int a = f[(at + 1) % 3], b = f[(at + 2) % 3];
                if (!ring.Contains(a)) ring.Add(a);
                if (!ring.Contains(b)) ring.Add(b);
            }
            isCorner[v] = IsCorner(p, tol, v, ring, faces[incident[start[v]]]);
        }

        var vertices = new List<int>();
        var mark = new bool[n];
        for (int v = 0; v < n; v++)
            if (isCorner[v]) mark[Canonical(p, v, tol)] = true;
        for (int v = 0; v < n; v++) if (mark[v]) vertices.Add(v);

        var hullFaces = new HullFace[faces.Count];
        for (int i = 0; i < faces.Count; i++)
            hullFaces[i] = new HullFace(Canonical(p, faces[i][0], tol), Canonical(p, faces[i][1], tol), Canonical(p, faces[i][2], tol));
        return new ConvexHull3D(n, 3, [.. vertices], hullFaces, tol);
    }

    /// <summary>
    /// A surface point is not a corner when its ring of neighbours is flat (it lies inside a planar facet) or when it
    /// lies on a segment between two neighbours (inside a straight edge).
    /// </summary>
    private static bool IsCorner(Points p, double tol, int v, List<int> ring, int[] face)
    {
        var (nx, ny, nz) = p.UnitNormal(face[0], face[1], face[2]);
        double off = nx * p.X[v] + ny * p.Y[v] + nz * p.Z[v];
        bool flat = true;
        foreach (var w in ring)
            if (Math.Abs(nx * p.X[w] + ny * p.Y[w] + nz * p.Z[w] - off) > tol) { flat = false; break; }
        if (flat) return false;

        for (int a = 0; a < ring.Count; a++)
            for (int b = a + 1; b < ring.Count; b++)
            {
                int ia = ring[a], ib = ring[b];
                // Only neighbours on opposite sides of v can hold v between them.
                if ((p.X[ia] - p.X[v]) * (p.X[ib] - p.X[v]) + (p.Y[ia] - p.Y[v]) * (p.Y[ib] - p.Y[v]) + (p.Z[ia] - p.Z[v]) * (p.Z[ib] - p.Z[v]) >= 0) continue;
                double dx = p.X[ib] - p.X[ia], dy = p.Y[ib] - p.Y[ia], dz = p.Z[ib] - p.Z[ia];
                double l2 = dx * dx + dy * dy + dz * dz;
                if (l2 <= tol * tol) continue;
                double wx = p.X[v] - p.X[ia], wy = p.Y[v] - p.Y[ia], wz = p.Z[v] - p.Z[ia];
                double t = (wx * dx + wy * dy + wz * dz) / l2;
                double l = Math.Sqrt(l2);
                if (t * l <= tol || (1 - t) * l <= tol) continue;
                double cx = wy * dz - wz * dy, cy = wz * dx - wx * dz, cz = wx * dy - wy * dx;
                if (Math.Sqrt(cx * cx + cy * cy + cz * cz) / l <= tol) return false;
            }
        return true;
    }

    /// <summary>Coordinates in structure-of-arrays form, shifted to the bounding-box centre for conditioning.</summary>
    private sealed class Points
    {
        public readonly double[] X, Y, Z;
        public readonly int Count;
        public readonly double Extent, Magnitude;

        public Points(ReadOnlySpan<double> xyz)
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
    }

    /// <summary>The full-dimensional case.</summary>
    private static class Quickhull
    {
        private sealed class Face
        {
            public readonly int[] V = new int[3];
            public readonly Face?[] Nb = new Face?[3];
            public double Nx, Ny, Nz, Off;
            public List<int>? Outside;
            public int Far = -1;
            public double FarDist;
            public bool Dead;
            public int Mark;
        }

        private static Face MakeFace(Points p, int a, int b, int c)
        {
            var f = new Face();
            f.V[0] = a; f.V[1] = b; f.V[2] = c;
            var (nx, ny, nz) = p.UnitNormal(a, b, c);
            f.Nx = nx; f.Ny = ny; f.Nz = nz;
            f.Off = (nx * (p.X[a] + p.X[b] + p.X[c]) + ny * (p.Y[a] + p.Y[b] + p.Y[c]) + nz * (p.Z[a] + p.Z[b] + p.Z[c])) / 3;
            return f;
        }

        private static double Dist(Points p, Face f, int i) => f.Nx * p.X[i] + f.Ny * p.Y[i] + f.Nz * p.Z[i] - f.Off;

        private static void AddOutside(Face f, int i, double d)
        {
            (f.Outside ??= []).Add(i);
            if (d > f.FarDist || f.Far < 0) { f.Far = i; f.FarDist = d; }
        }

        /// <summary>Returns the triangles, or null on a topological inconsistency (caller retries coarser).</summary>
        public static List<int[]>? Run(Points p, double tol, int i0, int i1, int i2, int i3)
        {
            int n = p.Count;
            var (nx, ny, nz) = p.UnitNormal(i0, i1, i2);
            double side = nx * (p.X[i3] - p.X[i0]) + ny * (p.Y[i3] - p.Y[i0]) + nz * (p.Z[i3] - p.Z[i0]);
            if (side > 0) (i1, i2) = (i2, i1); // now i3 is below the plane of (i0, i1, i2)
            var faces = new List<Face>
            {
                MakeFace(p, i0, i1, i2),
                MakeFace(p, i0, i3, i1),
                MakeFace(p, i1, i3, i2),
                MakeFace(p, i2, i3, i0),
            };
            foreach (var f in faces)
                for (int k = 0; k < 3; k++)
                {
                    int a = f.V[k], b = f.V[(k + 1) % 3];
                    foreach (var g in faces)
                        for (int j = 0; j < 3; j++)
                            if (g.V[j] == b && g.V[(j + 1) % 3] == a) f.Nb[k] = g;
                    if (f.Nb[k] is null) return null;
                }

            for (int i = 0; i < n; i++)
            {
                if (i == i0 || i == i1 || i == i2 || i == i3) continue;
                foreach (var f in faces)
                {
                    double d = Dist(p, f, i);
                    if (d > tol) { AddOutside(f, i, d); break; }
                }
            }

            var pending = new Stack<Face>();
            foreach (var f in faces) if (f.Outside is not null) pending.Push(f);
            var visible = new List<Face>();
            var horizon = new List<(int A, int B, Face Nb)>();
            var newFaces = new List<Face>();
            var byStart = new Face?[n];
            var byEnd = new Face?[n];
            int stamp = 0;
            int guard = 0, guardMax = 4 * n + 16;

            while (pending.Count > 0)
            {
                var seed = pending.Pop();
                if (seed.Dead || seed.Outside is null || seed.Outside.Count == 0) continue;
                if (++guard > guardMax) return null;
                int eye = seed.Far;
                stamp++;
                visible.Clear(); horizon.Clear(); newFaces.Clear();
                seed.Mark = stamp; visible.Add(seed);
                for (int q = 0; q < visible.Count; q++)
                {
                    var f = visible[q];
                    foreach (var nb in f.Nb)
                    {
                        if (nb!.Mark == stamp) continue;
                        if (Dist(p, nb, eye) > tol) { nb.Mark = stamp; visible.Add(nb); }
                    }
                }
                foreach (var f in visible)
                    for (int k = 0; k < 3; k++)
                        if (f.Nb[k]!.Mark != stamp) horizon.Add((f.V[k], f.V[(k + 1) % 3], f.Nb[k]!));

                foreach (var (a, b, nb) in horizon)
                {
                    var nf = MakeFace(p, a, b, eye);
                    if (nf.Nx == 0 && nf.Ny == 0 && nf.Nz == 0) return null;
                    nf.Nb[0] = nb;
                    int j = -1;
                    for (int k = 0; k < 3; k++) if (nb.V[k] == b && nb.V[(k + 1) % 3] == a) j = k;
                    if (j < 0) return null;
                    nb.Nb[j] = nf;
                    if (byStart[a] is not null || byEnd[b] is not null) return null; // horizon not a simple cycle
                    byStart[a] = nf; byEnd[b] = nf;
                    newFaces.Add(nf);
                }
                foreach (var nf in newFaces)
                {
                    var next = byStart[nf.V[1]];
                    var prev = byEnd[nf.V[0]];
                    if (next is null || prev is null) return null;
                    nf.Nb[1] = next; nf.Nb[2] = prev;
                }
                foreach (var nf in newFaces) { byStart[nf.V[0]] = null; byEnd[nf.V[1]] = null; }
                foreach (var f in visible)
                {
                    f.Dead = true;
                    if (f.Outside is null) continue;
                    foreach (var i in f.Outside)
                    {
                        if (i == eye) continue;
                        foreach (var nf in newFaces)
                        {
                            double d = Dist(p, nf, i);
                            if (d > tol) { AddOutside(nf, i, d); break; }
                        }
                    }
                    f.Outside = null;
                }
                foreach (var nf in newFaces)
                {
                    faces.Add(nf);
                    if (nf.Outside is not null) pending.Push(nf);
                }
                if (faces.Count > 64 * n + 64) faces.RemoveAll(f => f.Dead);
            }

            var result = new List<int[]>();
            foreach (var f in faces) if (!f.Dead) result.Add([f.V[0], f.V[1], f.V[2]]);
            return result;
        }
    }
}
