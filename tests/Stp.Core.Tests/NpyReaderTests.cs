using Stp.Data;
using NUnit.Framework;
using Stp.Data.Npy;
using Stp.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

public class NpyReaderTests
{
    private static readonly double[] Values = [0, 1, 2, 5, 100, 127];

    private static byte[] Encode(string descr, double[] v) => descr[1..] switch
    {
        "b1" => NpyBytes.Of(descr, "(2, 3)", v.Select(x => x != 0 ? (byte)(x == 5 ? 2 : 1) : (byte)0).ToArray()),
        "i1" => NpyBytes.Of(descr, "(2, 3)", v.Select(x => (sbyte)-x).ToArray()),
        "i2" => NpyBytes.Of(descr, "(2, 3)", v.Select(x => (short)-x).ToArray()),
        "i4" => NpyBytes.Of(descr, "(2, 3)", v.Select(x => (int)-x).ToArray()),
        "i8" => NpyBytes.Of(descr, "(2, 3)", v.Select(x => (long)-x).ToArray()),
        "u1" => NpyBytes.Of(descr, "(2, 3)", v.Select(x => (byte)x).ToArray()),
        "u2" => NpyBytes.Of(descr, "(2, 3)", v.Select(x => (ushort)x).ToArray()),
        "u4" => NpyBytes.Of(descr, "(2, 3)", v.Select(x => (uint)x).ToArray()),
        "u8" => NpyBytes.Of(descr, "(2, 3)", v.Select(x => (ulong)x).ToArray()),
        "f2" => NpyBytes.Of(descr, "(2, 3)", v.Select(x => (Half)(x + 0.5)).ToArray()),
        "f4" => NpyBytes.Of(descr, "(2, 3)", v.Select(x => (float)(x + 0.5)).ToArray()),
        _ => NpyBytes.Of(descr, "(2, 3)", v.Select(x => x + 0.5).ToArray()),
    };

