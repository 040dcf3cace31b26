using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stp.Data;
using static TorchSharp.torch;

namespace Stp.Models;

/// <summary>
/// The safetensors format (data only: an 8-byte little-endian header length, a JSON header with dtype, shape and byte
/// offsets of every tensor plus a string-to-string <c>__metadata__</c> map, then the raw little-endian bytes). Files
/// are written atomically. Supported dtypes: F32, F64 (read as F32), I64, U8.
/// </summary>
internal static class SafetensorsFile
{
    private const long MaxHeader = 100L * 1024 * 1024;

    /// <summary>Metadata key of the per-tensor SHA-256 digests (first 16 hex digits) that Read verifies.</summary>
    public const string DigestKey = "stp.sha256";

    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        var blobs = new List<byte[]>();
        var digests = new JsonObject();
        var entries = new List<(string Name, string DType, byte[] Bytes)>();
        foreach (var name in names)
        {
            var (dtype, bytes) = Bytes(tensors[name], name);
            if (dtype is "F32" && !AllFinite(bytes))
                throw new InvalidOperationException($"Refusing to write {path}: tensor '{name}' holds NaN or infinite values (the last good file is kept).");
            entries.Add((name, dtype, bytes));
            digests[name] = Digest(bytes);
        }
        var meta = metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        meta[DigestKey] = digests.ToJsonString();
        var header = new JsonObject { ["__metadata__"] = new JsonObject(meta.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))) };
        long offset = 0;
        foreach (var (name, dtype, bytes) in entries)
        {
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(tensors[name].shape.Select(d => (JsonNode?)JsonValue.Create(d)).ToArray()),
                ["data_offsets"] = new JsonArray(JsonValue.Create(offset), JsonValue.Create(offset + bytes.LongLength)),
            };
            offset += bytes.LongLength;
            blobs.Add(bytes);
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int pad = (8 - json.Length % 8) % 8;
        AtomicFile.Write(path, s =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)(json.Length + pad));
            s.Write(len);
            s.Write(json);
            for (int i = 0; i < pad; i++) s.WriteByte((byte)' ');
            foreach (var b in blobs) s.Write(b);
        });
    }

    public static (Dictionary<string, string> Metadata, Dictionary<string, Tensor> Tensors) Read(string path, Func<string, bool>? include = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file not found: {path}", path);
        using var fs = File.OpenRead(path);
        var (metadata, entries, dataStart) = ReadHeader(fs, path);
        var digests = metadata.TryGetValue(DigestKey, out var digestJson) ? ParseStringMap(digestJson, path, "digest table") : null;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, dtype, shape, begin, end) in entries)
            {
                if (include is not null && !include(name)) continue;
                fs.Position = dataStart + begin;
                var bytes = new byte[end - begin]; // within the file: ReadHeader checked every offset against its length
                fs.ReadExactly(bytes);
                if (digests is not null && digests.TryGetValue(name, out var expected) && expected != Digest(bytes))
                    throw new DataFileException(path, "corrupt (its checksum does not match)", $"tensor '{name}'");
                if (dtype is "F32" or "F64" && !(dtype == "F32" ? AllFinite(bytes) : AllFinite64(bytes)))
                    throw new DataFileException(path, "holds NaN or infinite values", $"tensor '{name}'");
                tensors[name] = FromBytes(bytes, dtype, shape);
            }
        }
        catch (Exception e)
        {
            foreach (var t in tensors.Values) t.Dispose();
            if (e is EndOfStreamException) throw new DataFileException(path, "truncated (tensor data ends early; was the file changed while it was read?)", inner: e);
            throw;
        }
        return (metadata, tensors);
    }

    public static Dictionary<string, string> ReadMetadata(string path)
    {
        using var fs = File.OpenRead(path);
        return ReadHeader(fs, path).Metadata;
    }

    /// <summary>The metadata and the shape of every tensor, from the header alone (no tensor data is read).</summary>
    public static (Dictionary<string, string> Metadata, Dictionary<string, long[]> Shapes) ReadHeader(string path)
    {
        using var fs = File.OpenRead(path);
        var (metadata, entries, _) = ReadHeader(fs, path);
        return (metadata, entries.ToDictionary(e => e.Name, e => e.Shape, StringComparer.Ordinal));
    }

    /// <summary>Whether the first bytes look like a safetensors header.</summary>
    public static bool Looks(string path)
    {
        using var fs = File.OpenRead(path);
        var head = new byte[9];
        if (fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) < 9) return false;
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(head);
        return n >= 2 && n <= MaxHeader && head[8] == (byte)'{';
    }

    /// <summary>Most dimensions accepted for one tensor (model files use at most 4).</summary>
    private const int MaxRank = 16;

    private static (Dictionary<string, string> Metadata, List<(string Name, string DType, long[] Shape, long Begin, long End)> Entries, long DataStart) ReadHeader(Stream fs, string path)
    {
        Span<byte> len = stackalloc byte[8];
        long fileLength = fs.Length;
        if (fs.ReadAtLeast(len, 8, throwOnEndOfStream: false) < 8) throw new DataFileException(path, $"not a safetensors model file (only {fileLength} bytes)");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(len);
        if (n < 2 || n > MaxHeader) throw new DataFileException(path, $"not a safetensors model file (header length {n})");
        if ((long)n > fileLength - 8) throw new DataFileException(path, $"truncated: the header needs {n:N0} bytes, the file holds {fileLength - 8:N0} after the length");
        var json = new byte[n];
        fs.ReadExactly(json);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<(string, string, long[], long, long)>();
        long dataStart = 8 + (long)n, dataLength = fileLength - dataStart;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new DataFileException(path, "corrupt safetensors header (not a JSON object)");
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    foreach (var (key, value) in StringMap(property.Value, path, "header metadata")) metadata[key] = value;
                    continue;
                }
                entries.Add(Entry(property.Name, property.Value, path, dataLength));
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a name or string that is not valid UTF-8.
            throw new DataFileException(path, "corrupt safetensors header (not valid JSON; truncated or damaged)", inner: e);
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in entries)
            if (!seen.Add(e.Item1)) throw new DataFileException(path, "appears twice in the header", $"tensor '{e.Item1}'");
        long previousEnd = 0;
        foreach (var e in entries.OrderBy(e => e.Item4))
        {
            if (e.Item4 < previousEnd) throw new DataFileException(path, "overlaps another tensor's data (damaged header)", $"tensor '{e.Item1}'");
            previousEnd = e.Item5;
        }
        return (metadata, entries, dataStart);
    }

    /// <summary>One tensor entry of the header: dtype, shape and offsets, checked against each other and the file.</summary>
    private static (string, string, long[], long, long) Entry(string name, JsonElement o, string path, long dataLength)
    {
        var where = $"tensor '{name}'";
        DataFileException Bad(string problem) => new(path, problem, where);
        if (o.ValueKind != JsonValueKind.Object) throw Bad("malformed header entry (not an object)");
        if (!o.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String) throw Bad("malformed header entry (no dtype)");
        string dtype = dt.GetString()!;
        long size = dtype switch { "F32" => 4, "F64" => 8, "I64" => 8, "U8" => 1, _ => throw Bad($"unsupported dtype '{XyzFile.Trunc(dtype)}'") };
        var shape = Integers(o, "shape", Bad);
        var off = Integers(o, "data_offsets", Bad);
        if (shape.Length > MaxRank) throw Bad($"implausible rank {shape.Length} (at most {MaxRank})");
        if (shape.Any(d => d < 0)) throw Bad($"negative dimension in shape [{string.Join(", ", shape)}]");
        long bytes;
        try { bytes = checked(shape.Aggregate(1L, (a, b) => checked(a * b)) * size); }
        catch (OverflowException) { throw Bad($"shape [{string.Join(", ", shape)}] needs more than 2^63 bytes"); }
        if (off.Length != 2 || off[0] < 0 || off[1] < off[0] || off[1] > dataLength || off[1] - off[0] != bytes)
            throw Bad($"offsets [{string.Join(", ", off)}] do not fit its shape [{string.Join(", ", shape)}] of {dtype} or the file ({dataLength:N0} data bytes; truncated?)");
        return (name, dtype, shape, off[0], off[1]);
    }

    private static long[] Integers(JsonElement o, string property, Func<string, DataFileException> bad)
    {
        if (!o.TryGetProperty(property, out var a) || a.ValueKind != JsonValueKind.Array) throw bad($"malformed header entry (no '{property}' array)");
        var result = new long[Math.Min(a.GetArrayLength(), MaxRank + 1)];
        int i = 0;
        foreach (var v in a.EnumerateArray())
        {
            if (i == result.Length) break;
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out result[i++])) throw bad($"malformed header entry ('{property}' holds a value that is not a 64-bit integer)");
        }
        return result;
    }

    /// <summary>A JSON object of strings (the header metadata).</summary>
    private static Dictionary<string, string> StringMap(JsonElement o, string path, string what)
    {
        if (o.ValueKind != JsonValueKind.Object) throw new DataFileException(path, $"corrupt {what} (not a JSON object)");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in o.EnumerateObject())
            map[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()!
                : throw new DataFileException(path, $"corrupt {what} (entry '{XyzFile.Trunc(p.Name)}' is not a string)");
        return map;
    }

    /// <summary>A JSON text holding an object of strings (the digest table, stored as one metadata value).</summary>
    private static Dictionary<string, string> ParseStringMap(string json, string path, string what)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return StringMap(doc.RootElement, path, what);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { throw new DataFileException(path, $"corrupt {what} (not valid JSON)", inner: e); }
    }

    private static string Digest(byte[] bytes) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes), 0, 8);

    private static bool AllFinite(byte[] bytes)
    {
        foreach (var v in System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes)) if (!float.IsFinite(v)) return false;
        return true;
    }

    private static bool AllFinite64(byte[] bytes)
    {
        foreach (var v in System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(bytes)) if (!double.IsFinite(v)) return false;
        return true;
    }

    private static (string, byte[]) Bytes(Tensor t, string name)
    {
        using var cpu = t.detach().cpu().contiguous();
        switch (cpu.dtype)
        {
            case ScalarType.Float32:
                return ("F32", MemoryMarshalBytes(cpu.data<float>().ToArray()));
            case ScalarType.Float64:
                using (var f = cpu.to_type(ScalarType.Float32)) return ("F32", MemoryMarshalBytes(f.data<float>().ToArray()));
            case ScalarType.Int64:
                return ("I64", MemoryMarshalBytes(cpu.data<long>().ToArray()));
            case ScalarType.Byte:
                return ("U8", cpu.data<byte>().ToArray());
            default:
                throw new NotSupportedException($"Tensor '{name}' has dtype {cpu.dtype}; model files store float32, int64 and uint8.");
        }
    }

    private static byte[] MemoryMarshalBytes<T>(T[] data) where T : unmanaged
    {
        var bytes = new byte[System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).Length];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).CopyTo(bytes);
        return bytes;
    }

    private static Tensor FromBytes(byte[] bytes, string dtype, long[] shape)
    {
        switch (dtype)
        {
            case "F32":
                return tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray(), shape);
            case "F64":
                return tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(bytes).ToArray().Select(v => (float)v).ToArray(), shape);
            case "I64":
                return tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(bytes).ToArray(), shape);
            default:
                return tensor(bytes, shape);
        }
    }
}
