namespace Stp.Testing;

/// <summary>Small statistics for test assertions.</summary>
internal static class Stats
{
    /// <summary>The (upper) median of <paramref name="values"/>.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var s = values.Order().ToArray();
        return s[s.Length / 2];
    }
}
