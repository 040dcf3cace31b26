namespace Stp.Geometry;

/// <summary>Which points of a triangulated hull surface are corners (hull vertices) rather than points inside a flat
/// facet or a straight edge.</summary>
internal static class HullCorners
{
    /// <summary>
    /// The hull vertices (corner points, lowest index of each coincident group, ascending) and the faces (corners mapped
    /// to their lowest coincident index) of a Quickhull triangulation.
    /// </summary>
    public static (int[] Vertices, HullFace[] Faces) Finish(HullPoints p, double tol, List<int[]> faces)
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
            if (isCorner[v]) mark[p.Canonical(v, tol)] = true;
        for (int v = 0; v < n; v++) if (mark[v]) vertices.Add(v);

        var hullFaces = new HullFace[faces.Count];
        for (int i = 0; i < faces.Count; i++)
            hullFaces[i] = new HullFace(p.Canonical(faces[i][0], tol), p.Canonical(faces[i][1], tol), p.Canonical(faces[i][2], tol));
        return ([.. vertices], hullFaces);
    }

    /// <summary>
    /// A surface point is not a corner when its ring of neighbours is flat (it lies inside a planar facet) or when it
    /// lies on a segment between two neighbours (inside a straight edge).
    /// </summary>
    private static bool IsCorner(HullPoints p, double tol, int v, List<int> ring, int[] face)
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
}
