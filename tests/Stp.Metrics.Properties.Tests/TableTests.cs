using NUnit.Framework;

namespace Stp.Metrics.Properties.Tests;

/// <summary>Spearman's rho against hand-computed values, and the table in the paper's units.</summary>
public class TableTests
{
    [Test]
    public void SpearmanMatchesHandComputedRanks()
    {
        // Ranks x: 1 2 3 4 5, y: 2 1 4 3 5 -> d^2 = 1+1+1+1+0 = 4, rho = 1 - 6*4/(5*24) = 0.8.
        Assert.That(RankCorrelation.Spearman(new[] { 1.0, 2, 3, 4, 5 }, new[] { 20.0, 10, 40, 30, 50 }), Is.EqualTo(0.8).Within(1e-12));
        Assert.That(RankCorrelation.Spearman(new[] { 1.0, 2, 3 }, new[] { 3.0, 2, 1 }), Is.EqualTo(-1).Within(1e-12));
        // Ties get the average rank: y ranks 1.5 1.5 3 -> Pearson of (1,2,3) and (1.5,1.5,3) = 0.8660.
        Assert.That(RankCorrelation.Spearman(new[] { 1.0, 2, 3 }, new[] { 5.0, 5, 9 }), Is.EqualTo(Math.Sqrt(3) / 2).Within(1e-12));
        Assert.That(RankCorrelation.OneSidedPValue(0, 100), Is.EqualTo(0.5).Within(1e-7));
        Assert.That(RankCorrelation.OneSidedPValue(0.196, 101), Is.EqualTo(0.025).Within(1e-4), "z = 1.96");
    }

    [Test]
    public void SpearmanWithinSizesPoolsTheGroupsByTheirVariance()
    {
        // Size 5: rho 0.8 (n 5, weight 4); size 7: rho -1 (n 3, weight 2); size 9 has 2 molecules and size 11 equal
        // requests, so both stay out. Pooled (4 x 0.8 - 2 x 1) / 6 = 0.2, z = 0.2 sqrt(6).
        double[] x = { 1, 2, 3, 4, 5, 101, 102, 103, 200, 201, 300, 300, 300 };
        double[] y = { 20, 10, 40, 30, 50, 103, 102, 101, 200, 201, 301, 302, 303 };
        int[] n = { 5, 5, 5, 5, 5, 7, 7, 7, 9, 9, 11, 11, 11 };
        var w = RankCorrelation.WithinGroups(x, y, n)!;
        Assert.That(w.Rho, Is.EqualTo(0.2).Within(1e-12));
        Assert.That((w.Groups, w.Molecules), Is.EqualTo((2, 8)));
        Assert.That(w.OneSidedPValue, Is.EqualTo(0.3121).Within(1e-4), "1 - Phi(0.2 sqrt 6 = 0.4899)");
        // Across sizes the same values correlate almost perfectly: the size, not the context, orders them.
        Assert.That(RankCorrelation.Spearman(x, y), Is.GreaterThan(0.8));
        Assert.That(RankCorrelation.WithinGroups(new[] { 1.0, 2 }, new[] { 1.0, 2 }, new[] { 3, 3 }), Is.Null);
    }

    [Test]
    public void TablePrintsInThePapersUnits()
    {
        var row = new ConditionalRow("gap", 100, 0.655, null, new HeldOutMae(500, 0.064, 1.2, 1.3, 1.4), 0.25);
        var table = ConditionalTable.ToMarkdown(new[] { row }, "EDM");
        Assert.That(table, Does.Contain("| gap | meV | 655 | 100 | 64.00 | 1200 | 1300 | 1400 | 0.250 (p = 0.0064) |"));
        Assert.That(ConditionalTable.ToMarkdown(new[] { new ConditionalRow("alpha", 10, 2.764, null, null) }), Does.Contain("| alpha | Bohr^3 | 2.76 | 10 | - |"));
    }
}
