using System.IO.Compression;
using Stp.Data.Npy;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.IO;

/// <summary>
/// Reads NumPy <c>.npy</c> arrays and <c>.npz</c> archives (zip of .npy, stored or deflated) into CPU tensors.
/// Supported: little-endian float32/float64/int64/int32/int16/int8/uint8/bool, C order, format versions 1-3.
/// </summary>
public static class NpyFile
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
            foreach (var (key, entry, bytes) in NpzFile.Entries(zip))
                result[key] = Parse(bytes, $"{name}:{entry}");
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

    private static Tensor Parse(byte[] bytes, string name)
    {
        var header = NpyHeader.Parse(bytes, name);
        var shape = header.Shape;
        long count = header.Count;
        var (type, size) = header.DType switch
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
        int dataStart = header.DataOffset;
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
}
