using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Testing;

namespace Stp.Core.Tests;

/// <summary>Every loader of <see cref="MoleculeDatasets"/> on small files written here, good and malformed.</summary>
public class DatasetLoaderTests
{
    private static readonly Molecule Water = new([8, 1, 1], [0, 0, 0.1173, 0, 0.7572, -0.4692, 0, -0.7572, -0.4692], new Dictionary<string, string> { ["id"] = "w" });
    private static readonly Molecule Methane = new([6, 1, 1, 1, 1], [0, 0, 0, 0.63, 0.63, 0.63, -0.63, -0.63, 0.63, -0.63, 0.63, -0.63, 0.63, -0.63, -0.63], new Dictionary<string, string> { ["id"] = "m" });

    [TestCase("d.xyz")]
    [TestCase("d.xyz.gz")]
    public void LoadsXyzByExtension(string name)
    {
        using var dir = new TempFolder();
        XyzFile.Write(dir.File(name), [Water, Methane]);
        var mols = MoleculeDatasets.Load(dir.File(name));
        Assert.That(mols.Select(m => m.Formula), Is.EqualTo(new[] { "H2O", "CH4" }));
        Assert.That(mols[1].Positions[3], Is.EqualTo(0.63).Within(1e-9));
        Assert.That(mols[0].Id, Is.EqualTo("w"));
    }

    [Test]
    public void LoadsSdfByExtension()
    {
        using var dir = new TempFolder();
        SdfFile.Write(dir.File("d.sdf"), [(Water, (IReadOnlyList<(int, int, int)>)[(0, 1, 1), (0, 2, 1)]), (Methane, [(0, 1, 1), (0, 2, 1), (0, 3, 1), (0, 4, 1)])]);
        var mols = MoleculeDatasets.Load(dir.File("d.sdf"));
        Assert.That(mols.Select(m => m.Formula), Is.EqualTo(new[] { "H2O", "CH4" }));
        Assert.That(mols[0].Positions[4], Is.EqualTo(0.7572).Within(1e-4));
    }

    [Test]
    public void UnknownOrMissingFilesAreNamed()
    {
        using var dir = new TempFolder();
        var txt = dir.Write("d.csv", "x"u8.ToArray());
        Assert.That(() => MoleculeDatasets.Load(txt), Throws.InstanceOf<NotSupportedException>().With.Message.Contains(txt));
        Assert.That(() => MoleculeDatasets.Load(dir.File("none.xyz")), Throws.InstanceOf<FileNotFoundException>().With.Message.Contains("none.xyz"));
    }

    private static (string, byte[])[] EdmArrays(long[] numAtoms, long[] charges, float[] positions, int maxN) =>
    [
        ("num_atoms", NpyBytes.Of("<i8", $"({numAtoms.Length},)", numAtoms)),
        ("charges", NpyBytes.Of("<i8", $"({numAtoms.Length}, {maxN})", charges)),
        ("positions", NpyBytes.Of("<f4", $"({numAtoms.Length}, {maxN}, 3)", positions)),
        ("homo", NpyBytes.Of("<f8", $"({numAtoms.Length},)", numAtoms.Select(n => -0.25 * n).ToArray())),
        ("index", NpyBytes.Of("<i8", $"({numAtoms.Length},)", numAtoms.Select((_, i) => 10L + i).ToArray())),
    ];

    [Test]
    public void LoadsEdmQm9Npz()
    {
        using var dir = new TempFolder();
        var path = dir.File("train.npz");
        // Two molecules padded to 3 atoms: H2O, then H2 (third row is padding).
        var pos = new float[] { 0, 0, 0.125f, 0, 0.75f, -0.5f, 0, -0.75f, -0.5f, 0.375f, 0, 0, -0.375f, 0, 0, 0, 0, 0 };
        NpyBytes.WriteNpz(path, compressed: true, EdmArrays([3, 2], [8, 1, 1, 1, 1, 0], pos, maxN: 3));
        var mols = MoleculeDatasets.Load(path);
        Assert.That(mols, Has.Count.EqualTo(2));
        Assert.That(mols[0].AtomicNumbers, Is.EqualTo(new[] { 8, 1, 1 }));
        Assert.That(mols[1].AtomicNumbers, Is.EqualTo(new[] { 1, 1 }));
        Assert.That(mols[1].Positions, Is.EqualTo(new[] { 0.375, 0, 0, -0.375, 0, 0 }));
        Assert.That(mols[0].Positions[2], Is.EqualTo(0.125));
        Assert.That(mols[1].Properties["homo"], Is.EqualTo("-0.5"));
        Assert.That(mols[1].Properties["index"], Is.EqualTo("11"));
        Assert.That(mols[1].Id, Is.EqualTo("1"));
    }

