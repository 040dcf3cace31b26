namespace Stp.Metrics;

/// <summary>Per-molecule metrics and their aggregates, as EDM defines them.</summary>
public sealed class EvaluationResult
{
    internal EvaluationResult(IReadOnlyList<MoleculeMetrics> molecules, NoveltyReference? trainingSet)
    {
        Molecules = molecules;
        TrainingSet = trainingSet;
        long atoms = 0, stableAtoms = 0;
        int stableMols = 0, valid = 0;
        var unique = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in molecules)
        {
            atoms += m.AtomCount; stableAtoms += m.StableAtoms;
            if (m.IsStable) stableMols++;
            if (m.IsValid) { valid++; unique.Add(m.Smiles!); }
        }
        int n = molecules.Count;
        AtomCount = atoms; StableAtomCount = stableAtoms; StableMoleculeCount = stableMols;
        ValidCount = valid; UniqueCount = unique.Count;
        AtomStability = atoms == 0 ? 0 : (double)stableAtoms / atoms;
        MoleculeStability = n == 0 ? 0 : (double)stableMols / n;
        Validity = n == 0 ? 0 : (double)valid / n;
        Uniqueness = valid == 0 ? 0 : (double)unique.Count / valid;
        ValidAndUnique = n == 0 ? 0 : (double)unique.Count / n;
        if (trainingSet is not null)
        {
            int novel = 0;
            foreach (var s in unique) if (!trainingSet.Contains(s)) novel++;
            NovelCount = novel;
            Novelty = unique.Count == 0 ? 0 : (double)novel / unique.Count;
        }
    }

    /// <summary>Metrics of each molecule, in input order.</summary>
    public IReadOnlyList<MoleculeMetrics> Molecules { get; }

    /// <summary>Training-set reference used for novelty, if any.</summary>
    public NoveltyReference? TrainingSet { get; }

    /// <summary>Total atoms.</summary>
    public long AtomCount { get; }
    /// <summary>Total stable atoms.</summary>
    public long StableAtomCount { get; }
    /// <summary>Number of stable molecules.</summary>
    public int StableMoleculeCount { get; }
    /// <summary>Number of valid molecules.</summary>
    public int ValidCount { get; }
    /// <summary>Number of distinct SMILES among valid molecules.</summary>
    public int UniqueCount { get; }
    /// <summary>Number of unique SMILES not in the training set (null without a training set).</summary>
    public int? NovelCount { get; }

    /// <summary>Stable atoms / atoms.</summary>
    public double AtomStability { get; }
    /// <summary>Stable molecules / molecules.</summary>
    public double MoleculeStability { get; }
    /// <summary>Valid molecules / molecules.</summary>
    public double Validity { get; }
    /// <summary>Distinct valid SMILES / valid molecules (EDM's uniqueness).</summary>
    public double Uniqueness { get; }
    /// <summary>Distinct valid SMILES / molecules (the paper's "Valid &amp; Unique").</summary>
    public double ValidAndUnique { get; }
    /// <summary>Unique SMILES absent from the training set / unique SMILES (EDM's novelty); null without a training set.</summary>
    public double? Novelty { get; }

    /// <summary>The overall table in the paper's format (percentages, one decimal).</summary>
    public string ToTable(string label = "model") => Reports.SizeReport.From(this).ToTable(label);
}
