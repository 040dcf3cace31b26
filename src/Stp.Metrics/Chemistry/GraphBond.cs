namespace Stp.Metrics.Chemistry;

/// <summary>A bond between atoms <paramref name="Begin"/> and <paramref name="End"/> (0-based atom indices).</summary>
/// <param name="Begin">First atom index.</param>
/// <param name="End">Second atom index.</param>
/// <param name="Kind">Bond type.</param>
public readonly record struct GraphBond(int Begin, int End, BondKind Kind);
