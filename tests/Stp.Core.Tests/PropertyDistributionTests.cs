using System.Globalization;
using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Models;
using Stp.Testing;

namespace Stp.Core.Tests;

/// <summary>p(c | N) (EDM's DistributionProperty): bin edges, nearest-size rule, seeded draws, JSON, and the sampled values against QM9.</summary>
public class PropertyDistributionTests
{
    private static Molecule Mol(int n, double alpha) =>
        new(Enumerable.Repeat(6, n).ToArray(), new double[3 * n], new Dictionary<string, string> { ["alpha"] = alpha.ToString("R", CultureInfo.InvariantCulture) });

    [Test]
    public void BinsFollowEdmsFormulaIncludingItsEdgeQuirks()
    {
        // EDM: i = int((v - min) / (max - min + 1e-12) * n_bins), i == n_bins -> n_bins - 1. Because of the 1e-12 a value
        // exactly on an interior edge falls into the bin below it; the maximum goes to the last bin.
        static int Edm(double v, double min, double max, int bins) { int i = (int)((v - min) / (max - min + 1e-12) * bins); return i == bins ? bins - 1 : i; }
        double[] values = { 0, 0.0005, 0.001, 0.25, 0.2505, 0.5, 0.999, 0.9995, 1.0 };
        int[] expected = { 0, 0, 0, 249, 250, 499, 998, 999, 999 };
        for (int k = 0; k < values.Length; k++)
        {
            Assert.That(Edm(values[k], 0, 1, 1000), Is.EqualTo(expected[k]), $"reference formula at {values[k]}");
            Assert.That(PropertyHistogram.BinOf(values[k], 0, 1, 1000), Is.EqualTo(expected[k]), $"v = {values[k]}");
        }
        var r = new Random(5);
        for (int k = 0; k < 2000; k++)
        {
            double min = 10 + r.NextDouble(), max = min + 50 * r.NextDouble(), v = min + (max - min) * r.NextDouble();
            Assert.That(PropertyHistogram.BinOf(v, min, max, 1000), Is.EqualTo(Edm(v, min, max, 1000)));
        }
        var h = PropertyHistogram.FromValues(new[] { 2.0, 3.0, 4.0, 6.0 });
        Assert.That(h.Counts, Is.EqualTo(new Dictionary<int, long> { [0] = 1, [249] = 1, [499] = 1, [999] = 1 }));
        Assert.That(h.LeftEdge(250), Is.EqualTo(2 + 250.0 / 1000 * 4), "EDM's _idx2value: left = idx / n_bins x range + min");
        for (int k = 0; k < 200; k++)
        {
            double u = (k + 0.5) / 200, v = h.Sample(u, 0.37);
            int bin = u <= 0.25 ? 0 : u <= 0.5 ? 249 : u <= 0.75 ? 499 : 999;
            Assert.That(v, Is.EqualTo(h.LeftEdge(bin) + 0.37 * (h.LeftEdge(bin + 1) - h.LeftEdge(bin))).Within(1e-12), "a bin by frequency, then uniform in it");
        }
    }

    [Test]
    public void SizesWithoutMoleculesUseTheNearestSizeTiesGoingDown()
    {
        var mols = new[] { Mol(5, 1), Mol(5, 2), Mol(9, 10), Mol(9, 12) };
        var p = PropertyDistribution.FromMolecules(new[] { "alpha" }, mols);
        Assert.That(new[] { 1, 5, 6, 7, 8, 9, 29 }.Select(n => p.ResolveSize("alpha", n)), Is.EqualTo(new[] { 5, 5, 5, 5, 9, 9, 9 }));
        var drawn = p.Sample(Enumerable.Repeat(7, 200).Concat(Enumerable.Repeat(8, 200)).ToArray(), seed: 3);
        Assert.That(drawn.Take(200).All(v => v[0] is >= 1 and <= 2), "N = 7 draws from N = 5");
        Assert.That(drawn.Skip(200).All(v => v[0] is >= 10 and <= 12), "N = 8 draws from N = 9");
        var single = PropertyDistribution.FromMolecules(new[] { "alpha" }, new[] { Mol(4, 7.5) });
        Assert.That(single.SampleValues(4, 1, 0)[0], Is.EqualTo(7.5), "one molecule: its value");
        Assert.Throws<ArgumentException>(() => p.ResolveSize("gap", 5), "unknown property");
        var e = Assert.Throws<ArgumentException>(() => PropertyDistribution.FromMolecules(new[] { "gap" }, mols));
        Assert.That(e!.Message, Does.Contain("molecule 0").And.Contain("'gap'"));
    }

