using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.IO;

/// <summary>
/// Reads NumPy <c>.npy</c> arrays and <c>.npz</c> archives (zip of .npy, stored or deflated) into CPU tensors.
/// Supported: little-endian float32/float64/int64/int32/int16/int8/uint8/bool, C order, format versions 1-3.
/// </summary>
public static partial class NpyFile
{
    /// <summary>Reads every array of an <c>.npz</c> archive; keys are the entry names without ".npy".</summary>
    /// <exception cref="FormatException">The archive or one of its arrays is malformed or of an unsupported type (the message names it).</exception>
    public static Dictionary<string, Tensor> ReadNpz(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        return ReadNpz(stream, path);
    }

    /// <summary>Reads every array of an <c>.npz</c> archive from a stream; <paramref name="name"/> is used in error messages.</summary>
    public static Dictionary<string, Tensor> ReadNpz(Stream stream, string name = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            foreach (var entry in zip.Entries)
            {
                if (entry.FullName.EndsWith('/')) continue;
                var key = entry.FullName.EndsWith(".npy", StringComparison.Ordinal) ? entry.FullName[..^4] : entry.FullName;
                using var s = entry.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                result[key] = Parse(ms.ToArray(), $"{name}:{entry.FullName}");
            }
        }
        catch (InvalidDataException e)
        {
            foreach (var t in result.Values) t.Dispose();
            throw new FormatException($"{name} is not a valid .npz (zip) archive: {e.Message}", e);
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>Reads one <c>.npy</c> array.</summary>
    /// <exception cref="FormatException">The file is malformed or of an unsupported type.</exception>
    public static Tensor ReadNpy(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>True when the bytes start with the .npy magic string.</summary>
    internal static bool HasNpyMagic(ReadOnlySpan<byte> head) =>
        head.Length >= 6 && head[0] == 0x93 && head[1] == (byte)'N' && head[2] == (byte)'U' && head[3] == (byte)'M' && head[4] == (byte)'P' && head[5] == (byte)'Y';

    private static Tensor Parse(byte[] bytes, string name)
    {
        if (!HasNpyMagic(bytes)) throw new FormatException($"{name}: not a .npy array (bad magic).");
        int major = bytes[6];
        int headerLength, headerStart;
        if (major == 1) { headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); headerStart = 10; }
        else if (major is 2 or 3) { headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8))); headerStart = 12; }
        else throw new FormatException($"{name}: unsupported .npy format version {major}.");
        if (headerStart + headerLength > bytes.Length) throw new FormatException($"{name}: truncated .npy header.");
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes, headerStart, headerLength);

        var descr = DescrRegex().Match(header);
        var fortran = FortranRegex().Match(header);
        var shapeMatch = ShapeRegex().Match(header);
        if (!descr.Success || !fortran.Success || !shapeMatch.Success) throw new FormatException($"{name}: cannot parse .npy header '{header.Trim()}'.");
        if (fortran.Groups[1].Value == "True") throw new FormatException($"{name}: Fortran-order arrays are not supported.");
        var shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);

        var (type, size) = descr.Groups[1].Value switch
        {
            "<f4" => (ScalarType.Float32, 4),
            "<f8" => (ScalarType.Float64, 8),
            "<i8" => (ScalarType.Int64, 8),
            "<i4" => (ScalarType.Int32, 4),
            "<i2" => (ScalarType.Int16, 2),
            "|i1" => (ScalarType.Int8, 1),
            "|u1" => (ScalarType.Byte, 1),
            "|b1" => (ScalarType.Bool, 1),
            var d => throw new FormatException($"{name}: unsupported dtype '{d}' (expected little-endian float32/64, int8..64, uint8 or bool)."),
        };
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("NpyFile needs a little-endian machine.");
        int dataStart = headerStart + headerLength;
        if (bytes.LongLength - dataStart < count * size)
            throw new FormatException($"{name}: data holds {bytes.LongLength - dataStart} bytes, shape [{string.Join(", ", shape)}] needs {count * size}.");

        var data = bytes.AsSpan(dataStart, checked((int)(count * size)));
        return type switch
        {
            ScalarType.Float32 => torch.tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data).ToArray(), shape),
            ScalarType.Float64 => torch.tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(data).ToArray(), shape),
            ScalarType.Int64 => torch.tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(data).ToArray(), shape),
            ScalarType.Int32 => torch.tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(data).ToArray(), shape),
            ScalarType.Int16 => torch.tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(data).ToArray(), shape),
            ScalarType.Int8 => torch.tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(data).ToArray(), shape),
            ScalarType.Byte => torch.tensor(data.ToArray(), shape),
            _ => torch.tensor(data.ToArray().Select(b => b != 0).ToArray(), shape),
        };
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrRegex();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranRegex();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
