using Stp.Data;

namespace Stp.Metrics.Reports;

/// <summary>Line plots written to PNG with ScottPlot (atomically: rendered in memory, then written).</summary>
internal static class PlotWriter
{
    public sealed record Series(string Label, double[] X, double[] Y);

    public static void WriteLines(string path, string title, string xLabel, string yLabel, IReadOnlyList<Series> series,
        int width = 900, int height = 560, bool markers = true, (double Min, double Max)? yLimits = null, bool invertX = false)
    {
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
