using System.Globalization;
using System.Text;
using System.Text.Json;
using Stp.Data;

namespace Stp.Metrics.Reports;

/// <summary>
/// Every metric broken down by atom count N (the paper's per-size figures), with the overall row; written as CSV,
/// JSON, plot series (drawn by the Stp.Metrics.Plotting package), and the overall table in the paper's format.
/// </summary>
public sealed class SizeReport
{
    private SizeReport(IReadOnlyList<SizeReportRow> rows, SizeReportRow overall, int skipped)
    {
        Rows = rows;
        Overall = overall;
        SkippedCount = skipped;
    }

    /// <summary>Molecules read (the overall row's count, skipped records included).</summary>
    public int ReadCount => Overall.Molecules;

    /// <summary>Molecules evaluated from their atoms.</summary>
    public int EvaluatedCount => Overall.Molecules - SkippedCount;

    /// <summary>Malformed records skipped by the reader, scored as invalid in the overall row.</summary>
    public int SkippedCount { get; }

    /// <summary>One row per atom count present, ascending N (molecules without atoms, such as skipped records, only count in <see cref="Overall"/>).</summary>
    public IReadOnlyList<SizeReportRow> Rows { get; }

    /// <summary>All molecules together (AtomCount = 0).</summary>
    public SizeReportRow Overall { get; }

    /// <summary>Builds the report from an evaluation.</summary>
    public static SizeReport From(EvaluationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return FromSummary(MetricSummary.From(result));
    }

    internal static SizeReport FromSummary(MetricSummary summary)
    {
        bool novelty = summary.HasNovelty;
        // Records without atoms (malformed ones the reader skipped) count in the overall row only.
        var rows = summary.BySize.Where(r => r.AtomCount > 0).Select(r => Row(r.AtomCount, new[] { r }, novelty)).ToList();
        return new SizeReport(rows, Row(0, summary.BySize, novelty), summary.Skipped);
    }

    private static SizeReportRow Row(int n, IReadOnlyList<MetricSummary.SizeCounts> counts, bool novelty)
    {
        var (t, novel) = MetricSummary.Totals(counts, novelty);
        return new SizeReportRow(n, t.Molecules, t.AtomStability, t.MoleculeStability, t.Validity, t.Uniqueness, t.ValidAndUnique,
            novel is int k ? t.Novelty(k) : null, t.SingleFragmentFraction, t.StableMolecules, t.Valid);
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>CSV text: n_atoms, molecules, atom_stability, mol_stability, validity, uniqueness, valid_and_unique, novelty, single_fragment (fractions; overall row has n_atoms "all").</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder("n_atoms,molecules,atom_stability,mol_stability,validity,uniqueness,valid_and_unique,novelty,single_fragment\n");
        foreach (var r in Rows.Append(Overall))
        {
            sb.Append(r.AtomCount == 0 ? "all" : r.AtomCount.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(r.Molecules.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(F(r.AtomStability)).Append(',').Append(F(r.MoleculeStability)).Append(',')
              .Append(F(r.Validity)).Append(',').Append(F(r.Uniqueness)).Append(',').Append(F(r.ValidAndUnique)).Append(',')
              .Append(r.Novelty is { } nv ? F(nv) : "").Append(',').Append(F(r.SingleFragment)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>JSON text: {"overall": row, "by_size": [rows]} with snake_case names.</summary>
    public string ToJson()
    {
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };
        return JsonSerializer.Serialize(new { overall = Overall, by_size = Rows }, options);
    }

    /// <summary>Writes <see cref="ToCsv"/> atomically.</summary>
    public void WriteCsv(string path) => AtomicFile.WriteAllText(path, ToCsv());

    /// <summary>Writes <see cref="ToJson"/> atomically.</summary>
    public void WriteJson(string path) => AtomicFile.WriteAllText(path, ToJson());

    /// <summary>
    /// The per-size curves in % against N, as the plot of the metrics by size draws them: Atom Sta, Mol Sta and Valid
    /// (these two with 95% Wilson bands from the row's counts), Valid &amp; Unique, Single fragment, and Novel when every
    /// row has a novelty (dashed, since they often run on top of Valid). The Stp.Metrics.Plotting package draws them
    /// (<c>report.WritePlot(path)</c>).
    /// </summary>
    public IReadOnlyList<PlotSeries> ToPlotSeries()
    {
        double[] x = Rows.Select(r => (double)r.AtomCount).ToArray();
        (double[] Low, double[] High) Band(Func<SizeReportRow, int> successes)
        {
            var ci = Rows.Select(r => r.Molecules > 0 ? BinomialInterval.Wilson(successes(r), r.Molecules) : (Low: double.NaN, High: double.NaN)).ToArray();
            return (ci.Select(c => 100 * c.Low).ToArray(), ci.Select(c => 100 * c.High).ToArray());
        }
        var stable = Band(r => r.StableMolecules);
        var valid = Band(r => r.Valid);
        var series = new List<PlotSeries>
        {
            new("Atom Sta", x, Rows.Select(r => 100 * r.AtomStability).ToArray()),
            new("Mol Sta", x, Rows.Select(r => 100 * r.MoleculeStability).ToArray())
                { Low = stable.Low, High = stable.High },
            new("Valid", x, Rows.Select(r => 100 * r.Validity).ToArray())
                { Low = valid.Low, High = valid.High },
            new("Valid & Unique", x, Rows.Select(r => 100 * r.ValidAndUnique).ToArray()) { Dashed = true },
            new("Single fragment", x, Rows.Select(r => 100 * r.SingleFragment).ToArray()) { Dashed = true },
        };
        if (Rows.All(r => r.Novelty is not null))
            series.Add(new("Novel", x, Rows.Select(r => 100 * r.Novelty!.Value).ToArray()) { Dashed = true });
        return series;
    }

    /// <summary>Molecules per size, for the bars under a per-size plot.</summary>
    public PlotSeries ToCountSeries() =>
        new("Molecules", Rows.Select(r => (double)r.AtomCount).ToArray(), Rows.Select(r => (double)r.Molecules).ToArray());

    /// <summary>The overall row in the paper's table format (percentages, one decimal; the single-fragment fraction beside validity, novelty when it was computed), and how many molecules were read, evaluated and skipped.</summary>
    public string ToTable(string label = "model")
    {
        var o = Overall;
        var sb = new StringBuilder();
        bool novel = o.Novelty is not null;
        sb.AppendLine("| Model | Atom Sta (%) | Mol Sta (%) | Valid (%) | Single fragment (%) | Valid & Unique (%) |" + (novel ? " Novel (%) |" : ""));
        sb.AppendLine("|---|---|---|---|---|---|" + (novel ? "---|" : ""));
        sb.Append(CultureInfo.InvariantCulture, $"| {label} | {100 * o.AtomStability:F1} | {100 * o.MoleculeStability:F1} | {100 * o.Validity:F1} | {100 * o.SingleFragment:F1} | {100 * o.ValidAndUnique:F1} |");
        if (novel) sb.Append(CultureInfo.InvariantCulture, $" {100 * o.Novelty!.Value:F1} |");
        sb.AppendLine();
        sb.Append(CultureInfo.InvariantCulture, $"Molecules: {ReadCount} read, {EvaluatedCount} evaluated, {SkippedCount} skipped");
        sb.AppendLine(SkippedCount > 0 ? " (malformed records, scored as invalid)" : "");
        return sb.ToString();
    }
}
