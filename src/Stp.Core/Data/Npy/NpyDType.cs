using System.Globalization;

namespace Stp.Data.Npy;

/// <summary>
/// A NumPy scalar dtype as an <c>.npy</c> header stores it: the kind (<c>b</c> bool, <c>i</c> signed int, <c>u</c>
/// unsigned int, <c>f</c> float) and the item size in bytes, little-endian.
/// </summary>
/// <param name="Kind">NumPy kind character: 'b', 'i', 'u' or 'f'.</param>
/// <param name="ItemSize">Bytes per element (bool 1; int/uint 1, 2, 4, 8; float 2, 4, 8).</param>
internal readonly record struct NpyDType(char Kind, int ItemSize)
{
    /// <summary>The descriptor NumPy writes for this dtype, e.g. <c>&lt;f4</c> or <c>|u1</c>.</summary>
    public string Descr => string.Create(CultureInfo.InvariantCulture, $"{(ItemSize == 1 ? '|' : '<')}{Kind}{ItemSize}");

    /// <summary>The .NET element type the values are read into (bool, sbyte..long, byte..ulong, Half, float, double).</summary>
    public Type ClrType => (Kind, ItemSize) switch
    {
        ('b', 1) => typeof(bool),
        ('i', 1) => typeof(sbyte),
        ('i', 2) => typeof(short),
        ('i', 4) => typeof(int),
        ('i', 8) => typeof(long),
        ('u', 1) => typeof(byte),
        ('u', 2) => typeof(ushort),
        ('u', 4) => typeof(uint),
        ('u', 8) => typeof(ulong),
        ('f', 2) => typeof(Half),
        ('f', 4) => typeof(float),
        ('f', 8) => typeof(double),
        _ => throw new InvalidOperationException($"Unsupported dtype kind '{Kind}' with {ItemSize} bytes."),
    };

    /// <inheritdoc/>
    public override string ToString() => Descr;

    /// <summary>
    /// Parses a header's <c>descr</c> (e.g. <c>&lt;f8</c>, <c>|b1</c>, <c>=i4</c>); <paramref name="source"/> names the
    /// file in errors.
    /// </summary>
    /// <exception cref="DataFileException">Big-endian, or not a supported bool/int/uint/float dtype.</exception>
    public static NpyDType Parse(string descr, string source)
    {
        ArgumentNullException.ThrowIfNull(descr);
        if (descr.Length < 3 || "<>|=".IndexOf(descr[0]) < 0
            || !int.TryParse(descr.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int size))
            throw Unsupported(descr, source);
        var dtype = new NpyDType(descr[1], size);
        bool known = (dtype.Kind, size) is ('b', 1) or ('i' or 'u', 1 or 2 or 4 or 8) or ('f', 2 or 4 or 8);
        if (!known) throw Unsupported(descr, source);
        if (descr[0] == '>' && size > 1)
            throw new DataFileException(source, $"big-endian dtype '{descr}' is not supported (re-save it little-endian, e.g. with arr.astype('<{dtype.Kind}{size}'))");
        return dtype;
    }

    private static DataFileException Unsupported(string descr, string source) =>
        new DataFileException(source, $"unsupported dtype '{descr}' (supported: little-endian bool, int8..int64, uint8..uint64, float16/32/64)");
}
