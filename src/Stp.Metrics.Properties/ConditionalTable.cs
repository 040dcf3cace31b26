using System.Globalization;
using System.Text;
using Stp.Data;

namespace Stp.Metrics.Properties;

/// <summary>
/// The MAE table of conditional generation in the paper's format (table 2: property, unit, MAE, with the lower bound and
/// the baselines beside it), in the table's units (homo/lumo/gap in meV).
/// </summary>
public static class ConditionalTable
{
    /// <summary>A Markdown table, one line per row, with <paramref name="label"/> naming the generator.</summary>
    public static string ToMarkdown(IReadOnlyList<ConditionalRow> rows, string label = "generated")
    {
        ArgumentNullException.ThrowIfNull(rows);
        var sb = new StringBuilder();
        sb.AppendLine($"| Property | Unit | {label} MAE | molecules | QM9 (lower bound) | #Atoms (numnodes) | Naive (constant) | Shuffled labels (upper bound) | Spearman (requested, predicted) | Spearman within sizes |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            var p = Qm9Properties.All.TryGetValue(r.Property, out var q) ? q : new Qm9Property(r.Property, "", 1, "", 1);
            string F(double? v) => v is double x ? Format(x * p.TableScale) : "-";
            sb.AppendLine($"| {r.Property} | {p.TableUnit} | {F(r.Mae)} | {r.Molecules} | {F(r.HeldOut?.LowerBound)} | {F(r.NumNodesOnGenerated ?? r.HeldOut?.NumNodes)} | {F(r.HeldOut?.Naive)} | {F(r.HeldOut?.Shuffled)} | {(r.Spearman is double rho ? string.Create(CultureInfo.InvariantCulture, $"{rho:F3} (p = {RankCorrelation.OneSidedPValue(rho, r.Molecules):G2})") : "-")} | {(r.SpearmanWithinSizes is { } w ? string.Create(CultureInfo.InvariantCulture, $"{w.Rho:F3} (p = {w.OneSidedPValue:G2}; {w.Groups} sizes)") : "-")} |");
        }
        return sb.ToString().TrimEnd();
    }

    /// <summary>Two or three significant decimals as the paper prints them (e.g. 2.76, 0.043, 655).</summary>
    internal static string Format(double v) => Math.Abs(v) switch
    {
        >= 100 => v.ToString("F0", CultureInfo.InvariantCulture),
        >= 1 => v.ToString("F2", CultureInfo.InvariantCulture),
        _ => v.ToString("F3", CultureInfo.InvariantCulture),
    };
}
