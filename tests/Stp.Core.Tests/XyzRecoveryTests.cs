using System.IO.Compression;
using System.Text;
using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;

namespace Stp.Core.Tests;

/// <summary>The XYZ reader never loses data silently: it resynchronises after a bad record and detects truncated gzip.</summary>
public class XyzRecoveryTests
{
    private static string Record(int i, int atoms) =>
        $"{atoms}\nid={i}\n" + string.Concat(Enumerable.Range(0, atoms).Select(a => $"{(a == 0 ? "C" : "H")} {a * 1.1 + i * 0.01:F3} 0.0 0.0\n"));

    private static string File1000(Func<int, string> record) => string.Concat(Enumerable.Range(0, 1000).Select(record));

    [Test]
    public void AWrongCountLineLosesOnlyItsRecord()
    {
        var text = File1000(i => i == 600 ? Record(i, 3).Replace("3\nid=600", "three\nid=600") : Record(i, 3));
        var path = Path.Combine(Path.GetTempPath(), $"stp-xyz-{Guid.NewGuid():N}.xyz");
        try
        {
            File.WriteAllText(path, text);
            var mols = XyzFile.ReadLenient(path, out var errors);
            Assert.That(mols, Has.Count.EqualTo(999), "the 399 records after the bad one are read");
            Assert.That(errors, Has.Count.EqualTo(1));
            Assert.That(errors[0].Message, Does.Contain(path).And.Contain("skipped lines 3001-3005"));
            Assert.That(mols.Select(m => m.Properties["id"]), Does.Not.Contain("600").And.Contain("601").And.Contain("999"));
        }
        finally { File.Delete(path); }
    }

    [TestCase(2, "more atom lines follow")]
    [TestCase(5, "only 3 atom lines before the next record")]
    public void AWrongAtomCountLosesOnlyItsRecord(int claimed, string message)
    {
        var text = File1000(i => i == 10 ? Record(i, 3).Replace("3\nid=10\n", $"{claimed}\nid=10\n") : Record(i, 3));
        var path = Path.Combine(Path.GetTempPath(), $"stp-xyz-{Guid.NewGuid():N}.xyz");
        try
        {
            File.WriteAllText(path, text);
            var mols = XyzFile.ReadLenient(path, out var errors);
            Assert.That(errors, Has.Count.EqualTo(1), string.Join("; ", errors.Select(e => e.Message)));
            Assert.That(errors[0].Message, Does.Contain(message));
            Assert.That(mols, Has.Count.EqualTo(999));
            Assert.That(mols.All(m => m.AtomCount == 3), "no truncated or merged molecule is accepted");
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void ATruncatedGzipIsAnErrorNamingTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"stp-xyz-{Guid.NewGuid():N}.xyz.gz");
        try
        {
            XyzFile.Write(path, Enumerable.Range(0, 1001).Select(i => new Molecule(new[] { 6, 1 }, new[] { 0, 0, 0, 1.1 + i * 1e-3, 0, 0 })));
            Assert.That(XyzFile.Read(path).Count(), Is.EqualTo(1001), "a whole file reads");
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes.Take(bytes.Length / 2).ToArray());
            Assert.That(() => XyzFile.Read(path).Count(), Throws.InstanceOf<DataFileException>().With.Message.Contains(path).And.Message.Contains("truncated"));
        }
        finally { File.Delete(path); }
    }
}
