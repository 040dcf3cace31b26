using System.Globalization;
using System.Text;
using Stp.Data;
using Stp.Metrics.Reports;

namespace Stp.Metrics.Alignment;

/// <summary>Alignment curves per step, per size and over all sizes; CSV and PNG output (the paper's figure 3).</summary>
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

    /// <summary>Writes a PNG of gamma_t (or beta_t) against t, one curve per size (at most <paramref name="maxCurves"/> sizes, spread evenly).</summary>
    public void WritePlot(string path, bool beta = false, int maxCurves = 8)
    {
        var sizes = Sizes;
        IEnumerable<int> chosen = sizes;
        if (sizes.Count > maxCurves)
            chosen = Enumerable.Range(0, maxCurves).Select(i => sizes[(int)Math.Round(i * (sizes.Count - 1) / (double)(maxCurves - 1))]).Distinct();
        var series = chosen.Select(n =>
        {
            var pts = BySize.Where(p => p.AtomCount == n && !double.IsNaN(beta ? p.Beta : p.Gamma)).ToArray();
            return new PlotSeries($"N={n}", pts.Select(p => (double)p.Step).ToArray(), pts.Select(p => beta ? p.Beta : p.Gamma).ToArray());
        }).ToList();
        string what = beta ? "beta_t (type agreement with final)" : "gamma_t = <x_t, x_0> / ||x_0||^2";
        PlotWriter.WriteLines(path, "Generation-target alignment", "step t (T -> 0)", what, series, markers: false, invertX: true);
    }
}
