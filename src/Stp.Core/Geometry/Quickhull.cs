namespace Stp.Geometry;

/// <summary>Quickhull for the full-dimensional case: an initial tetrahedron grown point by point across its horizon.</summary>
internal static class Quickhull
{
    private static QuickhullFace MakeFace(HullPoints p, int a, int b, int c)
    {
        var f = new QuickhullFace();
        f.V[0] = a; f.V[1] = b; f.V[2] = c;
        var (nx, ny, nz) = p.UnitNormal(a, b, c);
        f.Nx = nx; f.Ny = ny; f.Nz = nz;
        f.Off = (nx * (p.X[a] + p.X[b] + p.X[c]) + ny * (p.Y[a] + p.Y[b] + p.Y[c]) + nz * (p.Z[a] + p.Z[b] + p.Z[c])) / 3;
        return f;
    }

    private static double Dist(HullPoints p, QuickhullFace f, int i) => f.Nx * p.X[i] + f.Ny * p.Y[i] + f.Nz * p.Z[i] - f.Off;

    private static void AddOutside(QuickhullFace f, int i, double d)
    {
        (f.Outside ??= []).Add(i);
        if (d > f.FarDist || f.Far < 0) { f.Far = i; f.FarDist = d; }
    }

    /// <summary>Returns the triangles, or null on a topological inconsistency (caller retries coarser).</summary>
    public static List<int[]>? Run(HullPoints p, double tol, int i0, int i1, int i2, int i3)
    {
        int n = p.Count;
        var (nx, ny, nz) = p.UnitNormal(i0, i1, i2);
        double side = nx * (p.X[i3] - p.X[i0]) + ny * (p.Y[i3] - p.Y[i0]) + nz * (p.Z[i3] - p.Z[i0]);
        if (side > 0) (i1, i2) = (i2, i1); // now i3 is below the plane of (i0, i1, i2)
        var faces = new List<QuickhullFace>
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

        var pending = new Stack<QuickhullFace>();
        foreach (var f in faces) if (f.Outside is not null) pending.Push(f);
        var visible = new List<QuickhullFace>();
        var horizon = new List<(int A, int B, QuickhullFace Nb)>();
        var newFaces = new List<QuickhullFace>();
        var byStart = new QuickhullFace?[n];
        var byEnd = new QuickhullFace?[n];
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
