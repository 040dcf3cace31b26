using NUnit.Framework;
using Stp.Chemistry;
using Stp.Prior;

namespace Stp.Core.Tests;

public class PriorScaleTableTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "stp-prior-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    [Test]
    public void PublishedQm9Preset()
    {
        var t = PriorScaleTable.PublishedQm9;
        Assert.That(t.Gammas, Has.Count.EqualTo(30));
        Assert.That(t.MaxAtoms, Is.EqualTo(29));
        Assert.That(t.PriorScale(3), Is.EqualTo(0.235791693));
        Assert.That(t.PriorScale(9), Is.EqualTo(0.618170439));
        Assert.That(t.PriorScale(28), Is.EqualTo(1.0));
        Assert.That(t.PriorScale(29), Is.EqualTo(1.0));
        foreach (var n in new[] { -1, 0, 1, 2, 30 })
            Assert.Throws<ArgumentOutOfRangeException>(() => t.PriorScale(n), $"N = {n}");
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => t.PriorScale(2))!;
        Assert.That(ex.Message, Does.Contain("absent"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => t.PriorScale(30))!.Message, Does.Contain("1..29"));
    }

    [Test]
    public void PublishedGeomPreset()
    {
        var t = PriorScaleTable.PublishedGeomDrugs;
        Assert.That(t.Gammas, Has.Count.EqualTo(182));
        Assert.That(t.PriorScale(3), Is.EqualTo(0.104331456));
        Assert.That(t.PriorScale(94), Is.EqualTo(1.0));
        Assert.That(t.PriorScale(96), Is.EqualTo(1.245853471));
        Assert.That(t.PriorScale(181), Is.EqualTo(1.324021815));
        int[] absent = [0, 1, 2, 150, 153, 154, 156, 157, 158, 161, 162, 163, 164, 166, 167, 168, 169, 170, 172, 173, 174, 177, 178, 179, 180];
        Assert.That(Enumerable.Range(0, 182).Where(n => t.Gammas[n] == 0), Is.EqualTo(absent));
        foreach (var n in absent.Append(182))
            Assert.Throws<ArgumentOutOfRangeException>(() => t.PriorScale(n), $"N = {n}");
    }

    [Test]
    public void UnitPriorIsOne()
    {
        IPriorScaler s = UnitPriorScaler.Instance;
        Assert.That(s.PriorScale(1), Is.EqualTo(1.0));
        Assert.That(s.PriorScale(500), Is.EqualTo(1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.PriorScale(0));
    }

    [Test]
    public void MolecularScaleOfTetrahedralAndFlatMolecules()
    {
        // CH4-like: the four H are the hull, the C sits at the centre of mass.
        double r = 1.09 / Math.Sqrt(3);
        var methane = new Molecule([6, 1, 1, 1, 1], [0, 0, 0, r, r, r, r, -r, -r, -r, r, -r, -r, -r, r]);
        Assert.That(MolecularScale.Compute(methane), Is.EqualTo(1.09).Within(1e-12));
        // Translation does not matter (the centre of mass is subtracted).
        var moved = new Molecule(methane.AtomicNumbers, methane.Positions.Select((v, i) => v + 10 * (i % 3 + 1)).ToArray());
        Assert.That(MolecularScale.Compute(moved), Is.EqualTo(1.09).Within(1e-12));

        // Planar hexagon with a centre atom: all atoms by default, the six corners on request.
        var pos = new List<double> { 0, 0, 0 };
        for (int k = 0; k < 6; k++) pos.AddRange([1.4 * Math.Cos(k * Math.PI / 3), 1.4 * Math.Sin(k * Math.PI / 3), 0]);
        var flat = new Molecule([6, 6, 6, 6, 6, 6, 6], [.. pos]);
        Assert.That(MolecularScale.Compute(flat), Is.EqualTo(6 * 1.4 / 7).Within(1e-12));
        Assert.That(MolecularScale.Compute(flat, degenerate: DegenerateHullRule.HullVertices), Is.EqualTo(1.4).Within(1e-12));

        // Linear H-C-C-H: the two H on request.
        var line = new Molecule([1, 6, 6, 1], [-1.66, 0, 0, -0.6, 0, 0, 0.6, 0, 0, 1.66, 0, 0]);
        Assert.That(MolecularScale.Compute(line), Is.EqualTo((1.66 + 0.6) / 2).Within(1e-12));
        Assert.That(MolecularScale.Compute(line, degenerate: DegenerateHullRule.HullVertices), Is.EqualTo(1.66).Within(1e-12));

        Assert.That(MolecularScale.Compute(new Molecule([1], [3, 4, 5])), Is.EqualTo(0));
        Assert.That(MolecularScale.Compute(new Molecule([1, 1], [0, 0, 0, 0, 0, 0.74])), Is.EqualTo(0.37).Within(1e-12));
    }

    /// <summary>Synthetic scales s = 0.8 N^0.4 for sizes 5..20 (size 12 missing, size 19 a single outlier).</summary>
    private static List<(int, double)> Synthetic()
    {
        var list = new List<(int, double)>();
        for (int n = 5; n <= 20; n++)
        {
            if (n == 12) continue;
            int count = n == 19 ? 1 : 10 + n;
            for (int i = 0; i < count; i++) list.Add((n, n == 19 ? 5.0 : 0.8 * Math.Pow(n, 0.4)));
        }
        return list;
    }

    [Test]
    public void FromScalesEquation12AndSmallSizeRule()
    {
        var data = Synthetic();
        var t = PriorScaleTable.FromScales(data, new PriorScaleOptions { Normalization = PriorNormalization.ReferenceSize, ReferenceAtomCount = 20, MinMoleculesPerSize = 5 });
        double z = 0.8 * Math.Pow(20, 0.4);
        Assert.That(t.Normalizer, Is.EqualTo(z).Within(1e-12));
        Assert.That(t.MaxAtoms, Is.EqualTo(20));
        Assert.That(t.PriorScale(20), Is.EqualTo(1.0).Within(1e-12));
        Assert.That(t.FitExponent, Is.EqualTo(0.4).Within(1e-9));
        Assert.That(t.FitAmplitude, Is.EqualTo(0.8 / z).Within(1e-9));
        for (int n = 1; n <= 20; n++)
            Assert.That(t.PriorScale(n), Is.EqualTo(Math.Pow(n / 20.0, 0.4)).Within(1e-9), $"N = {n}");
        Assert.That(Enumerable.Range(0, 21).Where(n => t.IsFitted[n]), Is.EqualTo(new[] { 1, 2, 3, 4, 12, 19 }));
        Assert.That(t.Counts[19], Is.EqualTo(1));
        Assert.That(t.Counts[12], Is.EqualTo(0));
        Assert.That(t.Counts[7], Is.EqualTo(17));

        // Threshold 1 (default): the single outlier keeps its own value, only absent sizes are fitted.
        var raw = PriorScaleTable.FromScales(data, PriorScaleOptions.AtReferenceSize(20));
        Assert.That(raw.PriorScale(19), Is.EqualTo(5.0 / z).Within(1e-12));
        Assert.That(raw.IsFitted[19], Is.False);
        Assert.That(raw.IsFitted[12], Is.True);
    }

    [Test]
    public void DatasetMeanNormalisationAndFixedExponent()
    {
        var data = Synthetic();
        var t = PriorScaleTable.FromScales(data, new PriorScaleOptions { FitExponent = 1.0 / 3, MaxAtoms = 25 });
        double mean = data.Average(d => d.Item2);
        Assert.That(t.Normalizer, Is.EqualTo(mean).Within(1e-12));
        Assert.That(t.PriorScale(10), Is.EqualTo(0.8 * Math.Pow(10, 0.4) / mean).Within(1e-12));
        Assert.That(t.MaxAtoms, Is.EqualTo(25));
        Assert.That(t.FitExponent, Is.EqualTo(1.0 / 3));
        Assert.That(t.PriorScale(25) / t.PriorScale(24), Is.EqualTo(Math.Pow(25 / 24.0, 1.0 / 3)).Within(1e-12));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.PriorScale(26));
    }

    [Test]
    public void FromMoleculesMatchesFromScales()
    {
        var rng = new Random(5);
        var mols = Enumerable.Range(0, 40).Select(i =>
        {
            int n = 4 + i % 6;
            return new Molecule(Enumerable.Repeat(6, n).ToArray(), Enumerable.Range(0, 3 * n).Select(_ => rng.NextDouble() * n).ToArray());
        }).ToList();
        var a = PriorScaleTable.FromMolecules(mols, PriorScaleOptions.AtReferenceSize(9));
        var b = PriorScaleTable.FromScales(mols.Select(m => (m.AtomCount, MolecularScale.Compute(m))), PriorScaleOptions.AtReferenceSize(9));
        Assert.That(a.Gammas, Is.EqualTo(b.Gammas).Within(1e-12));
        Assert.That(a.PriorScale(9), Is.EqualTo(1.0).Within(1e-12));
    }

    [Test]
    public void InvalidOptionsAreRejected()
    {
        var data = Synthetic();
        Assert.Throws<ArgumentException>(() => PriorScaleTable.FromScales(data, PriorScaleOptions.AtReferenceSize(21)));
        Assert.Throws<ArgumentException>(() => PriorScaleTable.FromScales(data, PriorScaleOptions.AtReferenceSize(0)));
        Assert.Throws<ArgumentException>(() => PriorScaleTable.FromScales(data, new PriorScaleOptions { MinMoleculesPerSize = 0 }));
        Assert.Throws<ArgumentException>(() => PriorScaleTable.FromScales([], null));
        Assert.Throws<ArgumentException>(() => PriorScaleTable.FromScales([(3, double.NaN)], null));
        Assert.Throws<ArgumentException>(() => new PriorScaleTable([0, 1, -0.5]));
        Assert.Throws<ArgumentException>(() => new PriorScaleTable([0, double.PositiveInfinity]));
    }

    [Test]
    public void JsonRoundTrip()
    {
        var t = PriorScaleTable.FromScales(Synthetic(), new PriorScaleOptions { MinMoleculesPerSize = 5 }, "synthetic");
        var path = Path.Combine(_dir, "sub", "gamma.json");
        t.Save(path);
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(path)!), Has.Length.EqualTo(1), "no temporary file left");
        var back = PriorScaleTable.Load(path);
        Assert.That(back.Gammas, Is.EqualTo(t.Gammas));
        Assert.That(back.Counts, Is.EqualTo(t.Counts));
        Assert.That(back.IsFitted, Is.EqualTo(t.IsFitted));
        Assert.That((back.Name, back.Normalizer, back.FitAmplitude, back.FitExponent), Is.EqualTo((t.Name, t.Normalizer, t.FitAmplitude, t.FitExponent)));

        var pubPath = Path.Combine(_dir, "qm9.json");
        PriorScaleTable.PublishedQm9.Save(pubPath);
        var pub = PriorScaleTable.Load(pubPath);
        Assert.That(pub.Gammas, Is.EqualTo(PriorScaleTable.PublishedQm9.Gammas));
        Assert.That(pub.Normalizer, Is.Null);
        Assert.Throws<ArgumentOutOfRangeException>(() => pub.PriorScale(2));
    }

    [TestCase("{ \"gamma\": [0, 1, ", "not valid JSON")]
    [TestCase("[0, 1]", "expected a JSON object")]
    [TestCase("{ \"count\": [0, 1] }", "missing array \"gamma\"")]
    [TestCase("{ \"gamma\": [0, 0.5, -1] }", "gamma[2]")]
    [TestCase("{ \"gamma\": [0, \"NaN\"] }", "gamma[1]")]
    [TestCase("{ \"gamma\": [0, 1e999] }", "gamma[1]")]
    [TestCase("{ \"gamma\": [0, 1], \"count\": [0, -3] }", "count[1]")]
    [TestCase("{ \"gamma\": [0, 1], \"count\": [0] }", "\"count\"")]
    [TestCase("{ \"gamma\": [0, 1], \"fitted\": [false, 1] }", "fitted[1] = 1 is not a boolean")]
    [TestCase("{ \"gamma\": [0, 1], \"fitted\": [false] }", "\"fitted\" must be an array of 2 entries")]
    [TestCase("{ \"gamma\": [0, 1], \"normalizer\": -2 }", "\"normalizer\"")]
    [TestCase("{ \"format\": \"other\", \"gamma\": [0, 1] }", "\"format\"")]
    public void LoadRejectsBadFilesNamingThem(string json, string expected)
    {
        var path = Path.Combine(_dir, "bad.json");
        File.WriteAllText(path, json);
        var ex = Assert.Throws<InvalidDataException>(() => PriorScaleTable.Load(path))!;
        Assert.That(ex.Message, Does.Contain(path).And.Contain(expected));
    }

    [Test]
    public void LoadMissingFile() =>
        Assert.Throws<FileNotFoundException>(() => PriorScaleTable.Load(Path.Combine(_dir, "nope.json")));
}
