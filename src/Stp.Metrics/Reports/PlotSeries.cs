namespace Stp.Metrics.Reports;

/// <summary>One line of a plot: a legend label and its points (Stp.Metrics.Plotting's <c>PlotWriter</c> draws them).</summary>
/// <param name="Label">Legend text.</param>
/// <param name="X">X values, one per point.</param>
/// <param name="Y">Y values, one per point (same length as <paramref name="X"/>).</param>
public sealed record PlotSeries(string Label, double[] X, double[] Y);
