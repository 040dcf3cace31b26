using System.Globalization;
using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Testing;

namespace Stp.Core.Tests;

/// <summary>QM9 properties in EDM's units: Hartree to eV, atom references subtracted, converting twice changes nothing.</summary>
public class Qm9PropertiesTests
{
    private static double P(Molecule m, string key) => double.Parse(m.Properties[key], CultureInfo.InvariantCulture);

    [Test]
    public void ConvertsToEdmUnits()
    {
        // CH3OH-like record: C, O and 4 H.
        var props = new Dictionary<string, string> { ["alpha"] = "21.5", ["homo"] = "-0.254", ["gap"] = "0.2342", ["mu"] = "1.6", ["Cv"] = "11.2", ["U0"] = "-115.7", ["zpve"] = "0.05", ["smiles"] = "CO" };
        var m = new Molecule(new[] { 6, 8, 1, 1, 1, 1 }, new double[18], props);
        var e = Qm9Properties.ToEdmUnits(m);
        Assert.That(P(e, "alpha"), Is.EqualTo(21.5));
        Assert.That(P(e, "mu"), Is.EqualTo(1.6));
        Assert.That(P(e, "homo"), Is.EqualTo(-0.254 * 27.2114).Within(1e-12));
        Assert.That(P(e, "gap"), Is.EqualTo(0.2342 * 27.2114).Within(1e-12));
        Assert.That(P(e, "Cv"), Is.EqualTo(11.2 - 6 * 2.981).Within(1e-12), "EDM subtracts the atoms' Cv (2.981 each)");
        Assert.That(P(e, "U0"), Is.EqualTo((-115.7 - (-37.846772 - 75.064579 - 4 * 0.500273)) * 27.2114).Within(1e-9));
        Assert.That(P(e, "zpve"), Is.EqualTo(0.05 * 27211.4).Within(1e-9));
        Assert.That(e.Properties["smiles"], Is.EqualTo("CO"));
        Assert.That(Qm9Properties.ToEdmUnits(e).Properties, Is.EqualTo(e.Properties), "a converted molecule stays as it is");
        Assert.That(Qm9Properties.Find("lumo").TableUnit, Is.EqualTo("meV"));
        var bad = Assert.Throws<ArgumentException>(() => Qm9Properties.Find("alhpa"));
        Assert.That(bad!.Message, Does.Contain("'alhpa'").And.Contain("alpha, homo"));
    }

    [Test]
    public void TheSharedTestSplitStoresHartreeAndConvertsToEdmsRange()
    {
        var mols = XyzFile.Read(SharedData.Data("qm9/qm9_edm_test.xyz.gz")).Take(2000).ToList();
        var gap = mols.Select(m => P(m, "gap")).ToArray();
        Assert.That(gap.Average(), Is.InRange(0.2, 0.3), "the file stores Hartree (QM9's mean gap is ~0.25 Ha)");
        var ev = Qm9Properties.ToEdmUnits(mols).Select(m => P(m, "gap")).ToArray();
        Assert.That(ev.Average(), Is.InRange(6.0, 7.5), "EDM's eV (~6.9 eV)");
    }
}
