using System.Globalization;
using System.IO.Compression;

namespace Stp.Data.Npy;

/// <summary>
/// Reads NumPy <c>.npy</c> arrays and <c>.npz</c> archives (little-endian bool/int/uint/float, C order), for
/// EDM-format data and checkpoints and for reference fixtures.
/// </summary>
public static class NpzFile
{
    /// <summary>Reads every array of an <c>.npz</c> archive, keyed by name.</summary>
    public static Dictionary<string, NpyArray> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"npz file not found: {path}", path);
        using var zip = ZipFile.OpenRead(path);
        var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        foreach (var (name, entry, bytes) in Entries(zip))
            result[name] = ReadNpy(bytes, name, $"{path}:{entry}");
        return result;
    }

    /// <summary>
    /// The arrays of an open <c>.npz</c> archive as raw <c>.npy</c> bytes, in archive order: the array name (the entry
    /// name without ".npy"), the entry name (for messages) and the bytes. Folder entries are skipped.
    /// </summary>
    public static IEnumerable<(string Name, string EntryName, byte[] Bytes)> Entries(ZipArchive archive)
    {
        ArgumentNullException.ThrowIfNull(archive);
        foreach (var entry in archive.Entries)
        {
            if (entry.FullName.EndsWith('/')) continue;
            var name = entry.FullName.EndsWith(".npy", StringComparison.Ordinal) ? entry.FullName[..^4] : entry.FullName;
            using var s = entry.Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            yield return (name, entry.FullName, ms.ToArray());
        }
    }

    /// <summary>Reads one <c>.npy</c> file.</summary>
    public static NpyArray ReadNpy(string path) =>
        ReadNpy(File.ReadAllBytes(path), Path.GetFileNameWithoutExtension(path), path);

    /// <summary>Parses the bytes of one <c>.npy</c> array; <paramref name="source"/> names it in errors.</summary>
    public static NpyArray ReadNpy(byte[] b, string name, string source)
    {
        var header = NpyHeader.Parse(b, source);
        var descr = header.DType;
        var shape = header.Shape.Select(d => checked((int)d)).ToArray();
        long count = header.Count;
        int data = header.DataOffset;
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
}
