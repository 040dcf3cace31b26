namespace Stp.Metrics;

/// <summary>Per-molecule metrics and their aggregates, as EDM defines them.</summary>
public sealed class EvaluationResult
{
    internal EvaluationResult(IReadOnlyList<MoleculeMetrics> molecules, NoveltyReference? trainingSet, int skipped = 0)
    {
        Molecules = molecules;
        TrainingSet = trainingSet;
        SkippedCount = skipped;
        var t = new MetricTotals(molecules);
        AtomCount = t.Atoms; StableAtomCount = t.StableAtoms; StableMoleculeCount = t.StableMolecules;
        ValidCount = t.Valid; UniqueCount = t.Unique;
        AtomStability = t.AtomStability;
        MoleculeStability = t.MoleculeStability;
        Validity = t.Validity;
        Uniqueness = t.Uniqueness;
        ValidAndUnique = t.ValidAndUnique;
        if (trainingSet is not null)
        {
            NovelCount = t.NovelCount(trainingSet);
            Novelty = t.Novelty(trainingSet);
        }
    }

    /// <summary>Metrics of each molecule, in input order.</summary>
    public IReadOnlyList<MoleculeMetrics> Molecules { get; }

    /// <summary>Molecules (records) read, including the skipped ones: the denominator of every rate.</summary>
    public int ReadCount => Molecules.Count;

    /// <summary>Molecules evaluated from their atoms: <see cref="ReadCount"/> minus <see cref="SkippedCount"/>.</summary>
    public int EvaluatedCount => Molecules.Count - SkippedCount;

    /// <summary>Records the reader could not use (malformed), scored as invalid molecules (the last entries of <see cref="Molecules"/>).</summary>
    public int SkippedCount { get; }

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

    /// <summary>The overall table in the paper's format (percentages, one decimal) with the molecules read, evaluated and skipped.</summary>
    public string ToTable(string label = "model") => Reports.SizeReport.From(this).ToTable(label);
}
