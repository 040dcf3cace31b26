namespace Stp.Metrics.Structure;

/// <summary>Jensen-Shannon divergence of one histogram key between a reference and a generated set.</summary>
/// <param name="Key">Histogram key, e.g. "C-H" (pair), "C=C" (pair and bond type), "C-C-O" (angle), "all".</param>
/// <param name="ReferenceCount">Values in the reference histogram.</param>
/// <param name="GeneratedCount">Values in the generated histogram.</param>
/// <param name="Divergence">Jensen-Shannon divergence (natural log).</param>
public sealed record DivergenceEntry(string Key, long ReferenceCount, long GeneratedCount, double Divergence);