    private static readonly object[] BadNpz =
    [
        new object[] { "missing", EdmArrays([1], [1], [0, 0, 0], 1).Where(a => a.Item1 != "positions").ToArray(), "missing array 'positions'" },
        new object[] { "shape", EdmArrays([1, 1], [1, 1], [0, 0, 0, 0, 0, 0], 1).Select(a => a.Item1 == "positions" ? (a.Item1, NpyBytes.Of("<f4", "(2, 3)", new float[6])) : a).ToArray(), "positions (2, 3) do not fit" },
        new object[] { "count", EdmArrays([2], [1], [0, 0, 0], 1), "molecule 0: num_atoms is 2, not a whole number in 1..1" },
        new object[] { "charge", EdmArrays([2], [6, 0], new float[6], 2), "molecule 0, atom 1: charges: atomic number 0 is not a whole number in 1..83" },
    ];

    [TestCaseSource(nameof(BadNpz))]
    public void MalformedEdmNpzNamesTheFile(string name, (string, byte[])[] arrays, string expected)
    {
        using var dir = new TempFolder();
        var path = dir.File(name + ".npz");
        NpyBytes.WriteNpz(path, compressed: false, arrays);
        var e = Assert.Throws<DataFileException>(() => MoleculeDatasets.LoadEdmNpz(path))!;
        Assert.That(e.Message, Does.StartWith(path).And.Contain(expected));
    }

    /// <summary>GEOM rows [conformer_id, Z, x, y, z] for conformers of the given sizes; ids 0, 1, 2, ...; atom a of conformer c at (c, a, 0.5).</summary>
    private static double[] GeomRows(params int[] sizes)
    {
        var rows = new List<double>();
        for (int c = 0; c < sizes.Length; c++)
            for (int a = 0; a < sizes[c]; a++) rows.AddRange([c, a == 0 ? 6 : 1, c, a, 0.5]);
        return rows.ToArray();
    }

    [TestCase("<f4")]
    [TestCase("<f8")]
    public void LoadsGeomNpySplittingWhereTheIdChanges(string descr)
    {
        using var dir = new TempFolder();
        var rows = GeomRows(3, 1, 2);
        var bytes = descr == "<f4" ? NpyBytes.Of(descr, "(6, 5)", rows.Select(v => (float)v).ToArray()) : NpyBytes.Of(descr, "(6, 5)", rows);
        var mols = MoleculeDatasets.Load(dir.Write("geom_drugs_30.npy", bytes));
        Assert.That(mols.Select(m => m.AtomCount), Is.EqualTo(new[] { 3, 1, 2 }));
        Assert.That(mols.Select(m => m.Id), Is.EqualTo(new[] { "0", "1", "2" }));
        Assert.That(mols[0].AtomicNumbers, Is.EqualTo(new[] { 6, 1, 1 }));
        Assert.That(mols[2].Positions, Is.EqualTo(new[] { 2, 0, 0.5, 2, 1, 0.5 }));
    }

    [Test]
    public void GeomIdsAreTruncatedAndCompareWithThePreviousRowAsInEdm()
    {
        using var dir = new TempFolder();
        // ids 4.0, 4.7 (same conformer after int truncation), 9, then 4 again: a new conformer.
        double[] rows = [4.0, 6, 0, 0, 0, 4.7, 1, 1, 0, 0, 9, 8, 0, 0, 0, 4, 1, 0, 0, 1];
        var mols = MoleculeDatasets.LoadGeomNpy(dir.Write("g.npy", NpyBytes.Of("<f8", "(4, 5)", rows)));
        Assert.That(mols.Select(m => (m.Id, m.AtomCount)), Is.EqualTo(new[] { ("4", 2), ("9", 1), ("4", 1) }));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(7)]
    public void GeomConformersSpanningChunkBoundariesAreKeptWhole(int chunkRows)
    {
        using var dir = new TempFolder();
        int[] sizes = [4, 1, 3, 2, 4, 1, 2];
        var rows = GeomRows(sizes);
        var path = dir.Write("g.npy", NpyBytes.Of("<f4", $"({rows.Length / 5}, 5)", rows.Select(v => (float)v).ToArray()));
        var chunked = MoleculeDatasets.LoadGeomNpy(path, chunkRows);
        Assert.That(chunked.Select(m => m.AtomCount), Is.EqualTo(sizes), "17 rows in chunks of " + chunkRows);
        Assert.That(chunked.SelectMany(m => m.Positions), Is.EqualTo(rows.Chunk(5).SelectMany(r => r[2..])));
        Assert.That(chunked.SelectMany(m => m.AtomicNumbers), Is.EqualTo(rows.Chunk(5).Select(r => (int)r[1])));
    }

