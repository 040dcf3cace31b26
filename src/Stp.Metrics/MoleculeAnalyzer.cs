using Stp.Chemistry;
using Stp.Metrics.Chemistry;

namespace Stp.Metrics;

/// <summary>
/// Per-molecule work of the evaluator: EDM bond inference (two look-up orders), atom/molecule stability, and the
/// RDKit-compatible molecule for validity and SMILES. Immutable after construction and thread-safe.
/// </summary>
internal sealed class MoleculeAnalyzer
{
    private readonly AtomVocabulary _vocab;
    private readonly BondRule _rule;
    private readonly double _overlap2;
    private readonly BondLookup _bonds;
    private readonly bool[] _supported;

    public MoleculeAnalyzer(AtomVocabulary vocabulary, BondRule rule, double overlapTolerance)
    {
        _vocab = vocabulary;
        _rule = rule;
        _overlap2 = overlapTolerance * overlapTolerance;
        _bonds = BondLookup.For(vocabulary);
        _supported = new bool[vocabulary.Count];
        for (int i = 0; i < vocabulary.Count; i++)
            _supported[i] = ElementData.IsSupported(vocabulary.AtomicNumberOf(i));
    }

    public AtomVocabulary Vocabulary => _vocab;
    public BondRule Rule => _rule;

    private static MoleculeMetrics Bad(int n, MoleculeIssue issue, string reason) => new(n, 0, false, false, null, issue, reason, 0);

    /// <summary>Checks input, infers bonds. Returns an issue result, or null and fills the outputs.</summary>
    private MoleculeMetrics? Prepare(ReadOnlySpan<int> z, ReadOnlySpan<double> pos, out int[] types, out int[] valenceSum, out List<GraphBond> validityBonds)
    {
        types = Array.Empty<int>(); valenceSum = Array.Empty<int>(); validityBonds = new List<GraphBond>();
        int n = z.Length;
        if (n == 0) return Bad(0, MoleculeIssue.Empty, "molecule has no atoms");
        if (pos.Length != 3 * n) return Bad(n, MoleculeIssue.LengthMismatch, $"positions has {pos.Length} values for {n} atoms");
        types = new int[n];
        for (int i = 0; i < n; i++)
        {
            int t = _vocab.IndexOf(z[i]);
            if (t < 0 || !_supported[t])
                return Bad(n, MoleculeIssue.UnknownElement, $"atom {i}: element Z={z[i]} is not in the '{_vocab.Name}' vocabulary");
            types[i] = t;
        }
        for (int i = 0; i < pos.Length; i++)
            if (!double.IsFinite(pos[i])) return Bad(n, MoleculeIssue.NonFiniteCoordinates, $"atom {i / 3}: non-finite coordinate");

        valenceSum = new int[n];
        bool geom = _rule == BondRule.GeomDrugs;
        for (int i = 0; i < n; i++)
        {
            double xi = pos[3 * i], yi = pos[3 * i + 1], zi = pos[3 * i + 2];
            int ti = types[i];
            for (int j = i + 1; j < n; j++)
            {
                double dx = xi - pos[3 * j], dy = yi - pos[3 * j + 1], dz = zi - pos[3 * j + 2];
                double d2 = dx * dx + dy * dy + dz * dz;
                if (d2 < _overlap2)
                    return Bad(n, MoleculeIssue.OverlappingAtoms, $"atoms {i} and {j} are {Math.Sqrt(d2):G3} A apart");
                int tj = types[j];
                if (!_bonds.MayBond(ti, tj, d2)) continue;
                double d = Math.Sqrt(d2);
                // look-up sorted by type index (validity path, GEOM stability path)
                int sorted = _bonds.SortedOrder(ti, tj, d);
                // QM9 stability asks in atom-index order
                int stab = geom ? sorted : _bonds.DirectionalOrder(ti, tj, d);
                valenceSum[i] += stab; valenceSum[j] += stab;
                if (sorted > 0) validityBonds.Add(new GraphBond(j, i, geom ? BondKind.Single : (BondKind)sorted));
            }
        }
        return null;
    }

    public MoleculeMetrics Analyze(ReadOnlySpan<int> z, ReadOnlySpan<double> pos)
    {
        var bad = Prepare(z, pos, out var types, out var valenceSum, out var bonds);
        if (bad is not null) return bad;
        int n = z.Length;
        int stable = 0;
        for (int i = 0; i < n; i++) if (ElementData.IsStableSum(z[i], valenceSum[i])) stable++;

        var graph = new MolecularGraph(z.ToArray(), bonds.ToArray());
        var error = Sanitizer.Sanitize(graph);
        var comp = graph.Components(out int fragments);
        if (error is not null) return new MoleculeMetrics(n, stable, stable == n, false, null, MoleculeIssue.None, error, fragments);
        var smiles = CanonicalSmiles.WriteComponent(graph, comp, CanonicalSmiles.LargestComponent(comp, fragments));
        return new MoleculeMetrics(n, stable, stable == n, true, smiles, MoleculeIssue.None, null, fragments);
    }

    /// <summary>The sanitised graph with EDM's validity bonds, or null (bad input or failed sanitisation).</summary>
    public MolecularGraph? BuildGraph(ReadOnlySpan<int> z, ReadOnlySpan<double> pos, out string? reason)
    {
        var bad = Prepare(z, pos, out _, out _, out var bonds);
        if (bad is not null) { reason = bad.Reason; return null; }
        var graph = new MolecularGraph(z.ToArray(), bonds.ToArray());
        reason = Sanitizer.Sanitize(graph);
        return reason is null ? graph : null;
    }
}
