using Stp.Chemistry;
using Stp.Metrics.Chemistry;

namespace Stp.Metrics.Structure;

/// <summary>
/// Bond-length and bond-angle histograms of a molecule set (FACTS section 7, the StP authors' structure
/// evaluation): molecules are rebuilt with the evaluator's bond rule and sanitised (invalid ones are skipped);
/// bond lengths in Angstrom over [0.6, 2.4] in 180 bins, keyed by element pair ("C~H", symbols sorted) and by pair and
/// bond type ("C-H", "C=C", "C#N", "C:C" aromatic); angles in degrees over [0, 180] in 180 bins, keyed
/// "A-X-B" (centre X, outer symbols sorted). Values outside a range are dropped; the upper edge belongs to the last bin.
/// </summary>
public sealed class GeometryHistograms
{
    /// <summary>Lower edge of the bond-length range (Angstrom).</summary>
    public const double BondMin = 0.6;
    /// <summary>Upper edge of the bond-length range (Angstrom).</summary>
    public const double BondMax = 2.4;
    /// <summary>Bins of the bond-length histograms.</summary>
    public const int BondBins = 180;
    /// <summary>Bins of the angle histograms (0 to 180 degrees).</summary>
    public const int AngleBins = 180;

    private readonly Dictionary<string, long[]> _pairs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _typed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long[]> _angles = new(StringComparer.Ordinal);

    /// <summary>Bond-length histograms by element pair.</summary>
    public IReadOnlyDictionary<string, long[]> BondLengthsByPair => _pairs;
    /// <summary>Bond-length histograms by element pair and bond type.</summary>
    public IReadOnlyDictionary<string, long[]> BondLengthsByType => _typed;
    /// <summary>Bond-angle histograms by neighbour-centre-neighbour elements.</summary>
    public IReadOnlyDictionary<string, long[]> BondAngles => _angles;
    /// <summary>Molecules that contributed (valid ones).</summary>
    public int MoleculeCount { get; private set; }

    /// <summary>Builds histograms of the valid molecules in <paramref name="molecules"/>.</summary>
    public static GeometryHistograms FromMolecules(IEnumerable<Molecule> molecules, MetricsEvaluator evaluator)
    {
        ArgumentNullException.ThrowIfNull(molecules);
        ArgumentNullException.ThrowIfNull(evaluator);
        var h = new GeometryHistograms();
        foreach (var m in molecules)
        {
            if (m is null) continue;
            var g = evaluator.BuildGraph(m.AtomicNumbers, m.Positions, out _);
            if (g is null) continue;
            h.Add(g, m.Positions);
        }
        return h;
    }

    private static string Symbol(int z) => Element.Symbol(z);

    private static char BondChar(BondKind k) => k switch
    {
        BondKind.Double => '=',
        BondKind.Triple => '#',
        BondKind.Aromatic => ':',
        _ => '-',
    };

    private void Add(MolecularGraph g, double[] pos)
    {
        MoleculeCount++;
        foreach (var b in g.Bonds)
        {
            string s1 = Symbol(g.AtomicNumber(b.Begin)), s2 = Symbol(g.AtomicNumber(b.End));
            if (string.CompareOrdinal(s1, s2) > 0) (s1, s2) = (s2, s1);
            double d = Distance(pos, b.Begin, b.End);
            int bin = Bin(d, BondMin, BondMax, BondBins);
            if (bin < 0) continue;
            Inc(_pairs, s1 + "~" + s2, bin, BondBins);
            Inc(_typed, s1 + BondChar(b.Kind) + s2, bin, BondBins);
        }
        for (int c = 0; c < g.AtomCount; c++)
        {
            var nb = g.Neighbors(c).ToArray();
            for (int i = 0; i < nb.Length; i++)
                for (int j = i + 1; j < nb.Length; j++)
                {
                    string s1 = Symbol(g.AtomicNumber(nb[i])), s2 = Symbol(g.AtomicNumber(nb[j]));
                    if (string.CompareOrdinal(s1, s2) > 0) (s1, s2) = (s2, s1);
                    double angle = Angle(pos, nb[i], c, nb[j]);
                    int bin = Bin(angle, 0, 180, AngleBins);
                    if (bin < 0) continue;
                    Inc(_angles, s1 + "-" + Symbol(g.AtomicNumber(c)) + "-" + s2, bin, AngleBins);
                }
        }
    }