    [Test]
    public void DrawsAreSeededAndContextsNormalised()
    {
        var mols = Enumerable.Range(0, 60).Select(i => Mol(4 + i % 3, i * 0.5)).ToList();
        var p = PropertyDistribution.FromMolecules(new[] { "alpha" }, mols);
        var ctx = ContextProperties.FromMolecules(new[] { "alpha" }, mols);
        var sizes = new[] { 4, 5, 6, 4, 5 };
        var a = p.SampleContexts(sizes, ctx, 11);
        Assert.That(p.SampleContexts(sizes, ctx, 11), Is.EqualTo(a));
        Assert.That(p.SampleContexts(sizes, ctx, 12), Is.Not.EqualTo(a));
        var raw = p.Sample(sizes, 11);
        for (int i = 0; i < sizes.Length; i++)
            Assert.That(a[i][0], Is.EqualTo((float)((raw[i][0] - ctx.Means[0]) / ctx.Mads[0])));
        Assert.That(ctx.Denormalize(ctx.Normalize(new[] { 13.25 }))[0], Is.EqualTo(13.25).Within(1e-5), "normalisation round-trips");
    }

    [Test]
    public void TravelsInTheModelDescriptionAndOldDescriptionsHaveNone()
    {
        var mols = Enumerable.Range(0, 40).Select(i => Mol(3 + i % 4, Math.Sqrt(i))).ToList();
        var p = PropertyDistribution.FromMolecules(new[] { "alpha" }, mols);
        var json = System.Text.Json.JsonSerializer.Serialize(p, ModelDescription.JsonOptions);
        var back = System.Text.Json.JsonSerializer.Deserialize<PropertyDistribution>(json, ModelDescription.JsonOptions)!;
        var sizes = Enumerable.Range(0, 50).Select(i => 2 + i % 6).ToArray();
        Assert.That(back.Sample(sizes, 4), Is.EqualTo(p.Sample(sizes, 4)));
        Assert.That(json, Does.Contain("\"histograms\"").And.Contain("\"counts\""));
    }

    [Test]
    public void SampledQm9AlphaFollowsTheTrainingDistributionPerSize()
    {
        var mols = XyzFile.Read(SharedData.Data("qm9/qm9_edm_test.xyz.gz")).ToList();
        var p = PropertyDistribution.FromMolecules(new[] { "alpha" }, mols);
        const int draws = 4000;
        foreach (var n in new[] { 12, 17, 19, 23 })
        {
            var data = mols.Where(m => m.AtomCount == n).Select(m => double.Parse(m.Properties["alpha"], CultureInfo.InvariantCulture)).Order().ToArray();
            var sample = p.Sample(Enumerable.Repeat(n, draws).ToArray(), seed: n).Select(v => v[0]).Order().ToArray();
            // Two-sample Kolmogorov-Smirnov test at alpha = 0.01: D < 1.628 sqrt((n + m) / (n m)).
            double d = KolmogorovSmirnov(data, sample), critical = 1.628 * Math.Sqrt((double)(data.Length + draws) / ((double)data.Length * draws));
            double meanGap = Math.Abs(data.Average() - sample.Average());
            double se = Std(data) * Math.Sqrt(1.0 / data.Length + 1.0 / draws);
            TestContext.Out.WriteLine($"N = {n}: {data.Length} molecules, KS D = {d:F4} (critical {critical:F4}), mean {data.Average():F3} vs {sample.Average():F3} (4 s.e. = {4 * se:F3}), std {Std(data):F3} vs {Std(sample):F3}");
            Assert.That(d, Is.LessThan(critical), $"N = {n}");
            Assert.That(meanGap, Is.LessThan(4 * se), $"N = {n}: means");
            Assert.That(Std(sample), Is.EqualTo(Std(data)).Within(0.1 * Std(data)), $"N = {n}: spread");
            Assert.That(sample.First(), Is.GreaterThanOrEqualTo(data.First()));
            Assert.That(sample.Last(), Is.LessThanOrEqualTo(data.Last()));
        }
    }

    private static double Std(double[] v) { double m = v.Average(); return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Length - 1)); }

    private static double KolmogorovSmirnov(double[] a, double[] b)
    {
        int i = 0, j = 0;
        double d = 0;
        while (i < a.Length && j < b.Length)
        {
            double x = Math.Min(a[i], b[j]);
            while (i < a.Length && a[i] <= x) i++;
            while (j < b.Length && b[j] <= x) j++;
            d = Math.Max(d, Math.Abs((double)i / a.Length - (double)j / b.Length));
        }
        return d;
    }
}
