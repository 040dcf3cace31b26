namespace Stp.Metrics;

/// <summary>
/// Counts over a set of per-molecule metrics and the EDM ratios built from them: the one place where atom and
/// molecule stability, validity, uniqueness, "valid and unique" and novelty are aggregated (for
/// <see cref="EvaluationResult"/> and every row of <see cref="Reports.SizeReport"/>).
/// </summary>
internal sealed class MetricTotals
{
    private readonly HashSet<string> _unique = new(StringComparer.Ordinal);

    /// <summary>Totals from counts (a <see cref="MetricSummary"/> row): the same ratios as from the molecules.</summary>
    public MetricTotals(int molecules, long atoms, long stableAtoms, int stableMolecules, int valid, int singleFragment, IEnumerable<string> uniqueSmiles)
    {
        Molecules = molecules; Atoms = atoms; StableAtoms = stableAtoms; StableMolecules = stableMolecules; Valid = valid; SingleFragment = singleFragment;
        _unique.UnionWith(uniqueSmiles);
    }

    /// <summary>The distinct valid canonical SMILES.</summary>
    public IReadOnlyCollection<string> UniqueSmiles => _unique;

    public MetricTotals(IReadOnlyList<MoleculeMetrics> molecules)
    {
        Molecules = molecules.Count;
        foreach (var m in molecules)
        {
            Atoms += m.AtomCount; StableAtoms += m.StableAtoms;
            if (m.IsStable) StableMolecules++;
            if (m.IsValid) { Valid++; _unique.Add(m.Smiles!); }
            if (m.FragmentCount == 1) SingleFragment++;
        }
    }

    public int Molecules { get; }
    public long Atoms { get; }
    public long StableAtoms { get; }
    public int StableMolecules { get; }
    public int Valid { get; }
    /// <summary>Molecules whose bond graph is one connected fragment (EDM's validity keeps the largest fragment, so
    /// exploded samples still count as valid: this shows them).</summary>
    public int SingleFragment { get; }
    /// <summary>Distinct canonical SMILES among the valid molecules.</summary>
    public int Unique => _unique.Count;

    public double AtomStability => Atoms == 0 ? 0 : (double)StableAtoms / Atoms;
    public double MoleculeStability => Molecules == 0 ? 0 : (double)StableMolecules / Molecules;
    public double Validity => Molecules == 0 ? 0 : (double)Valid / Molecules;
    public double SingleFragmentFraction => Molecules == 0 ? 0 : (double)SingleFragment / Molecules;
    public double Uniqueness => Valid == 0 ? 0 : (double)Unique / Valid;
    public double ValidAndUnique => Molecules == 0 ? 0 : (double)Unique / Molecules;

    /// <summary>Distinct valid SMILES absent from <paramref name="training"/>.</summary>
    public int NovelCount(NoveltyReference training) => _unique.Count(s => !training.Contains(s));

    /// <summary>Novel / unique (0 when nothing is unique).</summary>
    public double Novelty(NoveltyReference training) => Novelty(NovelCount(training));

    /// <summary>novel / unique for a known number of novel distinct SMILES (0 when nothing is unique).</summary>
    public double Novelty(int novelCount) => Unique == 0 ? 0 : (double)novelCount / Unique;
}