    private static readonly object[] BadGeom =
    [
        new object[] { "shape", NpyBytes.Of("<f4", "(2, 4)", new float[8]), "expected a (rows, 5) array [conformer_id, Z, x, y, z], got shape (2, 4)" },
        new object[] { "dtype", NpyBytes.Of("<i8", "(1, 5)", new long[] { 0, 6, 0, 0, 0 }), "dtype '<i8'; expected float32 or float64" },
        new object[] { "truncated", NpyBytes.Raw("<f4", "(3, 5)", new byte[40]), "truncated" },
        new object[] { "z", NpyBytes.Of("<f8", "(2, 5)", new double[] { 0, 6, 0, 0, 0, 0, 6.5, 0, 0, 0 }), "row 1 (0-based): atomic number 6.5 is not a whole number" },
        new object[] { "nan", NpyBytes.Of("<f4", "(2, 5)", new[] { 0, 6, 0, 0, 0, 1, 1, 0, float.NaN, 0 }), "row 1 (0-based): non-finite coordinate" },
        new object[] { "magic", "not numpy"u8.ToArray(), "bad magic" },
    ];

    [TestCaseSource(nameof(BadGeom))]
    public void MalformedGeomNpyNamesTheFile(string name, byte[] bytes, string expected)
    {
        using var dir = new TempFolder();
        var path = dir.Write(name + ".npy", bytes);
        var e = Assert.Throws<DataFileException>(() => MoleculeDatasets.LoadGeomNpy(path, chunkRows: 1))!;
        Assert.That(e.Message, Does.StartWith(path).And.Contain(expected));
    }

    [Test]
    public void LoadsAFolderOfQm9XyzFilesInNameOrder()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("dsgdb9nsd_000002.xyz"), Qm9Text.Record(2, "F", 0.9));
        File.WriteAllText(dir.File("dsgdb9nsd_000001.xyz"), Qm9Text.Record(1, "Cl", 1.3));
        File.WriteAllText(dir.File("readme.txt"), "not a record");
        var mols = MoleculeDatasets.Load(dir.Path);
        Assert.That(mols.Select(m => m.Id), Is.EqualTo(new[] { "1", "2" }));
        Assert.That(mols[0].AtomicNumbers, Is.EqualTo(new[] { 17, 1 }));
        Assert.That(mols[0].Positions[3], Is.EqualTo(0.1), "Mathematica exponent 1.0*^-1");
        Assert.That(mols[1].Properties["homo"], Is.EqualTo("-0.3877"));
        Assert.That(mols[1].Properties["smiles"], Is.EqualTo("[H]F"));
    }

    [Test]
    public void MalformedQm9FolderNamesTheFile()
    {
        using var dir = new TempFolder();
        Assert.That(() => MoleculeDatasets.LoadQm9Folder(dir.Path), Throws.InstanceOf<FileNotFoundException>().With.Message.Contains(dir.Path));
        File.WriteAllText(dir.File("dsgdb9nsd_000001.xyz"), Qm9Text.Record(1, "C", 0));
        var bad = dir.File("dsgdb9nsd_000002.xyz");
        File.WriteAllText(bad, Qm9Text.Record(2, "Qq", 0));
        var e = Assert.Throws<MoleculeFormatException>(() => MoleculeDatasets.Load(dir.Path))!;
        Assert.That(e.Message, Does.StartWith(bad).And.Contain("line 3").And.Contain("Qq"));
        File.WriteAllText(bad, "two\n");
        Assert.That(() => MoleculeDatasets.Load(dir.Path), Throws.InstanceOf<MoleculeFormatException>().With.Message.Contains(bad).And.Message.Contains("bad atom count 'two'"));
    }
}
