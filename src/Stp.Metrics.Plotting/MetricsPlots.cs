using Stp.Metrics.Alignment;
using Stp.Metrics.Reports;

namespace Stp.Metrics.Plotting;

/// <summary>
/// PNG plots of Stp.Metrics results (kept out of Stp.Metrics so that the metrics carry no graphics library):
/// <c>report.WritePlot("metrics_by_size.png")</c>, <c>alignment.WritePlot("alignment_gamma.png")</c>.
/// </summary>
public static class MetricsPlots
{
    /// <summary>Writes a PNG of every metric of the report (in %) against the atom count N.</summary>
    /// <param name="report">The per-size report.</param>
    /// <param name="path">Output PNG path (written atomically; its folder is created when missing).</param>
    /// <param name="title">Plot title.</param>
    public static void WritePlot(this SizeReport report, string path, string title = "Metrics by molecule size")
    {
        ArgumentNullException.ThrowIfNull(report);
        PlotWriter.WriteLines(path, title, "Number of atoms N", "%", report.ToPlotSeries(), yLimits: (-2, 102));
    }

    /// <summary>Writes a PNG of gamma_t (or beta_t) against t, one curve per size (see <see cref="AlignmentResult.ToPlotSeries"/>).</summary>
    /// <param name="result">The alignment curves.</param>
    /// <param name="path">Output PNG path (written atomically; its folder is created when missing).</param>
    /// <param name="beta">Plot beta_t (type agreement with the final sample) instead of gamma_t.</param>
    /// <param name="maxCurves">The most sizes drawn, spread evenly over the sizes present.</param>
    public static void WritePlot(this AlignmentResult result, string path, bool beta = false, int maxCurves = 8)
    {
        ArgumentNullException.ThrowIfNull(result);
        string what = beta ? "beta_t (type agreement with final)" : "gamma_t = <x_t, x_0> / ||x_0||^2";
        PlotWriter.WriteLines(path, "Generation-target alignment", "step t (T -> 0)", what, result.ToPlotSeries(beta, maxCurves),
            markers: false, invertX: true);
    }
}
