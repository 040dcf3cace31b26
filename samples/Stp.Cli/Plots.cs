using ScottPlot;

namespace Stp.Cli;

internal static class Plots
{
    public static void Lines(string path, string title, string xLabel, string yLabel, params (string Label, (double X, double Y)[] Points)[] series)
    {
        var plot = new Plot();
        foreach (var (label, pts) in series)
        {
            var s = plot.Add.Scatter(pts.Select(p => p.X).ToArray(), pts.Select(p => p.Y).ToArray());
            s.LegendText = label;
        }
        plot.Title(title); plot.XLabel(xLabel); plot.YLabel(yLabel);
        plot.ShowLegend();
        var tmp = path + ".tmp.png";
        plot.SavePng(tmp, 800, 500);
        File.Move(tmp, path, true);
    }
}
