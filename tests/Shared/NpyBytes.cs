using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace Stp.Testing;

/// <summary>Builds NumPy <c>.npy</c>/<c>.npz</c> bytes by hand (the layout <c>np.save</c> writes), for reader tests.</summary>
internal static class NpyBytes
{
    /// <summary>Magic, version, header length and header dict (space-padded to a multiple of 64, ending in '\n').</summary>
    public static byte[] Header(string descr, string shape, int version = 1, bool fortran = false)
    {
        var dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shape}, }}";
        int prefix = version == 1 ? 10 : 12;
        dict += new string(' ', (64 - (prefix + dict.Length + 1) % 64) % 64) + "\n";
        var text = (version == 3 ? Encoding.UTF8 : Encoding.Latin1).GetBytes(dict);
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.AddRange([(byte)version, 0]);
        bytes.AddRange(version == 1 ? BitConverter.GetBytes((ushort)text.Length) : BitConverter.GetBytes((uint)text.Length));
        bytes.AddRange(text);
        return bytes.ToArray();
    }

    /// <summary>A whole .npy file: header, then <paramref name="data"/> as given.</summary>
    public static byte[] Raw(string descr, string shape, byte[] data, int version = 1, bool fortran = false) =>
        [.. Header(descr, shape, version, fortran), .. data];

    /// <summary>A whole .npy file holding <paramref name="values"/> (little-endian, as in memory).</summary>
    public static byte[] Of<T>(string descr, string shape, T[] values, int version = 1) where T : unmanaged =>
        Raw(descr, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), version);

    /// <summary>Writes an .npz archive: one "<c>name</c>.npy" entry per array.</summary>
    public static void WriteNpz(string path, bool compressed, params (string Name, byte[] Npy)[] arrays)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, npy) in arrays)
        {
            var entry = zip.CreateEntry(name + ".npy", compressed ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
            using var s = entry.Open();
            s.Write(npy);
        }
    }
}
