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
    public void TablePrintsInThePapersUnits()
    {
        var row = new ConditionalRow("gap", 100, 0.655, null, new HeldOutMae(500, 0.064, 1.2, 1.3, 1.4), 0.25);
        var table = ConditionalTable.ToMarkdown(new[] { row }, "EDM");
        Assert.That(table, Does.Contain("| gap | meV | 655 | 100 | 64.00 | 1200 | 1300 | 1400 | 0.250 (p = 0.0064) |"));
        Assert.That(ConditionalTable.ToMarkdown(new[] { new ConditionalRow("alpha", 10, 2.764, null, null) }), Does.Contain("| alpha | Bohr^3 | 2.76 | 10 | - |"));
    }
}
