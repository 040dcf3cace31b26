using NUnit.Framework;
using Stp.Geometry;

namespace Stp.Core.Tests;

public class ConvexHullTests
{
    private static double[] Flat(IEnumerable<(double X, double Y, double Z)> pts) =>
        pts.SelectMany(p => new[] { p.X, p.Y, p.Z }).ToArray();

    private static IEnumerable<(double, double, double)> CubeCorners(double s = 1)
    {
        for (int i = 0; i < 8; i++) yield return ((i & 1) * s, ((i >> 1) & 1) * s, ((i >> 2) & 1) * s);
    }

    /// <summary>Every point lies on the inner side of every face; every face is non-degenerate.</summary>
    private static void AssertContainsAll(double[] xyz, ConvexHull3D hull, double slack = 1e-9)
    {
        int n = xyz.Length / 3;
        foreach (var f in hull.Faces)
        {
            var (nx, ny, nz, off) = Plane(xyz, f);
            if (!(Math.Abs(Math.Sqrt(nx * nx + ny * ny + nz * nz) - 1) < 1e-9)) Assert.Fail($"degenerate face {f}");
            for (int i = 0; i < n; i++)
            {
                double d = nx * xyz[3 * i] + ny * xyz[3 * i + 1] + nz * xyz[3 * i + 2] - off;
                if (d > slack) Assert.Fail($"point {i} is {d} outside face {f}");
            }
        }
    }

    private static (double, double, double, double) Plane(double[] xyz, HullFace f)
    {
        double ax = xyz[3 * f.A], ay = xyz[3 * f.A + 1], az = xyz[3 * f.A + 2];
        double ux = xyz[3 * f.B] - ax, uy = xyz[3 * f.B + 1] - ay, uz = xyz[3 * f.B + 2] - az;
        double vx = xyz[3 * f.C] - ax, vy = xyz[3 * f.C + 1] - ay, vz = xyz[3 * f.C + 2] - az;
        double nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
        double l = Math.Sqrt(nx * nx + ny * ny + nz * nz);
        nx /= l; ny /= l; nz /= l;
        return (nx, ny, nz, nx * ax + ny * ay + nz * az);
    }

    /// <summary>Each vertex is the unique maximiser of the sum of its incident face normals.</summary>
    private static void AssertVerticesExtreme(double[] xyz, ConvexHull3D hull)
    {
        int n = xyz.Length / 3;
        foreach (var v in hull.VertexIndices)
        {
            double wx = 0, wy = 0, wz = 0;
            foreach (var f in hull.Faces.Where(f => f.A == v || f.B == v || f.C == v))
            {
                var (nx, ny, nz, _) = Plane(xyz, f);
                wx += nx; wy += ny; wz += nz;
            }
            double pv = wx * xyz[3 * v] + wy * xyz[3 * v + 1] + wz * xyz[3 * v + 2];
            for (int i = 0; i < n; i++)
            {
                if (i == v) continue;
                if (!(wx * xyz[3 * i] + wy * xyz[3 * i + 1] + wz * xyz[3 * i + 2] < pv - 1e-12)) Assert.Fail($"vertex {v} not extreme (point {i})");
            }
        }
    }

    /// <summary>O(N^4) reference for points in general position: i is a vertex iff it is a corner of a supporting triangle.</summary>
    private static SortedSet<int> BruteForceVertices(double[] xyz)
    {
        int n = xyz.Length / 3;
        var result = new SortedSet<int>();
        for (int a = 0; a < n; a++)
            for (int b = a + 1; b < n; b++)
                for (int c = b + 1; c < n; c++)
                {
                    var (nx, ny, nz, off) = Plane(xyz, new HullFace(a, b, c));
                    bool pos = false, neg = false;
                    for (int i = 0; i < n && !(pos && neg); i++)
                    {
                        double d = nx * xyz[3 * i] + ny * xyz[3 * i + 1] + nz * xyz[3 * i + 2] - off;
                        if (d > 1e-12) pos = true;
                        if (d < -1e-12) neg = true;
                    }
                    if (!(pos && neg)) { result.Add(a); result.Add(b); result.Add(c); }
                }
        return result;
    }

