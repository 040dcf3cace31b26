using System.Text;
using NUnit.Framework;
using SharpCompress.Common;
using SharpCompress.Writers;
using Stp.Testing;

namespace Stp.Cli.Tests;

/// <summary>
/// Issue 13, section 4: bad input files give one line "stp: &lt;file&gt;: ..." on stderr and exit code 1 (a sample of the
/// crash cases, one per reader), and the QM9 tarball reader under seeded mutation fuzzing.
/// </summary>
[NonParallelizable]
public class BadInputCliTests : TempFolderFixture
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try { return (CliApp.RunAsync(args).GetAwaiter().GetResult(), stdout.ToString(), stderr.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    private static void AssertOneLine(string err, params string[] expected)
    {
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(lines, Has.Length.EqualTo(1), err);
        Assert.That(lines[0], Does.StartWith("stp: ").And.Not.Contain("unexpected error"));
        foreach (var e in expected) Assert.That(lines[0], Does.Contain(e));
    }

    private static void WriteTarBz2(string path, params (string Name, string Text)[] entries)
    {
        using var w = WriterFactory.OpenWriter(path, ArchiveType.Tar, WriterOptions.ForTar(CompressionType.BZip2));
        foreach (var (name, text) in entries) w.Write(name, new MemoryStream(Encoding.UTF8.GetBytes(text)), null);
    }

    private static readonly (string Name, Func<TempFolder, string> Write, string[] Expected)[] DataCases =
    [
        ("xyz count 2^31-1", d => { File.WriteAllText(d.File("c.xyz"), "2147483647\n\nC 0 0 0\n"); return d.File("c.xyz"); }, ["c.xyz: record 1, line 3", "file ends after 1 of 2147483647 atoms"]),
        ("xyz 1e300", d => { File.WriteAllText(d.File("big.xyz"), "1\n\nC 1e300 0 0\n"); return d.File("big.xyz"); }, ["big.xyz: record 1, line 3", "beyond the plausible"]),
        ("sdf count -5", d => { File.WriteAllText(d.File("n.sdf"), "t\n  x\n\n -5  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n$$$$\n"); return d.File("n.sdf"); }, ["n.sdf: record 1, line 4", "-5"]),
        ("npz NaN positions", d =>
        {
            NpyBytes.WriteNpz(d.File("nan.npz"), compressed: false,
                ("num_atoms", NpyBytes.Of("<i8", "(1,)", new long[] { 1 })), ("charges", NpyBytes.Of("<i8", "(1, 1)", new long[] { 6 })),
                ("positions", NpyBytes.Of("<f4", "(1, 1, 3)", new[] { float.NaN, 0, 0 })));
            return d.File("nan.npz");
        }, ["nan.npz: molecule 0, atom 0", "non-finite"]),
        ("npy negative shape", d => { File.WriteAllBytes(d.File("g.npy"), NpyBytes.Raw("<f4", "(-2, 5)", [])); return d.File("g.npy"); }, ["g.npy", "negative dimension"]),
        ("empty tarball", d => { File.WriteAllBytes(d.File("e.tar.bz2"), []); return d.File("e.tar.bz2"); }, ["e.tar.bz2", "empty file"]),
        ("garbage tarball", d => { File.WriteAllText(d.File("g.tar.bz2"), "BZh9 garbage"); return d.File("g.tar.bz2"); }, ["g.tar.bz2", "not a readable QM9 tarball"]),
        ("truncated tarball", d =>
        {
            WriteTarBz2(d.File("t.tar.bz2"), ("dsgdb9nsd_000001.xyz", Qm9Text.Record(1, "C", 0)), ("dsgdb9nsd_000002.xyz", Qm9Text.Record(2, "O", 0)));
            var bytes = File.ReadAllBytes(d.File("t.tar.bz2"));
            File.WriteAllBytes(d.File("t.tar.bz2"), bytes[..(bytes.Length / 2)]);
            return d.File("t.tar.bz2");
        }, ["t.tar.bz2"]),
        ("qm9 folder NaN", d =>
        {
            Directory.CreateDirectory(d.File("qm9"));
            File.WriteAllText(Path.Combine(d.File("qm9"), "dsgdb9nsd_000001.xyz"), Qm9Text.Record(1, "C", double.NaN));
            return d.File("qm9");
        }, ["dsgdb9nsd_000001.xyz: record 1, line 3", "non-finite coordinate 'NaN'"]),
    ];

    private static IEnumerable<TestCaseData> DataCaseNames() => DataCases.Select((c, i) => new TestCaseData(i).SetName($"Scale_{c.Name.Replace(' ', '_')}_IsOneLineExitOne"));

    [TestCaseSource(nameof(DataCaseNames))]
    public void BadDatasetsFailWithOneLineNamingTheFile(int index)
    {
        var (_, write, expected) = DataCases[index];
        var data = write(Dir);
        var (code, _, err) = Run("scale", "--data", data, "--dataset", "any", "--out", Dir.File("gamma.json"));
        Assert.That(code, Is.EqualTo(1), err);
        AssertOneLine(err, expected);
    }

    [Test]
    public void BadCheckpointsFailWithOneLineNamingTheFile()
    {
        var shipped = Path.Combine(RepositoryRoot(), "samples", "Stp.Cli", "Models", "qm9-stp-small.safetensors");
        var bytes = File.ReadAllBytes(shipped);
        var truncated = Dir.File("truncated.safetensors");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 3)]);
        var (code, _, err) = Run("sample", "--checkpoint", truncated, "--n", "1", "--threads", "1", "--out", Dir.File("s"));
        Assert.That(code, Is.EqualTo(1));
        AssertOneLine(err, truncated);

        var legacy = Dir.File("old.stp");
        using (var w = new BinaryWriter(File.Create(legacy), Encoding.UTF8))
        {
            w.Write("STPCKPT1");
            w.Write("{\"model\":\"{\\\"Backbone\\\":\\\"edm\\\"}\"}");
            w.Write(1);
            w.Write("w");
            w.Write(-3); // a negative rank
            w.Write(new byte[16]);
        }
        (code, _, err) = Run("sample", "--checkpoint", legacy, "--n", "1", "--threads", "1", "--out", Dir.File("s2"));
        Assert.That(code, Is.EqualTo(1));
        AssertOneLine(err, legacy, "tensor 'w'", "rank -3");
    }

    [Test]
    public void EvaluateSkipsAndCountsImplausibleCoordinatesAndSaysWhatItRead()
    {
        var path = Dir.File("s.xyz");
        File.WriteAllText(path, "2\n\nC 0 0 0\nH 1.09 0 0\n2\n\nC 1e39 0 0\nH 0 0 0\n2\n\nC 0 0 0\nH 1e300 0 0\n");
        var (code, stdout, err) = Run("evaluate", path, "--out", Dir.Path);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(err, Does.Contain("record 2, line 7").And.Contain("'1e39' is beyond the plausible").And.Contain("record 3, line 12"));
        Assert.That(stdout, Does.Contain("Molecules: 3 read, 1 evaluated, 2 skipped"));

        (code, _, err) = Run("evaluate", Dir.Path, "--out", Dir.Path);
        Assert.That(code, Is.EqualTo(1));
        AssertOneLine(err, Dir.Path, "is a folder, not an XYZ file");
    }

    [Test]
    public void Qm9TarballFuzz()
    {
        var valid = Dir.File("valid.tar.bz2");
        WriteTarBz2(valid, ("dsgdb9nsd_000001.xyz", Qm9Text.Record(1, "C", 0)), ("dsgdb9nsd_000002.xyz", Qm9Text.Record(2, "O", 0.5)));
        int files = 0;
        ReaderFuzz.Run("QM9 .tar.bz2", File.ReadAllBytes(valid), seed: 17, budget: 300, bytes =>
        {
            var path = Dir.File($"{files++}-qm9.tar.bz2");
            File.WriteAllBytes(path, bytes);
            return (path, path);
        }, p => Datasets.Load(p));
        var tar = Dir.File("valid.tar");
        using (var w = WriterFactory.OpenWriter(tar, ArchiveType.Tar, new WriterOptions(CompressionType.None)))
            w.Write("dsgdb9nsd_000001.xyz", new MemoryStream(Encoding.UTF8.GetBytes(Qm9Text.Record(1, "C", 0))), null);
        ReaderFuzz.Run("QM9 .tar", File.ReadAllBytes(tar), seed: 18, budget: 300, bytes =>
        {
            var path = Dir.File($"{files++}-qm9.tar");
            File.WriteAllBytes(path, bytes);
            return (path, path);
        }, p => Datasets.Load(p));
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Stp.sln"))) dir = dir.Parent;
        return dir!.FullName;
    }
}
