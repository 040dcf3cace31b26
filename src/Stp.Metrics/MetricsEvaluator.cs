using System.Runtime.CompilerServices;
using Stp.Chemistry;
using Stp.Metrics.Chemistry;

namespace Stp.Metrics;

/// <summary>
/// Evaluates generated molecules the way EDM does (FACTS 2.1-2.3): atom and molecule stability from EDM's bond
/// tables, RDKit-compatible validity of the molecule built from those bonds, uniqueness of the canonical SMILES of
/// the largest fragment of valid molecules, and novelty against a training set. Bad input (no atoms, unknown
/// elements, NaN coordinates, overlapping atoms) is scored as unstable and invalid with a reason; it never throws.
/// Molecules are evaluated in parallel; the result does not depend on the degree of parallelism.
/// </summary>
public sealed class MetricsEvaluator
{
    private readonly MoleculeAnalyzer _analyzer;

    /// <summary>Creates an evaluator.</summary>
    /// <param name="vocabulary">Atom vocabulary of the dataset (its class order decides EDM's sorted pair order).</param>
    /// <param name="rule">Bond rule of the dataset.</param>
    /// <param name="trainingSet">Training-set SMILES for novelty, or null (novelty is then reported as null).</param>
    /// <param name="overlapTolerance">Atoms closer than this (Angstrom, default 1e-3) count as on top of each other.</param>
    public MetricsEvaluator(AtomVocabulary vocabulary, BondRule rule, NoveltyReference? trainingSet = null, double overlapTolerance = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (!(overlapTolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(overlapTolerance), "Must be >= 0.");
        _analyzer = new MoleculeAnalyzer(vocabulary, rule, overlapTolerance);
        TrainingSet = trainingSet;
    }

    /// <summary>Evaluator with QM9's vocabulary (H C N O F) and rules.</summary>
    public static MetricsEvaluator ForQm9(NoveltyReference? trainingSet = null) => new(AtomVocabulary.Qm9, BondRule.Qm9, trainingSet);

    /// <summary>Evaluator with GEOM-Drugs' vocabulary (16 elements) and rules.</summary>
    public static MetricsEvaluator ForGeomDrugs(NoveltyReference? trainingSet = null) => new(AtomVocabulary.GeomDrugs, BondRule.GeomDrugs, trainingSet);

    /// <summary>Atom vocabulary.</summary>
    public AtomVocabulary Vocabulary => _analyzer.Vocabulary;

    /// <summary>Bond rule.</summary>
    public BondRule Rule => _analyzer.Rule;

    /// <summary>Training-set SMILES used for novelty, if any.</summary>
    public NoveltyReference? TrainingSet { get; }

    /// <summary>Metrics of one molecule given atomic numbers and flat positions (x0, y0, z0, x1, ...; Angstrom).</summary>
    public MoleculeMetrics EvaluateMolecule(ReadOnlySpan<int> atomicNumbers, ReadOnlySpan<double> positions) =>
        _analyzer.Analyze(atomicNumbers, positions);

    /// <summary>Metrics of one molecule.</summary>
    public MoleculeMetrics EvaluateMolecule(Molecule molecule)
    {
        ArgumentNullException.ThrowIfNull(molecule);
        return _analyzer.Analyze(molecule.AtomicNumbers, molecule.Positions);
    }

    /// <summary>
    /// The RDKit-style sanitised molecular graph (EDM's validity bonds: full orders for QM9, single bonds for
    /// GEOM-Drugs; charges from the clean-up step; aromaticity perceived), or null when the molecule is invalid.
    /// </summary>
    public MolecularGraph? BuildGraph(ReadOnlySpan<int> atomicNumbers, ReadOnlySpan<double> positions, out string? reason) =>
        _analyzer.BuildGraph(atomicNumbers, positions, out reason);

    /// <summary>Evaluates molecules and aggregates the metrics.</summary>
    public EvaluationResult Evaluate(IReadOnlyList<Molecule> molecules)
    {
        return Evaluate(molecules, 0);
    }

    /// <summary>
    /// Evaluates the molecules read from a file together with <paramref name="skippedRecords"/> records the reader could
    /// not use: those are scored as invalid (empty) molecules, so that nothing is silently dropped from the rates, and the
    /// result says how many molecules were read, evaluated and skipped (<see cref="EvaluationResult.SkippedCount"/>).
    /// </summary>
    public EvaluationResult Evaluate(IReadOnlyList<Molecule> molecules, int skippedRecords) => Evaluate(molecules, skippedRecords, null);

    /// <summary>
    /// <see cref="Evaluate(IReadOnlyList{Molecule}, int)"/> that tells <paramref name="progress"/> how many molecules
    /// (and skipped records) are evaluated so far, about a hundred times over the run, from the worker threads (so the
    /// receiver must be thread-safe); for a progress display with an ETA on large sample files.
    /// </summary>
    public EvaluationResult Evaluate(IReadOnlyList<Molecule> molecules, int skippedRecords, IProgress<int>? progress)
    {
        ArgumentNullException.ThrowIfNull(molecules);
        ArgumentOutOfRangeException.ThrowIfNegative(skippedRecords);
        return EvaluateAll(molecules.Count + skippedRecords, i => i >= molecules.Count
            ? new MoleculeMetrics(0, 0, false, false, null, MoleculeIssue.Empty, "malformed record, skipped by the reader", 0)
            : molecules[i] is { } m ? Safe(m.AtomicNumbers, m.Positions)
            : new MoleculeMetrics(0, 0, false, false, null, MoleculeIssue.Empty, "molecule is null", 0), skippedRecords, progress);
    }

    /// <summary>Evaluates molecules given as atomic numbers and flat positions (Angstrom), and aggregates.</summary>
    public EvaluationResult Evaluate(IReadOnlyList<int[]> atomicNumbers, IReadOnlyList<double[]> positions)
    {
        CheckPaired(atomicNumbers, positions);
        return EvaluateAll(atomicNumbers.Count, i => Safe(atomicNumbers[i] ?? Array.Empty<int>(), positions[i] ?? Array.Empty<double>()));
    }

    /// <summary>
    /// Evaluates molecules given as EDM outputs: atom class indices into <see cref="Vocabulary"/> (the argmax of the
    /// one-hot) and float32 positions (x0, y0, z0, ...; Angstrom). A class index outside the vocabulary is scored as an
    /// unknown element.
    /// </summary>
    public EvaluationResult EvaluateClassIndices(IReadOnlyList<int[]> classIndices, IReadOnlyList<float[]> positions)
    {
        CheckPaired(classIndices, positions);
        var vocab = Vocabulary;
        return EvaluateAll(classIndices.Count, i =>
        {
            var t = classIndices[i] ?? Array.Empty<int>();
            var p = positions[i] ?? Array.Empty<float>();
            var z = new int[t.Length];
            for (int a = 0; a < t.Length; a++) z[a] = (uint)t[a] < (uint)vocab.Count ? vocab.AtomicNumberOf(t[a]) : -1;
            var pos = new double[p.Length];
            for (int k = 0; k < p.Length; k++) pos[k] = p[k];
            return Safe(z, pos);
        });
    }

    private static void CheckPaired<TTypes, TPositions>(IReadOnlyList<TTypes> types, IReadOnlyList<TPositions> positions,
        [CallerArgumentExpression(nameof(types))] string typesName = "")
    {
        ArgumentNullException.ThrowIfNull(types, typesName);
        ArgumentNullException.ThrowIfNull(positions);
        if (types.Count != positions.Count)
            throw new ArgumentException($"{types.Count} type arrays but {positions.Count} position arrays.", nameof(positions));
    }

    /// <summary>Evaluates molecule 0..count-1 in parallel (each result in its own slot) and aggregates in input order.</summary>
    private EvaluationResult EvaluateAll(int count, Func<int, MoleculeMetrics> evaluate, int skipped = 0, IProgress<int>? progress = null)
    {
        var results = new MoleculeMetrics[count];
        int done = 0, every = Math.Max(1, count / 100);
        Parallel.For(0, count, i =>
        {
            results[i] = evaluate(i);
            if (progress is not null && Interlocked.Increment(ref done) is var d && (d % every == 0 || d == count)) progress.Report(d);
        });
        return new EvaluationResult(results, TrainingSet, skipped);
    }

    private MoleculeMetrics Safe(int[] z, double[] pos)
    {
        try
        {
            return _analyzer.Analyze(z, pos);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Defensive: one molecule must never abort an evaluation of thousands.
            return new MoleculeMetrics(z.Length, 0, false, false, null, MoleculeIssue.None, "internal error: " + e.Message, 0);
        }
    }
}