    [TestCase("|b1", typeof(bool))]
    [TestCase("|i1", typeof(sbyte))]
    [TestCase("<i2", typeof(short))]
    [TestCase("<i4", typeof(int))]
    [TestCase("<i8", typeof(long))]
    [TestCase("|u1", typeof(byte))]
    [TestCase("<u2", typeof(ushort))]
    [TestCase("<u4", typeof(uint))]
    [TestCase("<u8", typeof(ulong))]
    [TestCase("<f2", typeof(Half))]
    [TestCase("<f4", typeof(float))]
    [TestCase("<f8", typeof(double))]
    public void ReadsEverySupportedDtypeInItsOwnElementType(string descr, Type element)
    {
        using var dir = new TempFolder();
        var a = NpzFile.ReadNpy(dir.Write("a.npy", Encode(descr, Values)));
        Assert.That(a.Name, Is.EqualTo("a"));
        Assert.That(a.Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(a.DType.ClrType, Is.EqualTo(element));
        Assert.That(a.Data.GetType(), Is.EqualTo(element.MakeArrayType()));
        double[] expected = descr[1] switch
        {
            'b' => Values.Select(x => x != 0 ? 1.0 : 0.0).ToArray(),
            'i' => Values.Select(x => -x).ToArray(),
            'u' => Values,
            _ => Values.Select(x => x + 0.5).ToArray(),
        };
        Assert.That(a.ToDouble(), Is.EqualTo(expected));
        Assert.That(a.ToInt64(), Is.EqualTo(expected.Select(x => (long)x).ToArray()));
    }

    [Test]
    public void Float32StaysFloat32AndConvertsToTensors()
    {
        using var dir = new TempFolder();
        var values = new[] { 0.1f, -2.5f, 3e-8f, 7f };
        var a = NpzFile.ReadNpy(dir.Write("f.npy", NpyBytes.Of("<f4", "(4,)", values)));
        Assert.That(a.Values<float>(), Is.EqualTo(values));
        Assert.That(a.ToFloat(), Is.SameAs(a.Data), "no copy, no widening");
        Assert.That(() => a.Values<double>(), Throws.InstanceOf<InvalidCastException>().With.Message.Contains("<f4"));
        using var t = a.ToTensor();
        Assert.That(t.dtype, Is.EqualTo(ScalarType.Float32));
        Assert.That(t.data<float>().ToArray(), Is.EqualTo(values));

        var u = NpzFile.ReadNpy(dir.Write("u.npy", NpyBytes.Of("<u2", "(2, 1)", new ushort[] { 65535, 3 })));
        Assert.That(u.ToInt64(), Is.EqualTo(new long[] { 65535, 3 }), "uint16 is not mistaken for int16");
        using var ut = u.ToTensor();
        Assert.That(ut.dtype, Is.EqualTo(ScalarType.Int32));
        Assert.That(ut.shape, Is.EqualTo(new long[] { 2, 1 }));
        Assert.That(ut.data<int>().ToArray(), Is.EqualTo(new[] { 65535, 3 }));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void ReadsFormatVersions1To3(int version)
    {
        using var dir = new TempFolder();
        var a = NpzFile.ReadNpy(dir.Write("v.npy", NpyBytes.Of("<i8", "(3,)", new long[] { 4, -5, long.MaxValue }, version)));
        Assert.That(a.Values<long>(), Is.EqualTo(new[] { 4, -5, long.MaxValue }));
        using var r = NpyReader.Open(dir.File("v.npy"));
        Assert.That(r.Header.Version, Is.EqualTo(version));
        Assert.That(r.Header.DataOffset % 64, Is.EqualTo(0), "np.save aligns the data to 64 bytes");
    }

    [Test]
    public void ReadsScalarsAndEmptyArrays()
    {
        using var dir = new TempFolder();
        var s = NpzFile.ReadNpy(dir.Write("s.npy", NpyBytes.Of("<f8", "()", new[] { 2.25 })));
        Assert.That(s.Shape, Is.Empty);
        Assert.That(s.ToDouble(), Is.EqualTo(new[] { 2.25 }));
        var e = NpzFile.ReadNpy(dir.Write("e.npy", NpyBytes.Of("<f4", "(0, 5)", Array.Empty<float>())));
        Assert.That(e.Shape, Is.EqualTo(new long[] { 0, 5 }));
        Assert.That(e.Length, Is.EqualTo(0));
    }

    private static readonly object[] Malformed =
    [
        new object[] { "magic", "PK\x03\x04 not numpy at all"u8.ToArray(), "bad magic" },
        new object[] { "fortran", NpyBytes.Raw("<f4", "(2, 2)", new byte[16], fortran: true), "Fortran" },
        new object[] { "bigendian", NpyBytes.Raw(">f4", "(1,)", new byte[4]), "big-endian dtype '>f4'" },
        new object[] { "complex", NpyBytes.Raw("<c8", "(1,)", new byte[8]), "unsupported dtype '<c8'" },
        new object[] { "object", NpyBytes.Raw("|O", "(1,)", new byte[8]), "unsupported dtype '|O'" },
        new object[] { "truncated", NpyBytes.Raw("<f8", "(2, 3)", new byte[40]), "needs 48 (truncated" },
        new object[] { "longer", NpyBytes.Raw("<f8", "(2, 3)", new byte[56]), "holds 56 bytes of data, but shape (2, 3) of '<f8' needs only 48" },
        new object[] { "shape", NpyBytes.Raw("<f8", "(2, x)", new byte[16]), "bad dimension 'x'" },
        new object[] { "negative", NpyBytes.Raw("<f8", "(-2,)", new byte[16]), "negative dimension" },
        new object[] { "header", NpyBytes.Header("<f8", "(2,)")[..30], "ends inside the .npy header" },
        new object[] { "version", NpyBytes.Raw("<f8", "(1,)", new byte[8], version: 1).Select((b, i) => i == 6 ? (byte)4 : b).ToArray(), "version 4" },
    ];

    [TestCaseSource(nameof(Malformed))]
    public void MalformedFilesGiveFormatErrorsNamingTheFile(string name, byte[] bytes, string expected)
    {
        using var dir = new TempFolder();
        var path = dir.Write(name + ".npy", bytes);
        var e = Assert.Throws<DataFileException>(() => NpzFile.ReadNpy(path))!;
        Assert.That(e.Message, Does.StartWith(path).And.Contain(expected));
    }

    [Test]
    public void TruncationOfANonSeekableStreamIsReportedAtTheByteWhereDataEnds()
    {
        var bytes = NpyBytes.Raw("<i4", "(4,)", new byte[10]);
        using var r = new NpyReader(new NonSeekable(bytes), "pipe.npy");
        var e = Assert.Throws<DataFileException>(() => r.ReadAll<int>())!;
        Assert.That(e.Message, Does.Contain("pipe.npy: data ends at byte 138").And.Contain("needs 144 bytes"));
    }

    [TestCase(1)]
    [TestCase(6)]
    [TestCase(8)]
    [TestCase(1 << 20)]
    public void ChunkedReadsCrossChunkBoundaries(int chunkBytes)
    {
        var values = Enumerable.Range(0, 23).Select(i => i * 1.5f - 4).ToArray();
        using var r = new NpyReader(new MemoryStream(NpyBytes.Of("<f4", "(23,)", values)), "m.npy", chunkBytes: chunkBytes);
        var got = new List<float>();
        var buffer = new float[5];
        for (int n; (n = r.Read<float>(buffer)) > 0;) got.AddRange(buffer.Take(n));
        Assert.That(got, Is.EqualTo(values));
        Assert.That(r.ElementsRead, Is.EqualTo(23));
        Assert.That(r.Read<float>(buffer), Is.EqualTo(0));
        Assert.That(() => r.Read<double>(buffer.Select(x => (double)x).ToArray()), Throws.InvalidOperationException.With.Message.Contains("'<f4'"));
    }

    [Test]
    public void OffsetsAndSizesBeyond2GigabytesUseLongArithmetic()
    {
        // EDM's geom_drugs_30.npy is about this large: 3e9 rows would need 60 GB of float32 data.
        var h = new NpyHeader(1, new NpyDType('f', 4), [3_000_000_000, 5], 128, "big.npy");
        Assert.That(h.Count, Is.EqualTo(15_000_000_000L));
        Assert.That(h.DataLength, Is.EqualTo(60_000_000_000L));
        Assert.That(h.DataEnd, Is.EqualTo(60_000_000_128L));
        Assert.That(h.OffsetOf(14_999_999_999L), Is.EqualTo(60_000_000_124L));
        Assert.That(h.OffsetOf(h.Count), Is.EqualTo(h.DataEnd));
        Assert.That(h.ShapeText, Is.EqualTo("(3000000000, 5)"));
        var e = Assert.Throws<DataFileException>(() => NpyReader.CheckLength(h, 13_000_000_000L))!;
        Assert.That(e.Message, Does.Contain("holds 12999999872 bytes").And.Contain("needs 60000000000"));

        // The same header read from a (header-only) stream: the length check fails before anything is allocated.
        var header = NpyBytes.Header("<f4", "(3000000000, 5)");
        var e2 = Assert.Throws<DataFileException>(() => new NpyReader(new MemoryStream(header), "big.npy"))!;
        Assert.That(e2.Message, Does.Contain("needs 60000000000 (truncated"));

        Assert.That(() => new NpyHeader(1, new NpyDType('f', 8), [1L << 61, 4], 128, "huge.npy"),
            Throws.InstanceOf<DataFileException>().With.Message.Contains("huge.npy").And.Message.Contains("2^63"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void ReadsNpzArchivesStoredOrDeflated(bool compressed)
    {
        using var dir = new TempFolder();
        var path = dir.File("a.npz");
        NpyBytes.WriteNpz(path, compressed,
            ("positions", NpyBytes.Of("<f4", "(1, 2, 3)", new[] { 1f, 2, 3, 4, 5, 6 })),
            ("num_atoms", NpyBytes.Of("<i8", "(1,)", new long[] { 2 })));
        var npz = NpzFile.Read(path);
        Assert.That(npz.Keys, Is.EquivalentTo(new[] { "positions", "num_atoms" }));
        Assert.That(npz["positions"].Shape, Is.EqualTo(new long[] { 1, 2, 3 }));
        Assert.That(npz["positions"].Values<float>(), Is.EqualTo(new[] { 1f, 2, 3, 4, 5, 6 }));
        var tensors = NpzFile.ReadTensors(path);
        Assert.That(tensors["num_atoms"].dtype, Is.EqualTo(ScalarType.Int64));
        Assert.That(tensors["num_atoms"].item<long>(), Is.EqualTo(2));
        foreach (var t in tensors.Values) t.Dispose();
    }

    [Test]
    public void BadNpzArchivesNameTheFileAndEntry()
    {
        using var dir = new TempFolder();
        var notZip = dir.Write("bad.npz", "plain text"u8.ToArray());
        Assert.That(() => NpzFile.Read(notZip), Throws.InstanceOf<DataFileException>().With.Message.Contains(notZip).And.Message.Contains("not a valid .npz"));
        var badEntry = dir.File("entry.npz");
        NpyBytes.WriteNpz(badEntry, true, ("ok", NpyBytes.Of("<f8", "(1,)", new[] { 1.0 })), ("w", NpyBytes.Raw("<f8", "(3,)", new byte[16])));
        Assert.That(() => NpzFile.Read(badEntry), Throws.InstanceOf<DataFileException>().With.Message.Contains(badEntry + ":w.npy").And.Message.Contains("truncated"));
        Assert.That(() => NpzFile.Read(dir.File("missing.npz")), Throws.InstanceOf<FileNotFoundException>());
    }

    /// <summary>A stream that cannot seek, as a zip entry or a pipe.</summary>
    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