    private static void Inc(Dictionary<string, long[]> d, string key, int bin, int bins)
    {
        if (!d.TryGetValue(key, out var h)) d[key] = h = new long[bins];
        h[bin]++;
    }

    internal static int Bin(double v, double min, double max, int bins)
    {
        if (!(v >= min && v <= max)) return -1;
        int b = (int)((v - min) / (max - min) * bins);
        return Math.Min(b, bins - 1);
    }

    private static double Distance(double[] p, int a, int b)
    {
        double dx = p[3 * a] - p[3 * b], dy = p[3 * a + 1] - p[3 * b + 1], dz = p[3 * a + 2] - p[3 * b + 2];
        return Math.Sqrt(dx * dx + dy * dy + dz * dz);
    }

    private static double Angle(double[] p, int a, int c, int b)
    {
        double ux = p[3 * a] - p[3 * c], uy = p[3 * a + 1] - p[3 * c + 1], uz = p[3 * a + 2] - p[3 * c + 2];
        double vx = p[3 * b] - p[3 * c], vy = p[3 * b + 1] - p[3 * c + 1], vz = p[3 * b + 2] - p[3 * c + 2];
        double cos = (ux * vx + uy * vy + uz * vz) / Math.Sqrt((ux * ux + uy * uy + uz * uz) * (vx * vx + vy * vy + vz * vz));
        return Math.Acos(Math.Clamp(cos, -1, 1)) * 180 / Math.PI;
    }

    /// <summary>
    /// Jensen-Shannon divergences of this (generated) set against <paramref name="reference"/>: for each family
    /// (pairs, pair+type, angles) the <paramref name="top"/> keys most frequent in the reference with at least
    /// <paramref name="minCount"/> reference values, plus pooled "all bonds" and "all angles" entries (at least
    /// <paramref name="minPooledCount"/> values). Defaults follow the authors' script: 12, 50, 100.
    /// </summary>
    public StructureComparison CompareTo(GeometryHistograms reference, int top = 12, int minCount = 50, int minPooledCount = 100)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return new StructureComparison(
            Family(reference._pairs, _pairs, top, minCount, minPooledCount, BondBins),
            Family(reference._typed, _typed, top, minCount, minPooledCount, BondBins),
            Family(reference._angles, _angles, top, minCount, minPooledCount, AngleBins));
    }

    private static IReadOnlyList<DivergenceEntry> Family(Dictionary<string, long[]> refH, Dictionary<string, long[]> genH,
        int top, int minCount, int minPooled, int bins)
    {
        var list = new List<DivergenceEntry>();
        var refAll = new long[bins];
        var genAll = new long[bins];
        foreach (var h in refH.Values) for (int i = 0; i < bins; i++) refAll[i] += h[i];
        foreach (var h in genH.Values) for (int i = 0; i < bins; i++) genAll[i] += h[i];
        if (refAll.Sum() >= minPooled && genAll.Sum() >= minPooled)
            list.Add(new DivergenceEntry("all", refAll.Sum(), genAll.Sum(), JensenShannon.Divergence(refAll, genAll)));
        foreach (var (key, h) in refH.Select(kv => (kv.Key, kv.Value)).OrderByDescending(kv => kv.Value.Sum()).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(top))
        {
            long rc = h.Sum();
            if (rc < minCount) continue;
            var g = genH.TryGetValue(key, out var gh) ? gh : new long[bins];
            list.Add(new DivergenceEntry(key, rc, g.Sum(), JensenShannon.Divergence(h, g)));
        }
        return list;
    }
}
