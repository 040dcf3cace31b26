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
    /// <param name="series">The lines; a series without points is left out. A legend is drawn when there is more than one
    /// series. A series with <see cref="PlotSeries.Low"/>/<see cref="PlotSeries.High"/> gets a shaded band in its colour.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="markers">Draw a marker at every point (otherwise lines only).</param>
    /// <param name="yLimits">Fixed y range; null scales to the data.</param>
    /// <param name="invertX">Draw the x axis from high to low (e.g. diffusion steps T → 0).</param>
    /// <param name="bars">Optional bars on a right-hand axis (e.g. molecules per size under per-size metrics), labelled with the series' label.</param>
    /// <exception cref="ArgumentException">A series has different numbers of X and Y (or band) values, or a size is not positive.</exception>
    public static void WriteLines(string path, string title, string xLabel, string yLabel, IReadOnlyList<PlotSeries> series,
        int width = 900, int height = 560, bool markers = true, (double Min, double Max)? yLimits = null, bool invertX = false,
        PlotSeries? bars = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        foreach (var s in series.Concat(bars is null ? [] : [bars]))
        {
            if (s.X.Length != s.Y.Length)
                throw new ArgumentException($"Series '{s.Label}' has {s.X.Length} x values but {s.Y.Length} y values.", nameof(series));
            if ((s.Low is null) != (s.High is null) || (s.Low is not null && (s.Low.Length != s.X.Length || s.High!.Length != s.X.Length)))
                throw new ArgumentException($"Series '{s.Label}' needs Low and High bands of {s.X.Length} values each, or neither.", nameof(series));
        }
        var plot = new ScottPlot.Plot();
        if (bars is { X.Length: > 0 })
        {
            var b = plot.Add.Bars(bars.X, bars.Y);
            b.Color = ScottPlot.Colors.Gray.WithAlpha(0.25);
            b.Axes.YAxis = plot.Axes.Right;
            b.LegendText = bars.Label;
            plot.Axes.Right.Label.Text = bars.Label;
        }
        var palette = new ScottPlot.Palettes.Category10();
        int index = 0;
        foreach (var s in series)
        {
            if (s.X.Length == 0) continue;
            var color = palette.GetColor(index++);
            if (s.Low is not null)
            {
                var keep = Enumerable.Range(0, s.X.Length).Where(i => double.IsFinite(s.Low[i]) && double.IsFinite(s.High![i])).ToArray();
                if (keep.Length > 1)
                {
                    var band = plot.Add.FillY(keep.Select(i => s.X[i]).ToArray(), keep.Select(i => s.Low[i]).ToArray(), keep.Select(i => s.High![i]).ToArray());
                    band.FillColor = color.WithAlpha(0.15);
                    band.LineWidth = 0;
                }
            }
            var sc = plot.Add.Scatter(s.X, s.Y);
            sc.Color = color;
            sc.LegendText = s.Label + (s.Low is not null ? " (95% CI)" : "");
            sc.LineWidth = s.MarkersOnly ? 0 : 2;
            sc.MarkerSize = markers || s.MarkersOnly ? (s.MarkersOnly ? 9 : 5) : 0;
            if (s.MarkersOnly) sc.MarkerShape = ScottPlot.MarkerShape.OpenCircle;
            if (s.Dashed) sc.LinePattern = ScottPlot.LinePattern.Dashed;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (series.Count + (bars is null ? 0 : 1) > 1) plot.ShowLegend(ScottPlot.Edge.Right);
        plot.Axes.AutoScale();
        if (bars is { Y.Length: > 0 }) plot.Axes.SetLimitsY(0, Math.Max(1, bars.Y.Max()) * 1.15, plot.Axes.Right); // counts start at zero
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
