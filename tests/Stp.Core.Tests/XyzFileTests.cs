using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;

namespace Stp.Core.Tests;

public class XyzFileTests
{
    [Test]
    public void RoundTripsAndReadsComments()
    {
        var text = "3\nid=7 smiles=O\nO 0.0 0.0 0.1173\nH 0.0 0.7572 -0.4692\nH 0.0 -0.7572 -0.4692\n";
        var m = XyzFile.Parse(text).Single();
        Assert.That(m.AtomicNumbers, Is.EqualTo(new[] { 8, 1, 1 }));
        Assert.That(m.Properties["id"], Is.EqualTo("7"));
        Assert.That(m.Formula, Is.EqualTo("H2O"));
        var path = Path.Combine(Path.GetTempPath(), $"stp-{Guid.NewGuid():N}.xyz.gz");
        try
        {
            XyzFile.Write(path, new[] { m, m });
            var back = XyzFile.Read(path).ToList();
            Assert.That(back, Has.Count.EqualTo(2));
            Assert.That(back[1].Positions[4], Is.EqualTo(0.7572).Within(1e-6));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void MalformedRecordsNameFileRecordAndLine()
    {
        var bad = "1\nc\nC 0 0 0\n2\nc\nC 0 0 0\nXx 1 1 1\n1\nc\nC 0 zero 0\n";
        var ex = Assert.Throws<MoleculeFormatException>(() => XyzFile.Parse(bad, "bad.xyz"))!;
        Assert.That(ex.Message, Does.Contain("bad.xyz").And.Contain("record 2").And.Contain("line 7").And.Contain("Xx"));
        var path = Path.Combine(Path.GetTempPath(), $"stp-{Guid.NewGuid():N}.xyz");
        File.WriteAllText(path, bad);
        try
        {
            var ok = XyzFile.ReadLenient(path, out var errors);
            Assert.That(ok, Has.Count.EqualTo(1));
            Assert.That(errors.Select(e => e.Record), Is.EqualTo(new[] { 2, 3 }));
            Assert.That(errors[1].Message, Does.Contain("bad coordinate 'zero'"));
        }
        finally { File.Delete(path); }
        Assert.That(() => XyzFile.Parse("2\nc\nC 0 0 0\n"), Throws.InstanceOf<MoleculeFormatException>().With.Message.Contains("ends after 1 of 2"));
        Assert.That(() => XyzFile.Parse("1\nc\nC 0 NaN 0\n"), Throws.InstanceOf<MoleculeFormatException>().With.Message.Contains("non-finite"));
    }
}
