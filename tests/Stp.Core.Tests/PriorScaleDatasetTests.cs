using System.Diagnostics;
using System.Globalization;
using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Prior;
using Stp.Testing;

namespace Stp.Core.Tests;

/// <summary>gamma_N computed from the shared QM9 and GEOM-Drugs files against the published tables (skips when absent).</summary>
[NonParallelizable]
public class PriorScaleDatasetTests
{
    // Parsed once per test run and shared by the tests of this fixture.
    private static readonly Dictionary<string, (List<Molecule> Molecules, double[] Scales)> Cache = [];

    private static (List<Molecule> Molecules, double[] Scales) Load(string relative)
    {
        var path = SharedData.Data(relative);
        lock (Cache)
        {
            if (Cache.TryGetValue(path, out var hit)) return hit;
            var sw = Stopwatch.StartNew();
            var molecules = XyzFile.Read(path).ToList();
            var parse = sw.Elapsed.TotalSeconds;
            var scales = MolecularScale.ComputeAll(molecules);
            TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{relative}: {molecules.Count} molecules, parse {parse:F2} s, hulls {sw.Elapsed.TotalSeconds - parse:F2} s"));
            return Cache[path] = (molecules, scales);
        }
    }

    private static IEnumerable<(int, double)> Pairs((List<Molecule> Molecules, double[] Scales) d) =>
        d.Molecules.Select((m, i) => (m.AtomCount, d.Scales[i]));

    [Test]
    public void Qm9ReproducesThePublishedTable()
    {
        var data = Load("qm9/qm9.xyz.gz");
        Assert.That(data.Molecules, Has.Count.EqualTo(128968));
        var table = PriorScaleTable.FromScales(Pairs(data), PriorScaleOptions.AtReferenceSize(29), "QM9");
        var published = PriorScaleTable.PublishedQm9;
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Z = {table.Normalizer:F6} A; fit gamma = {table.FitAmplitude:F4} N^{table.FitExponent:F4}"));
        TestContext.Out.WriteLine("   N   count     computed    published   rel.dev");
        double worstLarge = 0, worstSmall = 0;
        for (int n = 1; n <= 29; n++)
        {
            double mine = table.Gammas[n], pub = published.Gammas[n];
            double dev = pub > 0 ? mine / pub - 1 : double.NaN;
            TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{n,4} {table.Counts[n],7} {mine,12:F6} {pub,12:F6} {dev,9:+0.00%;-0.00%}{(table.IsFitted[n] ? "  (fitted)" : "")}"));
            if (table.Counts[n] == 0) continue;
            if (n >= 10) worstLarge = Math.Max(worstLarge, Math.Abs(dev));
            else if (n >= 4) worstSmall = Math.Max(worstSmall, Math.Abs(dev));
        }
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"max |dev| N=10..29: {worstLarge:P2}; N=4..9: {worstSmall:P2}"));
        Assert.That(worstLarge, Is.LessThan(0.02));
        Assert.That(worstSmall, Is.LessThan(0.05));
        Assert.That(table.PriorScale(29), Is.EqualTo(1.0).Within(1e-12));
        Assert.That(table.IsFitted[28] && table.IsFitted[1] && table.IsFitted[2], "absent sizes are fitted");
    }

    [Test]
    public void Qm9DatasetMeanNormalisationIsAConstantRescaling()
    {
        var data = Load("qm9/qm9.xyz.gz");
        var byRef = PriorScaleTable.FromScales(Pairs(data), PriorScaleOptions.AtReferenceSize(29));
        var byMean = PriorScaleTable.FromScales(Pairs(data), new PriorScaleOptions());
        Assert.That(byMean.Normalizer, Is.EqualTo(data.Scales.Average()).Within(1e-12));
        double ratio = byRef.Normalizer!.Value / byMean.Normalizer!.Value;
        for (int n = 1; n <= 29; n++) Assert.That(byMean.Gammas[n], Is.EqualTo(byRef.Gammas[n] * ratio).Within(1e-12));
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Z(dataset mean) = {byMean.Normalizer:F6}, Z(N=29) = {byRef.Normalizer:F6}, gamma_29 with dataset mean = {byMean.Gammas[29]:F4}"));
    }

    [Test]
    public void GeomSampleIsComparableToThePublishedTable()
    {
        var data = Load("geom-drugs/geom_drugs_sample.xyz.gz");
        var table = PriorScaleTable.FromScales(Pairs(data), new PriorScaleOptions { MaxAtoms = 181 }, "GEOM sample");
        var published = PriorScaleTable.PublishedGeomDrugs;
        // Normalise both at the most populated size of the sample.
        int nRef = Enumerable.Range(1, 181).Where(n => published.Gammas[n] > 0).MaxBy(n => table.Counts[n]);
        double k = published.Gammas[nRef] / table.Gammas[nRef];
        TestContext.Out.WriteLine($"GEOM sample: {data.Molecules.Count} conformers, sizes {data.Molecules.Min(m => m.AtomCount)}..{data.Molecules.Max(m => m.AtomCount)}, common size {nRef}");
        TestContext.Out.WriteLine("   N   count   computed*k    published   rel.dev");
        var devs = new List<double>();
        for (int n = 1; n <= 181; n++)
        {
            if (table.Counts[n] == 0 || published.Gammas[n] == 0) continue;
            double mine = table.Gammas[n] * k, dev = mine / published.Gammas[n] - 1;
            devs.Add(dev);
            TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{n,4} {table.Counts[n],7} {mine,12:F6} {published.Gammas[n],12:F6} {dev,9:+0.00%;-0.00%}"));
        }
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mean |dev| over sizes = {devs.Select(Math.Abs).Average():P2}, max |dev| = {devs.Max(Math.Abs):P2}"));
        Assert.That(devs.Select(Math.Abs).Average(), Is.LessThan(0.25), "same order as the published table");
    }
}
