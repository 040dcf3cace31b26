using NUnit.Framework;
using Stp.Metrics.Chemistry;

namespace Stp.Metrics.Tests;

[TestFixture]
public class RoundTripTests
{
    private static IEnumerable<int> Range(MolecularGraph g) => Enumerable.Range(0, g.AtomCount);

    [TestCase("qm9")]
    [TestCase("geom")]
    public void CanonicalSmiles_ParsesBackToTheSameGraph(string set)
    {
        var fx = FixtureSet.Load(set);
        var ev = set == "qm9" ? MetricsEvaluator.ForQm9() : MetricsEvaluator.ForGeomDrugs();
        int checkedCount = 0;
        foreach (var m in fx.Molecules)
        {
            var g = ev.BuildGraph(m.AtomicNumbers, m.Positions, out _);
            if (g is null) continue;
            var smiles = CanonicalSmiles.Write(g);
            var back = SmilesParser.Parse(smiles);
            Assert.That(back.AtomCount, Is.EqualTo(g.AtomCount), smiles);
            Assert.That(Range(back).Select(back.AtomicNumber).Order(), Is.EqualTo(Range(g).Select(g.AtomicNumber).Order()), smiles);
            Assert.That(Range(back).Count(back.IsAromatic), Is.EqualTo(Range(g).Count(g.IsAromatic)), smiles);
            Assert.That(Range(back).Sum(back.ImplicitHydrogens), Is.EqualTo(Range(g).Sum(g.ImplicitHydrogens)), smiles);
            Assert.That(Range(back).Sum(back.FormalCharge), Is.EqualTo(Range(g).Sum(g.FormalCharge)), smiles);
            Assert.That(back.Bonds.GroupBy(b => b.Kind).ToDictionary(x => x.Key, x => x.Count()),
                Is.EquivalentTo(g.Bonds.GroupBy(b => b.Kind).ToDictionary(x => x.Key, x => x.Count())), smiles);
            Assert.That(CanonicalSmiles.Write(back), Is.EqualTo(smiles), "canonical string is stable under re-parsing");
            checkedCount++;
        }
        Assert.That(checkedCount, Is.GreaterThan(400));
    }

    [TestCase("qm9")]
    [TestCase("geom")]
    public void AromaticAtoms_MatchRdkitOnFixtureLargestFragments(string set)
    {
        // RDKit's SMILES writes aromatic atoms in lower case: parse the fixture's strings and compare the number of
        // aromatic atoms with our perception on the same largest fragment.
        var fx = FixtureSet.Load(set);
        var ev = set == "qm9" ? MetricsEvaluator.ForQm9() : MetricsEvaluator.ForGeomDrugs();
        int compared = 0, agree = 0;
        for (int i = 0; i < fx.Rows.Count; i++)
        {
            if (!fx.Rows[i].Valid) continue;
            var refGraph = SmilesParser.Parse(fx.Rows[i].Smiles);
            var ours = SmilesParser.Parse(ev.EvaluateMolecule(fx.Molecules[i]).Smiles!);
            compared++;
            if (Range(refGraph).Count(refGraph.IsAromatic) == Range(ours).Count(ours.IsAromatic)
                && refGraph.Bonds.Count(b => b.Kind == BondKind.Aromatic) == ours.Bonds.Count(b => b.Kind == BondKind.Aromatic)) agree++;
            else TestContext.Out.WriteLine($"{fx.Rows[i].Id}: {fx.Rows[i].Smiles} vs {ev.EvaluateMolecule(fx.Molecules[i]).Smiles}");
        }
        TestContext.Out.WriteLine($"{set}: aromaticity agreement {agree}/{compared}");
        Assert.That(agree, Is.EqualTo(compared));
    }

    [TestCase("qm9")]
    [TestCase("geom")]
    public void CanonicalSmiles_IsInvariantUnderAtomPermutationAndRigidMotion(string set)
    {
        var fx = FixtureSet.Load(set);
        var ev = set == "qm9" ? MetricsEvaluator.ForQm9() : MetricsEvaluator.ForGeomDrugs();
        var rng = new Random(1234);
        int compared = 0, same = 0;
        foreach (var m in fx.Molecules)
        {
            // Whole-molecule SMILES: EDM's largest-fragment choice on ties depends on atom order by definition.
            var ga = ev.BuildGraph(m.AtomicNumbers, m.Positions, out _);
            if (ga is null) continue;
            var a = CanonicalSmiles.Write(ga);
            int n = m.AtomCount;
            var perm = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).ToArray();
            // rotate 90 degrees about z and translate: bonds unchanged
            var z = perm.Select(i => m.AtomicNumbers[i]).ToArray();
            var pos = perm.SelectMany(i => new[] { -m.Positions[3 * i + 1] + 3, m.Positions[3 * i] - 1, m.Positions[3 * i + 2] }).ToArray();
            var b = CanonicalSmiles.Write(ev.BuildGraph(z, pos, out _)!);
            compared++;
            if (b == a) same++;
            else TestContext.Out.WriteLine($"{m.Id}: {a} vs {b}");
        }
        TestContext.Out.WriteLine($"{set}: {same}/{compared} identical after permutation");
        Assert.That(same, Is.EqualTo(compared));
    }
}
