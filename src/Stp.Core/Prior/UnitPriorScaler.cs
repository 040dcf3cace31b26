namespace Stp.Prior;

/// <summary>The unit prior of plain EDM: gamma_N = 1 for every size.</summary>
public sealed class UnitPriorScaler : IPriorScaler
{
    private UnitPriorScaler() { }

    /// <summary>The single instance.</summary>
    public static UnitPriorScaler Instance { get; } = new();

    /// <summary>Returns 1 for every <paramref name="atomCount"/> ≥ 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="atomCount"/> is below 1.</exception>
    public double PriorScale(int atomCount)
    {
        if (atomCount < 1)
            throw new ArgumentOutOfRangeException(nameof(atomCount), atomCount, "A molecule has at least one atom.");
        return 1.0;
    }
}
