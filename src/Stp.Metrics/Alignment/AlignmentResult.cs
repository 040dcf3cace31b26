using System.Globalization;
using System.Text;
using Stp.Data;
using Stp.Metrics.Reports;

namespace Stp.Metrics.Alignment;

/// <summary>Alignment curves per step, per size and over all sizes; CSV output and plot series (the paper's figure 3).</summary>
public sealed class AlignmentResult
{
    internal AlignmentResult(IReadOnlyList<AlignmentPoint> bySize, IReadOnlyList<AlignmentPoint> overall)
    {
        BySize = bySize;
        Overall = overall;
    }

    /// <summary>Points for each (step, N), ordered by N then descending step.</summary>
    public IReadOnlyList<AlignmentPoint> BySize { get; }

    /// <summary>Points over all sizes (AtomCount = 0), descending step.</summary>
    public IReadOnlyList<AlignmentPoint> Overall { get; }

    /// <summary>Sizes present.</summary>
    public IReadOnlyList<int> Sizes => BySize.Select(p => p.AtomCount).Distinct().Order().ToArray();

    /// <summary>CSV: step, n_atoms ("all" for the overall curve), molecules, gamma, beta.</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder("step,n_atoms,molecules,gamma,beta\n");
        foreach (var p in BySize.Concat(Overall))
        {
            sb.Append(p.Step.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(p.AtomCount == 0 ? "all" : p.AtomCount.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(p.Molecules.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(p.Gamma.ToString("R", CultureInfo.InvariantCulture)).Append(',')
              .Append(p.Beta.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Writes <see cref="ToCsv"/> atomically.</summary>
    public void WriteCsv(string path) => AtomicFile.WriteAllText(path, ToCsv());

    /// <summary>
    /// The curves of gamma_t (or beta_t) against t, one per size (at most <paramref name="maxCurves"/> sizes, spread
    /// evenly over the sizes present). The Stp.Metrics.Plotting package draws them (<c>result.WritePlot(path)</c>).
    /// </summary>
    /// <param name="beta">Curves of beta_t (type agreement with the final sample) instead of gamma_t.</param>
    /// <param name="maxCurves">The most sizes drawn (at least 2: the smallest and the largest are always among them).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCurves"/> is less than 2.</exception>
    public IReadOnlyList<PlotSeries> ToPlotSeries(bool beta = false, int maxCurves = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCurves, 2);
        var sizes = Sizes;
        IEnumerable<int> chosen = sizes;
        if (sizes.Count > maxCurves)
            chosen = Enumerable.Range(0, maxCurves).Select(i => sizes[(int)Math.Round(i * (sizes.Count - 1) / (double)(maxCurves - 1))]).Distinct();
        return chosen.Select(n =>
        {
            var pts = BySize.Where(p => p.AtomCount == n && !double.IsNaN(beta ? p.Beta : p.Gamma)).ToArray();
            return new PlotSeries($"N={n}", pts.Select(p => (double)p.Step).ToArray(), pts.Select(p => beta ? p.Beta : p.Gamma).ToArray());
        }).ToList();
    }
}