    [Test]
    public void CubeWithInteriorPointsHasEightVertices()
    {
        var rng = new Random(1);
        var pts = CubeCorners(2).Concat(Enumerable.Range(0, 200).Select(_ => (0.1 + 1.8 * rng.NextDouble(), 0.1 + 1.8 * rng.NextDouble(), 0.1 + 1.8 * rng.NextDouble()))).ToList();
        // Shuffle so that the corners are not the first indices.
        var perm = pts.Select((p, i) => (p, k: rng.Next())).OrderBy(t => t.k).Select(t => t.p).ToList();
        var xyz = Flat(perm);
        var hull = ConvexHull3D.Compute(xyz);
        Assert.That(hull.Dimension, Is.EqualTo(3));
        Assert.That(hull.VertexIndices, Has.Count.EqualTo(8));
        Assert.That(hull.Faces, Has.Count.EqualTo(12));
        foreach (var v in hull.VertexIndices)
            Assert.That(new[] { xyz[3 * v], xyz[3 * v + 1], xyz[3 * v + 2] }, Has.All.EqualTo(0).Or.EqualTo(2));
        AssertContainsAll(xyz, hull);
        AssertVerticesExtreme(xyz, hull);
    }

    [Test]
    public void CubeLatticeReportsOnlyCorners()
    {
        // 5x5x5 grid: many points on faces and edges, which must not be vertices.
        var pts = new List<(double, double, double)>();
        for (int i = 0; i < 5; i++) for (int j = 0; j < 5; j++) for (int k = 0; k < 5; k++) pts.Add((i, j, k));
        var rng = new Random(3);
        pts = pts.OrderBy(_ => rng.Next()).ToList();
        var xyz = Flat(pts);
        var hull = ConvexHull3D.Compute(xyz);
        Assert.That(hull.VertexIndices, Has.Count.EqualTo(8));
        foreach (var v in hull.VertexIndices)
            Assert.That(new[] { xyz[3 * v], xyz[3 * v + 1], xyz[3 * v + 2] }, Has.All.EqualTo(0).Or.EqualTo(4));
        AssertContainsAll(xyz, hull);
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void RandomPointsMatchBruteForce(int seed)
    {
        var rng = new Random(seed);
        var xyz = Enumerable.Range(0, 3 * 40).Select(_ => rng.NextDouble() * 10 - 5).ToArray();
        var hull = ConvexHull3D.Compute(xyz);
        Assert.That(hull.VertexIndices, Is.EquivalentTo(BruteForceVertices(xyz)));
        AssertContainsAll(xyz, hull);
        AssertVerticesExtreme(xyz, hull);
        // Euler: a triangulated sphere has F = 2V - 4 when every triangle corner is a vertex.
        Assert.That(hull.Faces, Has.Count.EqualTo(2 * hull.VertexIndices.Count - 4));
    }

    [Test]
    public void ManyRandomPointsInBallAndOnSphere()
    {
        var rng = new Random(7);
        var pts = new List<(double, double, double)>();
        for (int i = 0; i < 3000; i++)
        {
            double x = Gauss(rng), y = Gauss(rng), z = Gauss(rng), r = Math.Sqrt(x * x + y * y + z * z);
            pts.Add(i % 3 == 0 ? (x / r, y / r, z / r) : (0.9 * x / r * rng.NextDouble(), 0.9 * y / r * rng.NextDouble(), 0.9 * z / r * rng.NextDouble()));
        }
        var xyz = Flat(pts);
        var hull = ConvexHull3D.Compute(xyz);
        Assert.That(hull.VertexIndices, Has.Count.EqualTo(1000), "every sphere point is a vertex, no ball point is");
        Assert.That(hull.VertexIndices.All(v => v % 3 == 0));
        AssertContainsAll(xyz, hull);
        AssertVerticesExtreme(xyz, hull);
    }

    private static double Gauss(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    [Test]
    public void Tetrahedron()
    {
        var xyz = new double[] { 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1 };
        var hull = ConvexHull3D.Compute(xyz);
        Assert.That(hull.Dimension, Is.EqualTo(3));
        Assert.That(hull.VertexIndices, Is.EqualTo(new[] { 0, 1, 2, 3 }));
        Assert.That(hull.Faces, Has.Count.EqualTo(4));
        AssertContainsAll(xyz, hull);
    }

    [Test]
    public void TetrahedronWithCentreAndDuplicates()
    {
        var xyz = new double[] { 0.25, 0.25, 0.25, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0 };
        var hull = ConvexHull3D.Compute(xyz);
        Assert.That(hull.VertexIndices, Is.EqualTo(new[] { 1, 2, 4, 5 }), "lowest index of each duplicated corner");
        AssertContainsAll(xyz, hull);
    }

    [Test]
    public void CoplanarSquareGridGivesPolygonCorners()
    {
        // A 4x4 grid in a tilted plane: the four corners only.
        var pts = new List<(double, double, double)>();
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
            {
                double u = i, v = j;
                pts.Add((u * 0.6 + v * 0.0 + 1, u * 0.8 * 0.5 + v * Math.Sqrt(0.75), -u * 0.8 * Math.Sqrt(0.75) + v * 0.5 + 3));
            }
        var hull = ConvexHull3D.Compute(Flat(pts));
        Assert.That(hull.Dimension, Is.EqualTo(2));
        Assert.That(hull.VertexIndices, Is.EqualTo(new[] { 0, 3, 12, 15 }));
        Assert.That(hull.Faces, Is.Empty);
    }

    [Test]
    public void CoplanarHexagonWithCentre()
    {
        var pts = Enumerable.Range(0, 6).Select(k => (Math.Cos(k * Math.PI / 3), Math.Sin(k * Math.PI / 3), 0.0)).Prepend((0.0, 0.0, 0.0)).ToList();
        var hull = ConvexHull3D.Compute(Flat(pts));
        Assert.That(hull.Dimension, Is.EqualTo(2));
        Assert.That(hull.VertexIndices, Is.EqualTo(new[] { 1, 2, 3, 4, 5, 6 }));
    }

    [Test]
    public void CollinearGivesTheTwoExtremes()
    {
        var pts = new[] { 0.5, 1.0, 3.0, -2.0, 0.0, 1.5 }.Select(t => (1 + t, 2 - 2 * t, 3 + 0.5 * t)).ToList();
        var hull = ConvexHull3D.Compute(Flat(pts));
        Assert.That(hull.Dimension, Is.EqualTo(1));
        Assert.That(hull.VertexIndices, Is.EqualTo(new[] { 2, 3 }));
    }

    [Test]
    public void AllDuplicatesGiveOneVertex()
    {
        var xyz = Enumerable.Range(0, 6).SelectMany(_ => new[] { 1.5, -2.0, 7.0 }).ToArray();
        var hull = ConvexHull3D.Compute(xyz);
        Assert.That(hull.Dimension, Is.EqualTo(0));
        Assert.That(hull.VertexIndices, Is.EqualTo(new[] { 0 }));
    }

    [Test]
    public void FewerThanFourPointsAreAllVertices()
    {
        Assert.That(ConvexHull3D.Compute(Array.Empty<double>()).VertexIndices, Is.Empty);
        Assert.That(ConvexHull3D.Compute(Array.Empty<double>()).Dimension, Is.EqualTo(-1));
        var one = ConvexHull3D.Compute([1, 2, 3]);
        Assert.That((one.VertexIndices, one.Dimension), Is.EqualTo((new[] { 0 }, 0)));
        var two = ConvexHull3D.Compute([0, 0, 0, 1, 0, 0]);
        Assert.That((two.VertexIndices, two.Dimension), Is.EqualTo((new[] { 0, 1 }, 1)));
        var twoSame = ConvexHull3D.Compute([1, 1, 1, 1, 1, 1]);
        Assert.That((twoSame.VertexIndices, twoSame.Dimension), Is.EqualTo((new[] { 0, 1 }, 0)));
        var triangle = ConvexHull3D.Compute([0, 0, 0, 1, 0, 0, 0, 1, 0]);
        Assert.That((triangle.VertexIndices, triangle.Dimension), Is.EqualTo((new[] { 0, 1, 2 }, 2)));
        var line = ConvexHull3D.Compute([0, 0, 0, 1, 1, 1, 2, 2, 2]);
        Assert.That((line.VertexIndices, line.Dimension), Is.EqualTo((new[] { 0, 1, 2 }, 1)));
        Assert.That(triangle.Faces, Is.Empty);
    }

    [Test]
    public void NearlyFlatPointsWithinToleranceAreCoplanar()
    {
        var xyz = new double[] { 0, 0, 0, 1, 0, 1e-13, 0, 1, -1e-13, 1, 1, 0, 0.5, 0.5, 2e-13 };
        Assert.That(ConvexHull3D.Compute(xyz).Dimension, Is.EqualTo(2));
        Assert.That(ConvexHull3D.Compute(xyz, relativeTolerance: 1e-14).Dimension, Is.EqualTo(3));
    }

    [Test]
    public void FarFromOriginIsTranslationInvariant()
    {
        var rng = new Random(11);
        var xyz = Enumerable.Range(0, 3 * 60).Select(_ => rng.NextDouble()).ToArray();
        var shifted = xyz.Select((v, i) => v + (i % 3 == 0 ? 1e5 : -3e4)).ToArray();
        Assert.That(ConvexHull3D.Compute(shifted).VertexIndices, Is.EqualTo(ConvexHull3D.Compute(xyz).VertexIndices));
    }

    [Test]
    public void InvalidInputThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => ConvexHull3D.Compute(new double[] { 1, 2 }));
        Assert.Throws<ArgumentException>(() => ConvexHull3D.Compute(new double[] { 1, 2, double.NaN }));
        Assert.Throws<ArgumentException>(() => ConvexHull3D.Compute(new double[] { 1, 2, 3 }, 0));
    }
}
