namespace Stp.Metrics.Structure;

/// <summary>Jensen-Shannon divergence with natural logarithms: 0.5 KL(p||m) + 0.5 KL(q||m), m = (p + q) / 2.</summary>
public static class JensenShannon
{
    /// <summary>
    /// Divergence of two histograms (normalised here). Values lie in [0, ln 2]. An empty histogram against a
    /// non-empty one gives ln 2 (maximal); two empty histograms give 0.
    /// </summary>
    /// <exception cref="ArgumentException">Different lengths or negative counts.</exception>
    public static double Divergence(ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        if (p.Length != q.Length) throw new ArgumentException($"Histograms have {p.Length} and {q.Length} bins.");
        double sp = 0, sq = 0;
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] < 0 || q[i] < 0 || !double.IsFinite(p[i]) || !double.IsFinite(q[i]))
                throw new ArgumentException($"Bin {i} holds a negative or non-finite value.");
            sp += p[i]; sq += q[i];
        }
        if (sp == 0 && sq == 0) return 0;
        if (sp == 0 || sq == 0) return Math.Log(2);
        double js = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double a = p[i] / sp, b = q[i] / sq, m = 0.5 * (a + b);
            if (a > 0) js += 0.5 * a * Math.Log(a / m);
            if (b > 0) js += 0.5 * b * Math.Log(b / m);
        }
        return Math.Max(0, js);
    }

    /// <summary>Divergence of two count histograms.</summary>
    public static double Divergence(IReadOnlyList<long> p, IReadOnlyList<long> q) =>
        Divergence(p.Select(v => (double)v).ToArray(), q.Select(v => (double)v).ToArray());
}
