using System.Text.Json;
using NUnit.Framework;
using Stp.Metrics.Chemistry;

namespace Stp.Metrics.Tests;

[TestFixture]
public class FixtureAgreementTests
{
    private static MetricsEvaluator EvaluatorFor(string set) => set == "qm9" ? MetricsEvaluator.ForQm9() : MetricsEvaluator.ForGeomDrugs();

    [TestCase("qm9")]
    [TestCase("geom")]
    public void Stability_IsIdenticalOnEveryMolecule(string set)
    {
        var fx = FixtureSet.Load(set);
        Assert.That(fx.Molecules, Has.Count.EqualTo(fx.Rows.Count));
        var result = fx.Result;
        int mismatches = 0;
        for (int i = 0; i < fx.Rows.Count; i++)
        {
            var r = fx.Rows[i];
            var m = result.Molecules[i];
            Assert.That(fx.Molecules[i].Id, Is.EqualTo(r.Id));
            if (m.AtomCount != r.NAtoms || m.StableAtoms != r.NStable || m.IsStable != r.MolStable)
            {
                mismatches++;
                TestContext.Out.WriteLine($"{r.Id} ({fx.Kinds[r.Id]}): stable atoms {m.StableAtoms} vs {r.NStable}, mol {m.IsStable} vs {r.MolStable}");
            }
        }
        Assert.That(mismatches, Is.Zero);
    }

    [TestCase("qm9")]
    [TestCase("geom")]
    public void Validity_AgreesOnAtLeast99_5Percent(string set)
    {
        var fx = FixtureSet.Load(set);
        var result = fx.Result;
        int agree = 0;
        for (int i = 0; i < fx.Rows.Count; i++)
        {
            var r = fx.Rows[i];
            var m = result.Molecules[i];
            if (m.IsValid == r.Valid) agree++;
            else TestContext.Out.WriteLine($"{r.Id} ({fx.Kinds[r.Id]}): valid {m.IsValid} vs {r.Valid}; reason {m.Reason}; ref {r.Smiles}");
        }
        double rate = (double)agree / fx.Rows.Count;
        TestContext.Out.WriteLine($"{set}: validity agreement {agree}/{fx.Rows.Count} = {rate:P3}");
        Assert.That(rate, Is.GreaterThanOrEqualTo(0.995));
    }

    [TestCase("qm9")]
    [TestCase("geom")]
    public void UniquenessPartition_AgreesOnAtLeast99_5PercentOfValidMolecules(string set)
    {
        var fx = FixtureSet.Load(set);
        var result = fx.Result;
        var both = Enumerable.Range(0, fx.Rows.Count).Where(i => fx.Rows[i].Valid && result.Molecules[i].IsValid).ToList();
        var refGroups = both.GroupBy(i => fx.Rows[i].Smiles).ToDictionary(g => g.Key, g => g.ToHashSet());
        var ourGroups = both.GroupBy(i => result.Molecules[i].Smiles!).ToDictionary(g => g.Key, g => g.ToHashSet());
        int agree = 0;
        foreach (var i in both)
        {
            var a = refGroups[fx.Rows[i].Smiles];
            var b = ourGroups[result.Molecules[i].Smiles!];
            if (a.SetEquals(b)) agree++;
            else TestContext.Out.WriteLine($"{fx.Rows[i].Id}: ref group {a.Count} ({fx.Rows[i].Smiles}) vs ours {b.Count} ({result.Molecules[i].Smiles})");
        }
        double rate = (double)agree / both.Count;
        TestContext.Out.WriteLine($"{set}: partition agreement {agree}/{both.Count} = {rate:P3}; unique ours {result.UniqueCount}/{result.ValidCount}");
        Assert.That(rate, Is.GreaterThanOrEqualTo(0.995));
    }

    [TestCase("qm9")]
    [TestCase("geom")]
    public void Aggregates_MatchSummaryWithin0_2Points(string set)
    {
        var fx = FixtureSet.Load(set);
        var result = fx.Result;
        using var doc = JsonDocument.Parse(File.ReadAllText(fx.SummaryPath));
        var root = doc.RootElement;
        TestContext.Out.WriteLine($"{set}: atom {result.AtomStability:F5} vs {root.GetProperty("atom_stability").GetDouble():F5}; " +
                                  $"mol {result.MoleculeStability:F4} vs {root.GetProperty("mol_stability").GetDouble():F4}; " +
                                  $"valid {result.Validity:F4} vs {root.GetProperty("validity").GetDouble():F4}; " +
                                  $"unique {result.Uniqueness:F5} vs {root.GetProperty("uniqueness").GetDouble():F5}");
        Assert.Multiple(() =>
        {
            Assert.That(result.AtomStability, Is.EqualTo(root.GetProperty("atom_stability").GetDouble()).Within(0.002));
            Assert.That(result.MoleculeStability, Is.EqualTo(root.GetProperty("mol_stability").GetDouble()).Within(0.002));
            Assert.That(result.Validity, Is.EqualTo(root.GetProperty("validity").GetDouble()).Within(0.002));
            Assert.That(result.Uniqueness, Is.EqualTo(root.GetProperty("uniqueness").GetDouble()).Within(0.002));
        });
    }

    [TestCase("qm9")]
    [TestCase("geom")]
    public void ClassIndicesWithFloat32Positions_GiveTheSameResults(string set)
    {
        // The oracle used float32 coordinates; EDM's outputs are class indices.
        var fx = FixtureSet.Load(set);
        var ev = EvaluatorFor(set);
        var types = fx.Molecules.Select(m => m.AtomicNumbers.Select(ev.Vocabulary.ClassOf).ToArray()).ToList();
        var pos = fx.Molecules.Select(m => m.Positions.Select(v => (float)v).ToArray()).ToList();
        var a = ev.EvaluateClassIndices(types, pos);
        var b = ev.Evaluate(fx.Molecules);
        Assert.That(a.Molecules.Select(m => (m.StableAtoms, m.IsValid, m.Smiles)), Is.EqualTo(b.Molecules.Select(m => (m.StableAtoms, m.IsValid, m.Smiles))));
        var bad = ev.EvaluateClassIndices(new[] { new[] { 0, 99 } }, new[] { new float[] { 0, 0, 0, 1, 0, 0 } });
        Assert.That(bad.Molecules[0].Issue, Is.EqualTo(MoleculeIssue.UnknownElement));
    }
}
