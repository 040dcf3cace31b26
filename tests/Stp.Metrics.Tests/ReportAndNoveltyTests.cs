using Stp.Data;
using System.Text.Json;
using NUnit.Framework;
using Stp.Chemistry;
using Stp.Metrics.Chemistry;
using Stp.Metrics.Plotting;
using Stp.Metrics.Reports;

namespace Stp.Metrics.Tests;

[TestFixture]
public class ReportAndNoveltyTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "stp-metrics-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown()
    {
        if (Environment.GetEnvironmentVariable("STP_KEEP_TEST_OUTPUT") is null && Directory.Exists(_dir)) Directory.Delete(_dir, true);
        else TestContext.Out.WriteLine($"output kept in {_dir}");
    }

    [Test]
    public void SizeReport_OnQm9Fixture_WritesCsvJsonPng_AndRowsAddUp()
    {
        var fx = FixtureSet.Load("qm9");
        var result = fx.Result;
        var report = SizeReport.From(result);

        Assert.That(report.Rows.Sum(r => r.Molecules), Is.EqualTo(2000));
        Assert.That(report.Overall.Validity, Is.EqualTo(result.Validity));
        Assert.That(report.Overall.ValidAndUnique, Is.EqualTo(1080.0 / 2000).Within(1e-12));
        // per-size counts must reproduce the fixture's own per-size tallies
        foreach (var row in report.Rows)
        {
            var refRows = fx.Rows.Where(r => r.NAtoms == row.AtomCount).ToList();
            Assert.That(row.Molecules, Is.EqualTo(refRows.Count));
            Assert.That(row.MoleculeStability, Is.EqualTo(refRows.Count(r => r.MolStable) / (double)refRows.Count).Within(1e-12));
            Assert.That(row.Validity, Is.EqualTo(refRows.Count(r => r.Valid) / (double)refRows.Count).Within(1e-12));
            Assert.That(row.AtomStability, Is.EqualTo(refRows.Sum(r => r.NStable) / (double)refRows.Sum(r => r.NAtoms)).Within(1e-12));
        }

        string csv = Path.Combine(_dir, "by_size.csv"), json = Path.Combine(_dir, "by_size.json"), png = Path.Combine(_dir, "by_size.png");
        report.WriteCsv(csv);
        report.WriteJson(json);
        report.WritePlot(png, "QM9 fixture: metrics by size");
        var lines = File.ReadAllLines(csv);
        Assert.That(lines[0], Is.EqualTo("n_atoms,molecules,atom_stability,mol_stability,validity,uniqueness,valid_and_unique,novelty,single_fragment"));
        Assert.That(lines, Has.Length.EqualTo(report.Rows.Count + 2));
        Assert.That(lines[^1], Does.StartWith("all,2000,"));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.That(doc.RootElement.GetProperty("overall").GetProperty("validity").GetDouble(), Is.EqualTo(0.6025).Within(1e-12));
        Assert.That(doc.RootElement.GetProperty("by_size").GetArrayLength(), Is.EqualTo(report.Rows.Count));
        var bytes = File.ReadAllBytes(png);
        Assert.That(bytes.Take(4).ToArray(), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47 }));
        Assert.That(bytes.Length, Is.GreaterThan(10_000));

        var series = report.ToPlotSeries();
        Assert.That(series.Select(x => x.Label), Is.EqualTo(new[] { "Atom Sta", "Mol Sta", "Valid", "Valid & Unique", "Single fragment" }), "no novelty, no Novel curve");
        Assert.That(series[2].X, Is.EqualTo(report.Rows.Select(r => (double)r.AtomCount)));
        Assert.That(series[2].Y, Is.EqualTo(report.Rows.Select(r => 100 * r.Validity)));
        Assert.That(series[3].Dashed, Is.True, "Valid & Unique is dashed so that it shows where it runs on top of Valid");
        // The validity band is Wilson's 95% interval of each size's counts, computed here from the fixture's own tallies.
        for (int i = 0; i < report.Rows.Count; i++)
        {
            var refRows = fx.Rows.Where(r => r.NAtoms == report.Rows[i].AtomCount).ToList();
            double n = refRows.Count, p = refRows.Count(r => r.Valid) / n, z = 1.96;
            double centre = (p + z * z / (2 * n)) / (1 + z * z / n), half = z / (1 + z * z / n) * Math.Sqrt(p * (1 - p) / n + z * z / (4 * n * n));
            Assert.That(series[2].Low![i], Is.EqualTo(100 * Math.Max(0, centre - half)).Within(1e-9));
            Assert.That(series[2].High![i], Is.EqualTo(100 * Math.Min(1, centre + half)).Within(1e-9));
            Assert.That(series[2].Low![i], Is.LessThanOrEqualTo(series[2].Y[i]).And.Not.GreaterThan(series[2].High![i]));
        }
        Assert.That(report.ToCountSeries().Y, Is.EqualTo(report.Rows.Select(r => (double)r.Molecules)));

        var table = report.ToTable("fixture");
        Assert.That(table, Does.Contain("| Atom Sta (%) | Mol Sta (%) | Valid (%) | Single fragment (%) | Valid & Unique (%) |"));
        Assert.That(table, Does.Contain($"| fixture | 79.9 | 40.4 | 60.2 | {100 * report.Overall.SingleFragment:F1} | 54.0 |"));
        Assert.That(table, Does.Not.Contain("Novel"), "no novelty column when novelty was not computed");
    }

    [Test]
    public void SingleFragmentCountsMoleculesWhoseBondGraphIsConnected()
    {
        // Water (one fragment), and two methanes 8 A apart (two fragments, yet valid by EDM's largest-fragment rule).
        var water = new Molecule(new[] { 8, 1, 1 }, new[] { 0, 0, 0.12, 0, 0.76, -0.47, 0, -0.76, -0.47 });
        double[] Methane(double x) => new[] { x, 0, 0, x + 0.63, 0.63, 0.63, x - 0.63, -0.63, 0.63, x - 0.63, 0.63, -0.63, x + 0.63, -0.63, -0.63 };
        var two = new Molecule(new[] { 6, 1, 1, 1, 1, 6, 1, 1, 1, 1 }, Methane(0).Concat(Methane(8)).ToArray());
        var result = new MetricsEvaluator(AtomVocabulary.Qm9, BondRule.Qm9).Evaluate(new[] { water, two });
        Assert.That(result.Molecules.Select(m => m.FragmentCount), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(result.Molecules.All(m => m.IsValid));
        var report = SizeReport.From(result);
        Assert.That(report.Overall.SingleFragment, Is.EqualTo(0.5));
        Assert.That(report.Overall.Valid, Is.EqualTo(2));
        Assert.That(report.ToTable("x"), Does.Contain("| x | 100.0 | 100.0 | 100.0 | 50.0 | 100.0 |"));
    }

    [Test]
    public void StpMetrics_HasNoGraphicsDependency_ThePlotsAreInStpMetricsPlotting()
    {
        var references = typeof(MetricsEvaluator).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();
        Assert.That(references, Has.None.StartsWith("ScottPlot").And.None.StartsWith("SkiaSharp").And.None.StartsWith("HarfBuzzSharp"));
        Assert.That(typeof(PlotWriter).Assembly.GetName().Name, Is.EqualTo("Stp.Metrics.Plotting"));
    }

    [Test]
    public void PlotWriter_WritesPngAtomically_ReplacingTheTarget_AndRejectsRaggedSeries()
    {
        var png = Path.Combine(_dir, "sub", "lines.png");
        var series = new[] { new PlotSeries("a", new double[] { 1, 2, 3 }, new double[] { 0.5, 0.25, 0.125 }) };
        PlotWriter.WriteLines(png, "t", "x", "y", series, width: 320, height: 200);
        var first = File.ReadAllBytes(png);
        Assert.That(first.Take(8).ToArray(), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }));
        // IHDR: width and height as big-endian 32-bit integers at bytes 16-23.
        Assert.That(System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(first.AsSpan(16)), Is.EqualTo(320));
        Assert.That(System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(first.AsSpan(20)), Is.EqualTo(200));

        PlotWriter.WriteLines(png, "t", "x", "y", series, width: 640, height: 400);
        Assert.That(System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(File.ReadAllBytes(png).AsSpan(16)), Is.EqualTo(640));
        Assert.That(Directory.GetFiles(Path.Combine(_dir, "sub")), Is.EqualTo(new[] { png }), "no temporary file left behind");

        var ragged = new[] { new PlotSeries("bad", new double[] { 1, 2 }, new double[] { 1 }) };
        Assert.Throws<ArgumentException>(() => PlotWriter.WriteLines(Path.Combine(_dir, "bad.png"), "t", "x", "y", ragged));
        Assert.That(File.Exists(Path.Combine(_dir, "bad.png")), Is.False);
    }

    [Test]
    public void Novelty_AgainstTrainingSet_AndCacheRoundTrip()
    {
        var fx = FixtureSet.Load("qm9");
        // "Training set": the unmodified molecules. Generated: the whole fixture.
        var train = fx.Molecules.Where(m => fx.Kinds[m.Id!] == "orig").ToList();
        var reference = NoveltyReference.FromMolecules(train, AtomVocabulary.Qm9, BondRule.Qm9);
        Assert.That(reference.Count, Is.GreaterThan(400));
        var path = Path.Combine(_dir, "qm9_smiles.txt");
        reference.Save(path, "k");
        var loaded = NoveltyReference.LoadOrCreate(path, "k", () => throw new AssertionException("must use the cache"), AtomVocabulary.Qm9, BondRule.Qm9);
        Assert.That(loaded.Count, Is.EqualTo(reference.Count));

        var onlyTrain = MetricsEvaluator.ForQm9(loaded).Evaluate(train);
        var single = onlyTrain.Molecules.Where(m => m.IsValid && m.FragmentCount == 1).ToList();
        Assert.That(single.All(m => loaded.Contains(m.Smiles!)), Is.True, "a training molecule is not novel");

        var all = MetricsEvaluator.ForQm9(loaded).Evaluate(fx.Molecules);
        Assert.That(all.Novelty, Is.Not.Null);
        Assert.That(all.Novelty!.Value, Is.InRange(0.2, 0.95));
        Assert.That(MetricsEvaluator.ForQm9().Evaluate(fx.Molecules).Novelty, Is.Null);

        File.WriteAllText(Path.Combine(_dir, "bad.txt"), "CCO\n");
        Assert.Throws<DataFileException>(() => NoveltyReference.Load(Path.Combine(_dir, "bad.txt")));
    }

    /// <summary>
    /// Issue 13: the cache is keyed by the reference data's content and checked on load, so a truncated or edited
    /// reference (or cache) is never answered from a stale cache.
    /// </summary>
    [Test]
    public void NoveltyCacheIsKeyedByContentAndValidated()
    {
        var data = Path.Combine(_dir, "train.xyz");
        File.WriteAllText(data, "3\n\nO 0 0 0.1173\nH 0 0.7572 -0.4692\nH 0 -0.7572 -0.4692\n5\n\nC 0 0 0\nH 0.63 0.63 0.63\nH -0.63 -0.63 0.63\nH -0.63 0.63 -0.63\nH 0.63 -0.63 -0.63\n");
        var cache = Path.Combine(_dir, "train.xyz.smiles.txt");
        int builds = 0;
        NoveltyReference Open()
        {
            var key = NoveltyReference.CacheKey(data, AtomVocabulary.Qm9, BondRule.Qm9, "all");
            return NoveltyReference.LoadOrCreate(cache, key, () => { builds++; return Stp.Data.XyzFile.Read(data).ToList(); }, AtomVocabulary.Qm9, BondRule.Qm9);
        }
        Assert.That(Open().Count, Is.EqualTo(2));
        Assert.That(Open().Count, Is.EqualTo(2));
        Assert.That(builds, Is.EqualTo(1), "the second run uses the cache");

        // Truncating the reference data changes its key: the cache is rebuilt (only water is left).
        File.WriteAllLines(data, File.ReadAllLines(data).Take(5));
        var log = new List<string>();
        var key = NoveltyReference.CacheKey(data, AtomVocabulary.Qm9, BondRule.Qm9, "all");
        Assert.That(NoveltyReference.LoadOrCreate(cache, key, () => { builds++; return Stp.Data.XyzFile.Read(data).ToList(); }, AtomVocabulary.Qm9, BondRule.Qm9, log.Add).Count, Is.EqualTo(1));
        Assert.That(builds, Is.EqualTo(2));
        Assert.That(log, Has.One.Contains("built from other reference data"));
        Assert.That(NoveltyReference.CacheKey(data, AtomVocabulary.Qm9, BondRule.GeomDrugs, "all"), Is.Not.EqualTo(key), "the bond rule is part of the key");

        // A damaged cache (a SMILES line removed or edited) is refused by Load and rebuilt by LoadOrCreate.
        var lines = File.ReadAllLines(cache);
        lines[^1] = "C" + lines[^1];
        File.WriteAllLines(cache, lines);
        Assert.That(() => NoveltyReference.Load(cache), Throws.InstanceOf<DataFileException>().With.Message.Contains(cache).And.Message.Contains("damaged"));
        Assert.That(Open().Count, Is.EqualTo(1));
        Assert.That(builds, Is.EqualTo(3));
    }
}
