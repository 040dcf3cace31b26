using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;

namespace Stp.Core.Tests;

/// <summary>The SDF reader follows the XYZ policy: bad records are skipped and reported, missing terminators lose nothing.</summary>
public class SdfRecoveryTests
{
    private static string Sdf(IEnumerable<Molecule> mols)
    {
        var path = Path.Combine(Path.GetTempPath(), $"stp-sdf-{Guid.NewGuid():N}.sdf");
        SdfFile.Write(path, mols.Select(m => (m, (IReadOnlyList<(int, int, int)>)new[] { (0, 1, 1) })));
        var text = File.ReadAllText(path);
        File.Delete(path);
        return text;
    }

    private static readonly List<Molecule> Three = Enumerable.Range(0, 3).Select(i =>
        new Molecule(new[] { 6, 8 }, new[] { 0, 0, 0, 1.2 + 0.01 * i, 0, 0 }, new Dictionary<string, string> { ["id"] = $"m{i}" })).ToList();

    private static List<(Molecule Molecule, List<(int I, int J, int Order)> Bonds)> ReadText(string text, out List<MoleculeFormatException> errors)
    {
        var path = Path.Combine(Path.GetTempPath(), $"stp-sdf-{Guid.NewGuid():N}.sdf");
        File.WriteAllText(path, text);
        try { return SdfFile.ReadLenient(path, out errors); }
        finally { File.Delete(path); }
    }

    [Test]
    public void RecordsWithoutTerminatorsAreAllRead()
    {
        var mols = ReadText(Sdf(Three).Replace("$$$$\n", ""), out var errors);
        Assert.That(errors, Is.Empty);
        Assert.That(mols.Select(m => m.Molecule.Properties["id"]), Is.EqualTo(new[] { "m0", "m1", "m2" }));
        Assert.That(mols[2].Molecule.Positions[3], Is.EqualTo(1.22).Within(1e-4));
    }

    [Test]
    public void FixedColumnCoordinatesThatTouchReadBack()
    {
        // |x| >= 1000 A fills the 10-character column, so the writer's output has no space between y and z.
        var far = new Molecule(new[] { 6, 8 }, new[] { 79.2176, -1092.4409, 9999.1234, -9999.5, 0.25, -1000.0 }, new Dictionary<string, string> { ["id"] = "far" });
        var text = Sdf(new[] { far });
        Assert.That(text, Does.Contain("79.2176-1092.4409"), "the columns touch");
        var mols = ReadText(text, out var errors);
        Assert.That(errors, Is.Empty);
        Assert.That(mols.Single().Molecule.Positions, Is.EqualTo(far.Positions).Within(1e-4));
        Assert.That(mols.Single().Molecule.AtomicNumbers, Is.EqualTo(new[] { 6, 8 }));
        // A loosely formatted line (not in the columns) still reads by whitespace.
        Assert.That(SdfFile.AtomFields("  1.5 -2.25 3.0 N"), Is.EqualTo(new[] { "1.5", "-2.25", "3.0", "N" }));
    }

    [Test]
    public void ABadRecordIsSkippedReportedAndTheRestIsRead()
    {
        var text = Sdf(Three);
        var second = text.IndexOf("$$$$", StringComparison.Ordinal) + 5;
        var broken = text[..second] + text[second..].Replace("    1.2100", "    abc   ");
        var mols = ReadText(broken, out var errors);
        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0].Message, Does.Contain("record 2").And.Contain("bad coordinate"));
        Assert.That(mols.Select(m => m.Molecule.Properties["id"]), Is.EqualTo(new[] { "m0", "m2" }));
        Assert.That(() => SdfFile.Read(new StringReader(broken), "x.sdf"), Throws.InstanceOf<MoleculeFormatException>().With.Message.Contains("x.sdf"));
    }
}
