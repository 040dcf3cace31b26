using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Stp.Data.Npy;

/// <summary>
/// Reads NumPy <c>.npy</c> arrays and <c>.npz</c> archives (little-endian bool/int/uint/float, C order), for
/// EDM-format data and checkpoints and for reference fixtures.
/// </summary>
public static partial class NpzFile
{
    /// <summary>Reads every array of an <c>.npz</c> archive, keyed by name.</summary>
    public static Dictionary<string, NpyArray> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"npz file not found: {path}", path);
        using var zip = ZipFile.OpenRead(path);
        var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            var name = entry.FullName.EndsWith(".npy", StringComparison.Ordinal) ? entry.FullName[..^4] : entry.FullName;
            using var s = entry.Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            result[name] = ReadNpy(ms.ToArray(), name, $"{path}:{entry.FullName}");
        }
        return result;
    }

    /// <summary>Reads one <c>.npy</c> file.</summary>
    public static NpyArray ReadNpy(string path) =>
        ReadNpy(File.ReadAllBytes(path), Path.GetFileNameWithoutExtension(path), path);

    /// <summary>Parses the bytes of one <c>.npy</c> array; <paramref name="source"/> names it in errors.</summary>
    public static NpyArray ReadNpy(byte[] b, string name, string source)
    {
        if (b.Length < 10 || b[0] != 0x93 || Encoding.ASCII.GetString(b, 1, 5) != "NUMPY")
            throw new FormatException($"{source}: not a .npy array (bad magic).");
        int major = b[6];
        int headerLen, offset;
        if (major == 1) { headerLen = BitConverter.ToUInt16(b, 8); offset = 10; }
        else { headerLen = (int)BitConverter.ToUInt32(b, 8); offset = 12; }
        var header = Encoding.ASCII.GetString(b, offset, headerLen);
        var descr = DescrRegex().Match(header).Groups[1].Value;
        if (FortranRegex().IsMatch(header)) throw new FormatException($"{source}: Fortran-ordered arrays are not supported.");
        var shapeText = ShapeRegex().Match(header).Groups[1].Value;
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        long count = shape.Aggregate(1L, (a, d) => a * d);
        int data = offset + headerLen;
        if (descr.Length < 3 || descr[0] == '>') throw new FormatException($"{source}: unsupported dtype '{descr}' (little-endian only).");
        char kind = descr[1];
        int size = int.Parse(descr[2..], CultureInfo.InvariantCulture);
        if (data + count * size > b.Length) throw new FormatException($"{source}: file is shorter than its header says ({count} x {size} bytes).");
        var values = new double[count];
        for (long i = 0; i < count; i++)
        {
            int p = (int)(data + i * size);
            values[i] = (kind, size) switch
            {
                ('f', 4) => BitConverter.ToSingle(b, p),
                ('f', 8) => BitConverter.ToDouble(b, p),
                ('i', 1) => (sbyte)b[p],
                ('i', 2) => BitConverter.ToInt16(b, p),
                ('i', 4) => BitConverter.ToInt32(b, p),
                ('i', 8) => BitConverter.ToInt64(b, p),
                ('u', 1) or ('b', 1) => b[p],
                ('u', 2) => BitConverter.ToUInt16(b, p),
                ('u', 4) => BitConverter.ToUInt32(b, p),
                ('u', 8) => BitConverter.ToUInt64(b, p),
                _ => throw new FormatException($"{source}: unsupported dtype '{descr}'."),
            };
        }
        return new NpyArray(name, shape, values, descr);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")] private static partial Regex DescrRegex();
    [GeneratedRegex(@"'fortran_order'\s*:\s*True")] private static partial Regex FortranRegex();
    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")] private static partial Regex ShapeRegex();
}
