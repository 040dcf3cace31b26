namespace Stp.Metrics.Reports;

/// <summary>One line of a plot: a legend label and its points (Stp.Metrics.Plotting's <c>PlotWriter</c> draws them).</summary>
/// <param name="Label">Legend text.</param>
/// <param name="X">X values, one per point.</param>
/// <param name="Y">Y values, one per point (same length as <paramref name="X"/>).</param>
public sealed record PlotSeries(string Label, double[] X, double[] Y)
{
    /// <summary>Lower edge of a shaded band around the line (e.g. a 95% confidence interval), one per point; null for none.</summary>
    public double[]? Low { get; init; }

    /// <summary>Upper edge of the band, one per point (set together with <see cref="Low"/>).</summary>
    public double[]? High { get; init; }

    /// <summary>Draw the line dashed (e.g. a series that often coincides with another one).</summary>
    public bool Dashed { get; init; }

    /// <summary>Draw markers only, no line (e.g. marked points on top of a curve).</summary>
    public bool MarkersOnly { get; init; }
}
