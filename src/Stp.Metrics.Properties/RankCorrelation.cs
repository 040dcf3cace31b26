namespace Stp.Metrics.Properties;

/// <summary>
/// Spearman's rank correlation between the requested and the predicted property of generated molecules: whether the
/// generator follows its context at all, the honest small-scale version of table 2 when the MAE itself is still large.
/// </summary>
public static class RankCorrelation
{
    /// <summary>Spearman's rho (Pearson correlation of the ranks; ties get their average rank).</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count || x.Count < 3) throw new ArgumentException($"Need two series of the same length >= 3 (got {x.Count} and {y.Count}).");
        var rx = Ranks(x); var ry = Ranks(y);
        double mx = rx.Average(), my = ry.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < rx.Length; i++) { sxy += (rx[i] - mx) * (ry[i] - my); sxx += (rx[i] - mx) * (rx[i] - mx); syy += (ry[i] - my) * (ry[i] - my); }
        return sxx == 0 || syy == 0 ? 0 : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>One-sided p-value of rho > 0 under independence, by the large-sample normal approximation z = rho sqrt(n - 1).</summary>
    public static double OneSidedPValue(double rho, int n) => 0.5 * Erfc(rho * Math.Sqrt(n - 1) / Math.Sqrt(2));

    /// <summary>
    /// Spearman's rho within groups (molecule sizes), pooled: rho_k in every group with at least 3 molecules and values
    /// that are not all equal, weighted by n_k - 1, the inverse of its variance under independence (rho_k ~ N(0, 1 / (n_k - 1))),
    /// so the pooled z = rho sqrt(sum (n_k - 1)). Across sizes rho is inflated by N, because p(c | N) ties the requested
    /// value to the atom count, which the predictor sees; within a size only the context can move the prediction.
    /// Null when no group qualifies.
    /// </summary>
    public static StratifiedSpearman? WithinGroups(IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<int> groups)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(groups);
        if (x.Count != y.Count || x.Count != groups.Count) throw new ArgumentException($"Need three series of the same length (got {x.Count}, {y.Count} and {groups.Count}).");
        double sum = 0;
        int weight = 0, used = 0, count = 0;
        foreach (var g in Enumerable.Range(0, x.Count).GroupBy(i => groups[i]))
        {
            var idx = g.ToArray();
            if (idx.Length < 3) continue;
            var gx = idx.Select(i => x[i]).ToArray();
            var gy = idx.Select(i => y[i]).ToArray();
            if (gx.Distinct().Count() < 2 || gy.Distinct().Count() < 2) continue;
            sum += (idx.Length - 1) * Spearman(gx, gy);
            weight += idx.Length - 1;
            used += idx.Length;
            count++;
        }
        if (count == 0) return null;
        double rho = sum / weight;
        return new StratifiedSpearman(rho, OneSidedPValue(rho, weight + 1), count, used);
    }

    private static double[] Ranks(IReadOnlyList<double> v)
    {
        var order = Enumerable.Range(0, v.Count).OrderBy(i => v[i]).ToArray();
        var ranks = new double[v.Count];
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && v[order[j + 1]] == v[order[i]]) j++;
            for (int k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2.0 + 1;
            i = j + 1;
        }
        return ranks;
    }

    // Complementary error function (Numerical Recipes' erfcc, relative error < 1.2e-7).
    private static double Erfc(double x)
    {
        double z = Math.Abs(x), t = 1 / (1 + 0.5 * z);
        double r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807
            + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}

/// <summary>Spearman's rho pooled over groups (<see cref="RankCorrelation.WithinGroups"/>).</summary>
/// <param name="Rho">The pooled rho, sum (n_k - 1) rho_k / sum (n_k - 1).</param>
/// <param name="OneSidedPValue">One-sided p-value of rho > 0 under independence within every group.</param>
/// <param name="Groups">Groups that entered (at least 3 molecules, values not all equal).</param>
/// <param name="Molecules">Molecules in those groups.</param>
public sealed record StratifiedSpearman(double Rho, double OneSidedPValue, int Groups, int Molecules);
