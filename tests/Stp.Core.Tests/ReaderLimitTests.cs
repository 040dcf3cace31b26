using System.Text;
using NUnit.Framework;
using Stp.Data;
using Stp.Data.Npy;
using Stp.Models;
using Stp.Testing;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

/// <summary>
/// Issue 13, sections 3 and 4: the crash cases and silent acceptances of bad data, one test per class, each now a
/// <see cref="DataFileException"/> naming the file (and record, line, array or tensor), with nothing allocated for a
/// size the file cannot hold.
/// </summary>
public class ReaderLimitTests : TempFolderFixture
{
    private string Text(string name, string text)
    {
        File.WriteAllText(Dir.File(name), text);
        return Dir.File(name);
    }

    private static void ThrowsNaming(Action read, string file, params string[] expected)
    {
        var e = Assert.Throws(Is.InstanceOf<DataFileException>(), () => read()) as DataFileException;
        Assert.That(e!.File, Does.StartWith(file));
        Assert.That(e.Message, Does.StartWith(file));
        foreach (var x in expected) Assert.That(e.Message, Does.Contain(x));
    }

    /// <summary>Huge atom counts are read line by line (never allocated up front) and end in an error naming the record.</summary>
    [TestCase("2147483647")]
    [TestCase("800000000")]
    public void HugeXyzAtomCountsAllocateNothing(string count)
    {
        var path = Text("c.xyz", $"{count}\n\nC 0 0 0\nH 1 0 0\n");
        long before = GC.GetAllocatedBytesForCurrentThread();
        ThrowsNaming(() => XyzFile.Read(path).ToList(), path, "record 1", $"file ends after 2 of {count} atoms");
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(16 << 20));
        Assert.That(() => XyzFile.Read(Text("e.xyz", "8e8\n\nC 0 0 0\n")).ToList(), Throws.InstanceOf<MoleculeFormatException>().With.Message.Contains("expected an atom count, found '8e8'"));
    }

    /// <summary>Coordinates that are not finite float32 values or implausibly far (1e39, 1e300, NaN) are malformed records in every text reader.</summary>
    [TestCase("1e39")]
    [TestCase("1e300")]
    [TestCase("-1e5")]
    [TestCase("NaN")]
    public void ImplausibleCoordinatesAreRejectedByEveryTextReader(string x)
    {
        var xyz = Text("m.xyz", $"2\n\nC 0 0 0\nH {x} 0 0\n");
        ThrowsNaming(() => XyzFile.Read(xyz).ToList(), xyz, "record 1, line 4", $"'{x}'");
        Assert.That(XyzFile.ReadLenient(xyz, out var errors), Is.Empty);
        Assert.That(errors, Has.Count.EqualTo(1));
        var sdf = Text("m.sdf", $"t\n  x\n\n  2  0  0  0  0  0  0  0  0  0999 V2000\n    0.0000    0.0000    0.0000 C   0\n {x} 0.0 0.0 H   0\nM  END\n$$$$\n");
        ThrowsNaming(() => SdfFile.Read(sdf), sdf, "record 1, line 6", $"'{x}'");
        Directory.CreateDirectory(Dir.File("qm9"));
        var record = Text(Path.Combine("qm9", "dsgdb9nsd_000001.xyz"), Qm9Text.Record(1, "C", 0).Replace("H\t1.0*^-1", $"H\t{x}"));
        ThrowsNaming(() => MoleculeDatasets.Load(Dir.File("qm9")), record, "record 1, line 4", $"'{x}'");
    }

    private string Npz(long[] numAtoms, long[] charges, float[] positions, string chargesShape, int maxN)
    {
        var path = Dir.File($"d{Guid.NewGuid():N}.npz");
        NpyBytes.WriteNpz(path, compressed: false,
            ("num_atoms", NpyBytes.Of("<i8", $"({numAtoms.Length},)", numAtoms)),
            ("charges", NpyBytes.Of("<i8", chargesShape, charges)),
            ("positions", NpyBytes.Of("<f4", $"({numAtoms.Length}, {maxN}, 3)", positions)));
        return path;
    }

    [TestCase(3L, "num_atoms is 3, not a whole number in 1..2")]
    [TestCase(-1L, "num_atoms is -1")]
    [TestCase(0L, "num_atoms is 0")]
    public void NpzAtomCountsOutsideThePaddingAreRejected(long n, string expected)
    {
        var path = Npz([2, n], [6, 1, 6, 1], new float[12], "(2, 2)", 2);
        ThrowsNaming(() => MoleculeDatasets.LoadEdmNpz(path), path, "molecule 1", expected);
    }

    [TestCase(0L, "atomic number 0 is not a whole number in 1..83 (0 marks padding, not an atom)")]
    [TestCase(200L, "atomic number 200 is not a whole number in 1..83")]
    public void NpzPaddingAndUnknownAtomicNumbersAreRejected(long z, string expected)
    {
        var path = Npz([2], [6, z], new float[6], "(1, 2)", 2);
        ThrowsNaming(() => MoleculeDatasets.LoadEdmNpz(path), path, "molecule 0, atom 1", expected);
    }

    [TestCase(float.NaN, "non-finite coordinate")]
    [TestCase(float.PositiveInfinity, "non-finite coordinate")]
    [TestCase(2e4f, "beyond the plausible 10,000 Angstrom")]
    public void NpzBadPositionsAreRejected(float bad, string expected)
    {
        var path = Npz([2], [6, 1], [0, 0, 0, 0, bad, 0], "(1, 2)", 2);
        ThrowsNaming(() => MoleculeDatasets.LoadEdmNpz(path), path, "molecule 0, atom 1", expected);
    }

    [Test]
    public void NpzOneDimensionalChargesAreAShapeError()
    {
        var path = Npz([1], [6], new float[3], "(1,)", 1);
        ThrowsNaming(() => MoleculeDatasets.LoadEdmNpz(path), path, "charges (1,)", "do not fit EDM's layout");
    }

    [TestCase(float.NaN, "non-finite coordinate")]
    [TestCase(1e30f, "beyond the plausible")]
    public void GeomNpyBadCoordinatesAreRejected(float bad, string expected)
    {
        var path = Dir.Write("g.npy", NpyBytes.Of("<f4", "(1, 5)", new[] { 0, 6, bad, 0, 0 }));
        ThrowsNaming(() => MoleculeDatasets.LoadGeomNpy(path), path, "row 0 (0-based)", expected);
        var negative = Dir.Write("n.npy", NpyBytes.Raw("<f4", "(-1, 5)", []));
        ThrowsNaming(() => MoleculeDatasets.LoadGeomNpy(negative), negative, "negative dimension");
    }

    [Test]
    public void NpzArchivesNeverExposeZipInternals()
    {
        var truncated = Dir.File("t.npz");
        File.WriteAllBytes(truncated, File.ReadAllBytes(Npz([1], [6], new float[3], "(1, 1)", 1))[..40]);
        var e = Assert.Throws(Is.InstanceOf<DataFileException>(), () => NpzFile.Read(truncated))!;
        Assert.That(e.Message, Does.StartWith(truncated).And.Not.Contain("Central Directory"));
    }

    private string Safetensors(string header, int dataBytes = 0)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var path = Dir.File($"w{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. new byte[dataBytes]]);
        return path;
    }

    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,0]}}", "needs more than 2^63 bytes")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1,-4],\"data_offsets\":[0,16]}}", "negative dimension")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", "implausible rank")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,9223372036854775807]}}", "do not fit")]
    [TestCase("{\"__metadata__\":{\"a\":5}}", "not a string")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]", "not valid JSON")]
    public void SafetensorsHeadersAreCheckedBeforeAnythingIsAllocated(string header, string expected)
    {
        var path = Safetensors(header, 16);
        ThrowsNaming(() => SafetensorsFile.Read(path), path, expected);
    }

    [Test]
    public void SafetensorsHeaderLengthsBeyondTheFileAreRefusedBeforeAllocating()
    {
        var path = Dir.Write("h.safetensors", [.. BitConverter.GetBytes(90UL << 20), .. "{}"u8.ToArray()]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        ThrowsNaming(() => SafetensorsFile.Read(path), path, "truncated: the header needs");
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(1 << 20));
    }

    private string Legacy(Action<BinaryWriter> table)
    {
        var path = Dir.File($"l{Guid.NewGuid():N}.stp");
        using var w = new BinaryWriter(File.Create(path), Encoding.UTF8);
        table(w);
        return path;
    }

    private static Dictionary<string, Tensor> ReadTable(string path)
    {
        using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        return TensorStore.Read(r, path);
    }

    [TestCase(int.MaxValue, 0L, 0, "implausible rank 2147483647")]
    [TestCase(-2, 0L, 0, "implausible rank -2")]
    [TestCase(1, -4L, 0, "negative dimension -4")]
    [TestCase(1, 4L, int.MaxValue, "2147483647 data bytes, but only")]
    [TestCase(1, 4L, -16, "-16 data bytes")]
    [TestCase(1, 1L << 62, 16, "do not fit shape")]
    public void LegacyTensorTablesAreCheckedAgainstTheFile(int rank, long dim, int bytes, string expected)
    {
        var path = Legacy(w =>
        {
            w.Write(1);
            w.Write("egnn.w");
            w.Write(rank);
            if (rank is > 0 and < 16) w.Write(dim);
            w.Write(bytes);
            w.Write(new byte[16]);
        });
        ThrowsNaming(() => ReadTable(path), path, "tensor 'egnn.w'", expected);
        var counted = Legacy(w => { w.Write(int.MaxValue); w.Write(new byte[8]); });
        ThrowsNaming(() => ReadTable(counted), counted, "corrupt tensor table (count 2147483647");
    }
}
