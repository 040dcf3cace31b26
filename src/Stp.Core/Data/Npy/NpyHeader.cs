using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Stp.Data.Npy;

/// <summary>
/// The header of one <c>.npy</c> array (format versions 1, 2 and 3): dtype, shape and where the data starts. Every
/// count and offset is a <see cref="long"/> and computed with overflow checks, so arrays of more than 2^31 bytes
/// (EDM's 13 GB <c>geom_drugs_30.npy</c>) are described exactly.
/// </summary>
internal sealed partial class NpyHeader
{
    /// <summary>Largest header accepted, in bytes (NumPy itself writes a few hundred).</summary>
    public const int MaxHeaderLength = 1 << 20;

    /// <summary>Creates a header; <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="DataFileException">A negative dimension, or a size that does not fit 64 bits.</exception>
    internal NpyHeader(int version, NpyDType dtype, long[] shape, long dataOffset, string source)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Version = version; DType = dtype; Shape = shape; DataOffset = dataOffset; Source = source;
        if (shape.Any(d => d < 0)) throw new DataFileException(source, $"negative dimension in shape {ShapeText}");
        try
        {
            Count = shape.Aggregate(1L, (a, d) => checked(a * d));
            DataLength = checked(Count * dtype.ItemSize);
            DataEnd = checked(dataOffset + DataLength);
        }
        catch (OverflowException)
        {
            throw new DataFileException(source, $"shape {ShapeText} of '{dtype}' needs more than 2^63 bytes");
        }
    }

    /// <summary>Format version (major): 1, 2 or 3.</summary>
    public int Version { get; }
    /// <summary>Element type.</summary>
    public NpyDType DType { get; }
    /// <summary>Shape in C order (empty for a scalar).</summary>
    public long[] Shape { get; }
    /// <summary>Byte offset of the first element from the start of the file.</summary>
    public long DataOffset { get; }
    /// <summary>Name of the file, used in error messages.</summary>
    public string Source { get; }
    /// <summary>Number of elements (product of the shape; 1 for a scalar).</summary>
    public long Count { get; }
    /// <summary>Bytes of data: <see cref="Count"/> x item size.</summary>
    public long DataLength { get; }
    /// <summary>Byte offset just past the last element: the file's expected length.</summary>
    public long DataEnd { get; }

    /// <summary>The shape as NumPy prints it: <c>()</c>, <c>(3,)</c>, <c>(2, 5)</c>.</summary>
    public string ShapeText => FormatShape(Shape);

    /// <summary>Byte offset (from the start of the file) of element <paramref name="index"/> in C order; index may equal <see cref="Count"/>.</summary>
    public long OffsetOf(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, Count);
        return DataOffset + index * DType.ItemSize;
    }

    /// <summary>The shape as NumPy prints it.</summary>
    public static string FormatShape(IReadOnlyList<long> shape) =>
        shape.Count == 1 ? string.Create(CultureInfo.InvariantCulture, $"({shape[0]},)") : "(" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";

    /// <summary>True when <paramref name="head"/> starts with the <c>\x93NUMPY</c> magic string.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> head) => head.Length >= 6 && head[0] == 0x93 && head[1..6].SequenceEqual("NUMPY"u8);

    /// <summary>Reads the magic string, version and header from the current position of <paramref name="stream"/>.</summary>
    /// <exception cref="DataFileException">Bad magic, unknown version, truncated or unparsable header, Fortran order, unsupported dtype.</exception>
    public static NpyHeader Read(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> pre = stackalloc byte[12];
        int got = stream.ReadAtLeast(pre[..8], 8, throwOnEndOfStream: false);
        if (got < 8 || !HasMagic(pre))
            throw new DataFileException(source, $"not a .npy file (bad magic: expected the bytes \\x93NUMPY at the start)");
        int version = pre[6];
        if (version is < 1 or > 3) throw new DataFileException(source, $"unsupported .npy format version {version}.{pre[7]} (1, 2 and 3 are supported)");
        int lengthBytes = version == 1 ? 2 : 4;
        Fill(stream, pre.Slice(8, lengthBytes), source, "header length");
        long headerLength = version == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(pre[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(pre[8..]);
        if (headerLength > MaxHeaderLength) throw new DataFileException(source, $"implausible .npy header length {headerLength} bytes");
        var bytes = new byte[headerLength];
        Fill(stream, bytes, source, "header");
        var text = (version == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes);
        return Parse(text, version, 8 + lengthBytes + headerLength, source);
    }

    /// <summary>Parses the header dictionary, e.g. <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 5), }</c>.</summary>
    internal static NpyHeader Parse(string text, int version, long dataOffset, string source)
    {
        var descr = DescrRegex().Match(text);
        var fortran = FortranRegex().Match(text);
        var shape = ShapeRegex().Match(text);
        if (!text.TrimStart().StartsWith('{') || !descr.Success || !fortran.Success || !shape.Success)
            throw new DataFileException(source, $"cannot parse the .npy header '{XyzFile.Trunc(text.Trim())}' (expected 'descr', 'fortran_order' and 'shape')");
        if (fortran.Groups[1].Value == "True")
            throw new DataFileException(source, $"Fortran-order arrays are not supported (re-save with np.ascontiguousarray)");
        var dtype = NpyDType.Parse(descr.Groups[1].Value, source);
        var dims = new List<long>();
        foreach (var part in shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!long.TryParse(part.TrimEnd('L'), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long d))
                throw new DataFileException(source, $"bad dimension '{part}' in the .npy shape ({shape.Groups[1].Value})");
            dims.Add(d);
        }
        return new NpyHeader(version, dtype, dims.ToArray(), dataOffset, source);
    }

    private static void Fill(Stream stream, Span<byte> buffer, string source, string what)
    {
        if (stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) < buffer.Length)
            throw new DataFileException(source, $"file ends inside the .npy {what} (truncated)");
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrRegex();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranRegex();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
