using Stp.Data;
using Stp.Metrics.Reports;

namespace Stp.Metrics.Plotting;

/// <summary>
/// Line plots written to PNG with ScottPlot, atomically: the image is rendered in memory and then written through
/// <see cref="AtomicFile"/>, so the target never holds a partial file.
/// </summary>
public static class PlotWriter
{
    /// <summary>Writes a line plot (one line per series, in order) to a PNG file.</summary>
    /// <param name="path">Output PNG path; its folder is created when missing and an existing file is replaced.</param>
    /// <param name="title">Plot title.</param>
    /// <param name="xLabel">X-axis label.</param>
    /// <param name="yLabel">Y-axis label.</param>
    /// <param name="series">The lines; a series without points is left out. A legend is drawn when there is more than one series.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="markers">Draw a marker at every point (otherwise lines only).</param>
    /// <param name="yLimits">Fixed y range; null scales to the data.</param>
    /// <param name="invertX">Draw the x axis from high to low (e.g. diffusion steps T → 0).</param>
    /// <exception cref="ArgumentException">A series has different numbers of X and Y values, or a size is not positive.</exception>
    public static void WriteLines(string path, string title, string xLabel, string yLabel, IReadOnlyList<PlotSeries> series,
        int width = 900, int height = 560, bool markers = true, (double Min, double Max)? yLimits = null, bool invertX = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        foreach (var s in series)
            if (s.X.Length != s.Y.Length)
                throw new ArgumentException($"Series '{s.Label}' has {s.X.Length} x values but {s.Y.Length} y values.", nameof(series));
        var plot = new ScottPlot.Plot();
        foreach (var s in series)
        {
            if (s.X.Length == 0) continue;
            var sc = plot.Add.Scatter(s.X, s.Y);
            sc.LegendText = s.Label;
            sc.LineWidth = 2;
            sc.MarkerSize = markers ? 5 : 0;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (series.Count > 1) plot.ShowLegend(ScottPlot.Edge.Right);
        plot.Axes.AutoScale();
        if (yLimits is { } lim) plot.Axes.SetLimitsY(lim.Min, lim.Max);
        if (invertX)
        {
            var l = plot.Axes.GetLimits();
            plot.Axes.SetLimitsX(l.Right, l.Left);
        }
        var bytes = plot.GetImageBytes(width, height, ScottPlot.ImageFormat.Png);
        AtomicFile.Write(path, s => s.Write(bytes));
    }
}
