namespace Stp.Metrics.Reports;

/// <summary>One line of a <see cref="PlotWriter"/> plot: a legend label and its points.</summary>
/// <param name="Label">Legend text.</param>
/// <param name="X">X values, one per point.</param>
/// <param name="Y">Y values, one per point (same length as <paramref name="X"/>).</param>
public sealed record PlotSeries(string Label, double[] X, double[] Y);
