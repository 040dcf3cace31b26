using System.IO.Compression;
using System.Text;
using NUnit.Framework;
using Stp.Data.Npy;

namespace Stp.Core.Tests;

public class NpyTests
{
    /// <summary>A .npy array as NumPy writes it: magic, version, header length, padded header dict, data.</summary>
    private static byte[] Npy(string descr, string shape, byte[] data, int major = 1, bool fortran = false)
    {
        int prefix = major == 1 ? 10 : 12;
        var header = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shape}, }}";
        header += new string(' ', (64 - (prefix + header.Length + 1) % 64) % 64) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.AddRange([(byte)major, 0]);
        if (major == 1) bytes.AddRange(BitConverter.GetBytes((ushort)header.Length));
        else bytes.AddRange(BitConverter.GetBytes((uint)header.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    [Test]
    public void HeaderGivesDTypeShapeAndDataOffset_ForVersions1And2()
    {
        var bytes1 = Npy("<f4", "(2, 3)", new byte[24]);
        var v1 = NpyHeader.Parse(bytes1, "a.npy");
        Assert.That(v1.DType, Is.EqualTo("<f4"));
        Assert.That(v1.Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(v1.Count, Is.EqualTo(6));
        Assert.That(v1.DataOffset, Is.EqualTo(128).And.EqualTo(bytes1.Length - 24), "header padded to a multiple of 64 bytes");
        var bytes2 = Npy("|b1", "(5,)", new byte[5], major: 2);
        var v2 = NpyHeader.Parse(bytes2, "b.npy");
        Assert.That(v2.Shape, Is.EqualTo(new long[] { 5 }));
        Assert.That(v2.DataOffset, Is.EqualTo(128).And.EqualTo(bytes2.Length - 5));
        var scalar = NpyHeader.Parse(Npy("<i8", "()", new byte[8]), "c.npy");
        Assert.That(scalar.Shape, Is.Empty);
        Assert.That(scalar.Count, Is.EqualTo(1));
    }

    [TestCase("bad magic")]
    [TestCase("format version 7")]
    [TestCase("truncated")]
    [TestCase("Fortran")]
    public void HeaderRejectsMalformedArraysNamingThem(string expected)
    {
        var good = Npy("<f8", "(1,)", new byte[8]);
        byte[] bytes = expected switch
        {
            "bad magic" => Encoding.ASCII.GetBytes("not an npy array"),
            "format version 7" => good.Select((b, i) => i == 6 ? (byte)7 : b).ToArray(),
            "truncated" => good[..40],
            _ => Npy("<f8", "(1,)", new byte[8], fortran: true),
        };
        var e = Assert.Throws<FormatException>(() => NpyHeader.Parse(bytes, "x.npz:w.npy"))!;
        Assert.That(e.Message, Does.StartWith("x.npz:w.npy:").And.Contain(expected));
    }

    [Test]
    public void NpzFileReadsArraysThroughTheSharedHeader()
    {
        var path = Path.Combine(Path.GetTempPath(), $"stp-npz-{Guid.NewGuid():N}.npz");
        try
        {
            using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
            {
                zip.CreateEntry("folder/");
                using (var s = zip.CreateEntry("x.npy").Open())
                    s.Write(Npy("<i4", "(2, 2)", new[] { 1, -2, 30, 400 }.SelectMany(BitConverter.GetBytes).ToArray()));
                using (var s = zip.CreateEntry("y.npy").Open())
                    s.Write(Npy("<f8", "(3,)", new[] { 0.5, -1.25, 1e300 }.SelectMany(BitConverter.GetBytes).ToArray(), major: 2));
            }
            var arrays = NpzFile.Read(path);
            Assert.That(arrays.Keys, Is.EquivalentTo(new[] { "x", "y" }), "folder entries are skipped");
            Assert.That(arrays["x"].Shape, Is.EqualTo(new[] { 2, 2 }));
            Assert.That(arrays["x"].Data, Is.EqualTo(new double[] { 1, -2, 30, 400 }));
            Assert.That(arrays["x"].DType, Is.EqualTo("<i4"));
            Assert.That(arrays["y"].Data, Is.EqualTo(new[] { 0.5, -1.25, 1e300 }));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
