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
    private SizeReport(IReadOnlyList<SizeReportRow> rows, SizeReportRow overall)
    {
        Rows = rows;
        Overall = overall;
    }

    /// <summary>One row per atom count present, ascending N.</summary>
    public IReadOnlyList<SizeReportRow> Rows { get; }

    /// <summary>All molecules together (AtomCount = 0).</summary>
    public SizeReportRow Overall { get; }

    /// <summary>Builds the report from an evaluation.</summary>
    public static SizeReport From(EvaluationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var rows = result.Molecules.GroupBy(m => m.AtomCount).OrderBy(g => g.Key)
            .Select(g => Row(g.Key, g.ToList(), result.TrainingSet)).ToList();
        return new SizeReport(rows, Row(0, result.Molecules, result.TrainingSet));
    }

    private static SizeReportRow Row(int n, IReadOnlyList<MoleculeMetrics> ms, NoveltyReference? training)
    {
        var t = new MetricTotals(ms);
        return new SizeReportRow(n, t.Molecules, t.AtomStability, t.MoleculeStability, t.Validity, t.Uniqueness, t.ValidAndUnique,
            training is null ? null : t.Novelty(training));
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>CSV text: n_atoms, molecules, atom_stability, mol_stability, validity, uniqueness, valid_and_unique, novelty (fractions; overall row has n_atoms "all").</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder("n_atoms,molecules,atom_stability,mol_stability,validity,uniqueness,valid_and_unique,novelty\n");
        foreach (var r in Rows.Append(Overall))
        {
            sb.Append(r.AtomCount == 0 ? "all" : r.AtomCount.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(r.Molecules.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(F(r.AtomStability)).Append(',').Append(F(r.MoleculeStability)).Append(',')
              .Append(F(r.Validity)).Append(',').Append(F(r.Uniqueness)).Append(',').Append(F(r.ValidAndUnique)).Append(',')
              .Append(r.Novelty is { } nv ? F(nv) : "").Append('\n');
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
    /// The per-size curves in % against N, as the plot of the metrics by size draws them: Atom Sta, Mol Sta, Valid,
    /// Valid &amp; Unique, and Novel when every row has a novelty. The Stp.Metrics.Plotting package draws them
    /// (<c>report.WritePlot(path)</c>).
    /// </summary>
    public IReadOnlyList<PlotSeries> ToPlotSeries()
    {
        double[] x = Rows.Select(r => (double)r.AtomCount).ToArray();
        var series = new List<PlotSeries>
        {
            new("Atom Sta", x, Rows.Select(r => 100 * r.AtomStability).ToArray()),
            new("Mol Sta", x, Rows.Select(r => 100 * r.MoleculeStability).ToArray()),
            new("Valid", x, Rows.Select(r => 100 * r.Validity).ToArray()),
            new("Valid & Unique", x, Rows.Select(r => 100 * r.ValidAndUnique).ToArray()),
        };
        if (Rows.All(r => r.Novelty is not null))
            series.Add(new("Novel", x, Rows.Select(r => 100 * r.Novelty!.Value).ToArray()));
        return series;
    }

    /// <summary>The overall row in the paper's table format (percentages, one decimal).</summary>
    public string ToTable(string label = "model")
    {
        var o = Overall;
        var sb = new StringBuilder();
        sb.AppendLine("| Model | Atom Sta (%) | Mol Sta (%) | Valid (%) | Valid & Unique (%) |");
        sb.AppendLine("|---|---|---|---|---|");
        sb.Append(CultureInfo.InvariantCulture, $"| {label} | {100 * o.AtomStability:F1} | {100 * o.MoleculeStability:F1} | {100 * o.Validity:F1} | {100 * o.ValidAndUnique:F1} |");
        sb.AppendLine();
        return sb.ToString();
    }
}
