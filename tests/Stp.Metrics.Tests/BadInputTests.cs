using NUnit.Framework;
using Stp.Chemistry;

namespace Stp.Metrics.Tests;

[TestFixture]
public class BadInputTests
{
    private static readonly int[] Water = { 8, 1, 1 };
    private static readonly double[] WaterPos = { 0, 0, 0, 0.96, 0, 0, -0.24, 0.93, 0 };

    [Test]
    public void Water_IsStableAndValid()
    {
        var m = MetricsEvaluator.ForQm9().EvaluateMolecule(Water, WaterPos);
        Assert.That((m.IsStable, m.IsValid, m.StableAtoms, m.Smiles, m.Issue), Is.EqualTo((true, true, 3, "[H]O[H]", MoleculeIssue.None)));
    }

    [Test]
    public void BadMolecules_AreScoredWithReasons_AndNeverThrow()
    {
        var ev = MetricsEvaluator.ForQm9();
        var z = new List<int[]>
        {
            Array.Empty<int>(),
            new[] { 8, 1, 16 },              // S is not in QM9's vocabulary
            Water,
            Water,
            new[] { 6, 6 },
            new[] { 8, 1, 1 },
        };
        var p = new List<double[]>
        {
            Array.Empty<double>(),
            WaterPos,
            new[] { 0, 0, 0, double.NaN, 0, 0, -0.24, 0.93, 0 },
            new[] { 0, 0, 0, 0, 0, 0, -0.24, 0.93, 0 },   // H on top of O
            new double[] { 0, 0, 0 },                      // wrong length
            WaterPos,
        };
        var r = ev.Evaluate(z, p);
        var issues = r.Molecules.Select(m => m.Issue).ToArray();
        Assert.That(issues, Is.EqualTo(new[]
        {
            MoleculeIssue.Empty, MoleculeIssue.UnknownElement, MoleculeIssue.NonFiniteCoordinates,
            MoleculeIssue.OverlappingAtoms, MoleculeIssue.LengthMismatch, MoleculeIssue.None,
        }));
        Assert.That(r.Molecules.Take(5).All(m => !m.IsValid && !m.IsStable && m.StableAtoms == 0 && m.Reason is { Length: > 0 }), Is.True);
        Assert.That(r.ValidCount, Is.EqualTo(1));
        Assert.That(r.Validity, Is.EqualTo(1.0 / 6).Within(1e-12));
        Assert.That(r.AtomCount, Is.EqualTo(0 + 3 + 3 + 3 + 2 + 3));
        Assert.That(r.AtomStability, Is.EqualTo(3.0 / 14).Within(1e-12));
    }

    [Test]
    public void NullMoleculeInList_IsScoredAsEmpty()
    {
        var r = MetricsEvaluator.ForGeomDrugs().Evaluate(new Molecule[] { null!, new(Water, WaterPos) });
        Assert.That(r.Molecules[0].Issue, Is.EqualTo(MoleculeIssue.Empty));
        Assert.That(r.Molecules[1].IsValid, Is.True);
    }

    [Test]
    public void InvalidValence_GivesRdkitStyleReason()
    {
        // Carbon with five hydrogens 1.0 A away: C valence 5.
        var z = new[] { 6, 1, 1, 1, 1, 1 };
        var pos = new double[] { 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1 };
        var m = MetricsEvaluator.ForQm9().EvaluateMolecule(z, pos);
        Assert.That(m.IsValid, Is.False);
        Assert.That(m.Issue, Is.EqualTo(MoleculeIssue.None));
        Assert.That(m.Reason, Does.Contain("Explicit valence for atom # 0 C, 5"));
    }

    [Test]
    public void Disconnected_KeepsLargestFragment()
    {
        // Water and a lone H far away: valid, largest fragment is water, two fragments.
        var z = new[] { 1, 8, 1, 1 };
        var pos = new double[] { 10, 0, 0, 0, 0, 0, 0.96, 0, 0, -0.24, 0.93, 0 };
        var m = MetricsEvaluator.ForQm9().EvaluateMolecule(z, pos);
        Assert.That((m.IsValid, m.FragmentCount, m.Smiles), Is.EqualTo((true, 2, "[H]O[H]")));
    }
}
