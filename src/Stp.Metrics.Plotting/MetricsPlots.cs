using Stp.Metrics.Alignment;
using Stp.Metrics.Reports;

namespace Stp.Metrics.Plotting;

/// <summary>
/// PNG plots of Stp.Metrics results (kept out of Stp.Metrics so that the metrics carry no graphics library):
/// <c>report.WritePlot("metrics_by_size.png")</c>, <c>alignment.WritePlot("alignment_gamma.png")</c>.
/// </summary>
public static class MetricsPlots
{
    /// <summary>
    /// Writes a PNG of every metric of the report (in %) against the atom count N (<see cref="SizeReport.ToPlotSeries"/>:
    /// 95% Wilson bands on molecule stability and validity, Valid &amp; Unique dashed), with the number of molecules of
    /// each size as bars on the right-hand axis, so that a size's curve can be weighed by how many molecules it rests on.
    /// </summary>
    /// <param name="report">The per-size report.</param>
    /// <param name="path">Output PNG path (written atomically; its folder is created when missing).</param>
    /// <param name="title">Plot title (name the model in it).</param>
    public static void WritePlot(this SizeReport report, string path, string title = "Metrics by molecule size")
    {
        ArgumentNullException.ThrowIfNull(report);
        PlotWriter.WriteLines(path, $"{title} ({report.ReadCount} molecules)", "Number of atoms N", "%", report.ToPlotSeries(),
            width: 1000, yLimits: (-2, 102), bars: report.ToCountSeries());
    }

    /// <summary>
    /// Writes a PNG of gamma_N against N: the table, its sizes that come from the power-law fit (too few molecules)
    /// marked with open circles, and a reference table (e.g. the published one) overlaid for comparison.
    /// </summary>
    /// <param name="table">The table to draw.</param>
    /// <param name="path">Output PNG path (written atomically).</param>
    /// <param name="reference">A table to overlay (sizes where it is zero are left out), or null.</param>
    /// <param name="title">Plot title.</param>
    public static void WritePlot(this Stp.Prior.PriorScaleTable table, string path, Stp.Prior.PriorScaleTable? reference = null,
        string title = "StP prior scale gamma_N by molecule size")
    {
        ArgumentNullException.ThrowIfNull(table);
        var sizes = Enumerable.Range(1, table.MaxAtoms).Where(n => table.Gammas[n] > 0).ToArray();
        var series = new List<PlotSeries>
        {
            new($"gamma_N ({table.Name})", sizes.Select(n => (double)n).ToArray(), sizes.Select(n => table.Gammas[n]).ToArray()),
        };
        var fitted = sizes.Where(n => table.IsFitted[n]).ToArray();
        if (fitted.Length > 0)
            series.Add(new("from the power-law fit", fitted.Select(n => (double)n).ToArray(), fitted.Select(n => table.Gammas[n]).ToArray()) { MarkersOnly = true });
        if (reference is not null)
        {
            var refSizes = Enumerable.Range(1, reference.MaxAtoms).Where(n => reference.Gammas[n] > 0).ToArray();
            series.Add(new(reference.Name, refSizes.Select(n => (double)n).ToArray(), refSizes.Select(n => reference.Gammas[n]).ToArray()) { Dashed = true });
        }
        PlotWriter.WriteLines(path, title, "atoms N", "gamma_N", series, width: 900, height: 520);
    }

    /// <summary>Writes a PNG of gamma_t (or beta_t) against t, one curve per size (see <see cref="AlignmentResult.ToPlotSeries"/>).</summary>
    /// <param name="result">The alignment curves.</param>
    /// <param name="path">Output PNG path (written atomically; its folder is created when missing).</param>
    /// <param name="beta">Plot beta_t (type agreement with the final sample) instead of gamma_t.</param>
    /// <param name="maxCurves">The most sizes drawn, spread evenly over the sizes present.</param>
    public static void WritePlot(this AlignmentResult result, string path, bool beta = false, int maxCurves = 8)
        => WritePlot(result, path, "Generation-target alignment", beta, maxCurves);

    /// <summary>As <see cref="WritePlot(AlignmentResult, string, bool, int)"/>, with a title (e.g. the model and its prior).</summary>
    public static void WritePlot(this AlignmentResult result, string path, string title, bool beta = false, int maxCurves = 8)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(title);
        string what = beta ? "beta_t (type agreement with final)" : "gamma_t = <x_t, x_0> / ||x_0||^2";
        PlotWriter.WriteLines(path, title, "step t (T -> 0)", what, result.ToPlotSeries(beta, maxCurves),
            markers: false, invertX: true);
    }
}
