namespace Stp.Metrics.Chemistry;

/// <summary>
/// Distance thresholds (Angstrom: table length + margin) of one directional pair of <see cref="BondTable"/>;
/// negative infinity where the table has no entry.
/// </summary>
internal readonly record struct BondThresholds(double Single, double Double, double Triple)
{
    /// <summary>EDM's bond order at distance <paramref name="d"/>: 0 (no bond), 1, 2 or 3, strict "&lt;" comparisons.</summary>
    public int Order(double d)
    {
        if (!(d < Single)) return 0;
        if (!(d < Double)) return 1;
        return d < Triple ? 3 : 2;
    }
}
