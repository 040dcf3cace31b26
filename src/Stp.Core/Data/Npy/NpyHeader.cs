using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Stp.Data.Npy;

/// <summary>
/// The header of a NumPy <c>.npy</c> array (format versions 1 to 3): its dtype descriptor, its shape and where its
/// data start. Shared by every <c>.npy</c> reader (<see cref="NpzFile"/> widens the values to double, the EDM backbone
/// reads them into tensors).
/// </summary>
/// <param name="DType">NumPy dtype descriptor, e.g. "&lt;f4" or "|b1".</param>
/// <param name="Shape">Shape in C order (empty for a scalar).</param>
/// <param name="DataOffset">Byte offset of the first value.</param>
public sealed partial record NpyHeader(string DType, long[] Shape, int DataOffset)
{
    /// <summary>Number of elements (the product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long Count => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>True when the bytes start with the <c>.npy</c> magic string (\x93NUMPY).</summary>
    public static bool HasMagic(ReadOnlySpan<byte> head) =>
        head.Length >= 6 && head[0] == 0x93 && head[1] == (byte)'N' && head[2] == (byte)'U' && head[3] == (byte)'M' && head[4] == (byte)'P' && head[5] == (byte)'Y';

    /// <summary>Parses the header at the start of a <c>.npy</c> array.</summary>
    /// <param name="bytes">The array's bytes (at least the whole header).</param>
    /// <param name="source">Names the array in error messages (a path, or archive:entry).</param>
    /// <exception cref="FormatException">Bad magic, an unknown format version, a truncated or unreadable header, or a
    /// Fortran-ordered array; the message starts with <paramref name="source"/>.</exception>
    public static NpyHeader Parse(ReadOnlySpan<byte> bytes, string source)
    {
        if (!HasMagic(bytes) || bytes.Length < 10) throw new FormatException($"{source}: not a .npy array (bad magic).");
        int major = bytes[6];
        if (major is not (1 or 2 or 3)) throw new FormatException($"{source}: unsupported .npy format version {major}.");
        int headerStart = major == 1 ? 10 : 12;
        if (bytes.Length < headerStart) throw new FormatException($"{source}: truncated .npy header.");
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (headerStart + headerLength > bytes.Length) throw new FormatException($"{source}: truncated .npy header.");
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes.Slice(headerStart, (int)headerLength));

        var descr = DescrRegex().Match(header);
        var fortran = FortranRegex().Match(header);
        var shape = ShapeRegex().Match(header);
        if (!descr.Success || !fortran.Success || !shape.Success) throw new FormatException($"{source}: cannot parse .npy header '{header.Trim()}'.");
        if (fortran.Groups[1].Value == "True") throw new FormatException($"{source}: Fortran-order arrays are not supported.");
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long d) ? d
                : throw new FormatException($"{source}: bad dimension '{s}' in the .npy shape.")).ToArray();
        return new NpyHeader(descr.Groups[1].Value, dims, headerStart + (int)headerLength);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrRegex();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranRegex();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
