using System.Text.Json;
using System.Text.Json.Serialization;
using Stp.Metrics.Reports;
using Stp.Data;

namespace Stp.Metrics;

/// <summary>
/// An evaluation reduced to what can be merged: per atom count N, the counts (molecules, atoms, stable atoms, stable
/// molecules, valid molecules) and the sets of distinct valid canonical SMILES and of those not in the training set
/// (counts and sets, never ratios). Summaries of the shards of a sampling run merge into the summary of the whole
/// run (<see cref="Merge"/>), and <see cref="ToReport"/> gives exactly the numbers an evaluation of all molecules at
/// once gives. Written by <c>stp evaluate</c> as <c>summary.json</c>; merged by <c>stp merge</c>.
/// </summary>
public sealed class MetricSummary
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The counts of the molecules with one atom count.</summary>
    /// <param name="AtomCount">N.</param>
    /// <param name="Molecules">Molecules of N atoms.</param>
    /// <param name="Atoms">Their atoms (N x molecules).</param>
    /// <param name="StableAtoms">Stable atoms among them.</param>
    /// <param name="StableMolecules">Stable molecules.</param>
    /// <param name="Valid">Valid molecules.</param>
    /// <param name="SingleFragment">Molecules whose bond graph is one fragment.</param>
    /// <param name="UniqueSmiles">Distinct canonical SMILES of the valid ones, sorted (ordinal).</param>
    /// <param name="NovelSmiles">Those of <paramref name="UniqueSmiles"/> absent from the training set, sorted; null when novelty was not computed.</param>
    public sealed record SizeCounts(int AtomCount, int Molecules, long Atoms, long StableAtoms, int StableMolecules, int Valid, int SingleFragment,
        IReadOnlyList<string> UniqueSmiles, IReadOnlyList<string>? NovelSmiles);

    /// <summary>Creates a summary from its rows (one per atom count).</summary>
    /// <param name="bySize">One row per atom count (an AtomCount 0 row holds records without atoms, scored invalid).</param>
    /// <param name="skipped">Malformed records the reader skipped (they are the AtomCount 0 row's molecules).</param>
    [JsonConstructor]
    public MetricSummary(IReadOnlyList<SizeCounts> bySize, int skipped = 0)
    {
        ArgumentNullException.ThrowIfNull(bySize);
        if (skipped < 0 || skipped > bySize.Where(r => r.AtomCount == 0).Sum(r => r.Molecules))
            throw new ArgumentOutOfRangeException(nameof(skipped), skipped, "Skipped records are molecules without atoms.");
        Skipped = skipped;
        if (bySize.Select(r => r.AtomCount).Distinct().Count() != bySize.Count) throw new ArgumentException("A summary has one row per atom count.", nameof(bySize));
        BySize = bySize.OrderBy(r => r.AtomCount).ToArray();
    }

    /// <summary>One row per atom count present, ascending.</summary>
    public IReadOnlyList<SizeCounts> BySize { get; }

    /// <summary>Malformed records skipped by the reader (scored as invalid molecules without atoms).</summary>
    public int Skipped { get; }

    /// <summary>Whether novelty was computed for every row.</summary>
    [JsonIgnore]
    public bool HasNovelty => BySize.Count > 0 && BySize.All(r => r.NovelSmiles is not null);

    /// <summary>Reduces an evaluation to its summary.</summary>
    public static MetricSummary From(EvaluationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var rows = result.Molecules.GroupBy(m => m.AtomCount).Select(g =>
        {
            var t = new MetricTotals(g.ToList());
            var unique = t.UniqueSmiles.Order(StringComparer.Ordinal).ToArray();
            return new SizeCounts(g.Key, t.Molecules, t.Atoms, t.StableAtoms, t.StableMolecules, t.Valid, t.SingleFragment, unique,
                result.TrainingSet is { } train ? unique.Where(s => !train.Contains(s)).ToArray() : null);
        }).ToList();
        return new MetricSummary(rows, result.SkippedCount);
    }

    /// <summary>Merges summaries of disjoint sets of molecules (the shards of one run): counts add, SMILES sets unite.
    /// Novelty survives only when every summary has it.</summary>
    public static MetricSummary Merge(IEnumerable<MetricSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var all = summaries.ToList();
        if (all.Count == 0) throw new ArgumentException("Nothing to merge.", nameof(summaries));
        bool novelty = all.All(s => s.HasNovelty);
        var rows = all.SelectMany(s => s.BySize).GroupBy(r => r.AtomCount).Select(g => new SizeCounts(g.Key,
            g.Sum(r => r.Molecules), g.Sum(r => r.Atoms), g.Sum(r => r.StableAtoms), g.Sum(r => r.StableMolecules), g.Sum(r => r.Valid), g.Sum(r => r.SingleFragment),
            Union(g.Select(r => r.UniqueSmiles)),
            novelty ? Union(g.Select(r => r.NovelSmiles!)) : null)).ToList();
        return new MetricSummary(rows, all.Sum(s => s.Skipped));
    }

    private static string[] Union(IEnumerable<IReadOnlyList<string>> sets) =>
        sets.SelectMany(s => s).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The per-size report (same numbers as <see cref="SizeReport.From(EvaluationResult)"/> on all the molecules).</summary>
    public SizeReport ToReport() => SizeReport.FromSummary(this);

    internal static (MetricTotals Totals, int? Novel) Totals(IReadOnlyList<SizeCounts> rows, bool novelty)
    {
        var unique = rows.SelectMany(r => r.UniqueSmiles).Distinct(StringComparer.Ordinal);
        var t = new MetricTotals(rows.Sum(r => r.Molecules), rows.Sum(r => r.Atoms), rows.Sum(r => r.StableAtoms),
            rows.Sum(r => r.StableMolecules), rows.Sum(r => r.Valid), rows.Sum(r => r.SingleFragment), unique);
        int? novel = novelty ? rows.SelectMany(r => r.NovelSmiles!).Distinct(StringComparer.Ordinal).Count() : null;
        return (t, novel);
    }

    /// <summary>The JSON form (snake_case).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Writes <see cref="ToJson"/> atomically.</summary>
    public void Write(string path) => AtomicFile.WriteAllText(path, ToJson());

    /// <summary>Reads a summary written by <see cref="Write"/>; <paramref name="source"/> names the file in errors.</summary>
    public static MetricSummary FromJson(string json, string source)
    {
        try
        {
            var s = JsonSerializer.Deserialize<MetricSummary>(json, Json) ?? throw new InvalidDataException($"{source}: empty metric summary.");
            foreach (var r in s.BySize)
                if (r.AtomCount < 0 || r.Molecules < 0 || r.Atoms != (long)r.AtomCount * r.Molecules || r.StableAtoms < 0 || r.StableAtoms > r.Atoms
                    || r.StableMolecules < 0 || r.StableMolecules > r.Molecules || r.Valid < 0 || r.Valid > r.Molecules || r.SingleFragment < 0 || r.SingleFragment > r.Molecules
                    || r.UniqueSmiles is null || r.UniqueSmiles.Count > r.Valid || (r.NovelSmiles is { } nv && nv.Except(r.UniqueSmiles).Any()))
                    throw new InvalidDataException($"{source}: inconsistent counts for N = {r.AtomCount}.");
            return s;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not a metric summary ({e.Message}).", e);
        }
    }

    /// <summary>Reads <paramref name="path"/>.</summary>
    public static MetricSummary Read(string path) => FromJson(File.ReadAllText(path), path);
}
