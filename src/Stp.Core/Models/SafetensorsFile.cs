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
        JsonObject? digests = null;
        if (metadata.TryGetValue(DigestKey, out var digestJson))
        {
            try { digests = JsonNode.Parse(digestJson)?.AsObject(); }
            catch (JsonException e) { throw new InvalidDataException($"{path}: corrupt digest table ({e.Message}).", e); }
        }
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, dtype, shape, begin, end) in entries)
            {
                if (include is not null && !include(name)) continue;
                fs.Position = dataStart + begin;
                var bytes = new byte[end - begin];
                fs.ReadExactly(bytes);
                if (digests is not null && digests[name]?.GetValue<string>() is { } expected && expected != Digest(bytes))
                    throw new InvalidDataException($"{path}: tensor '{name}' is corrupt (its checksum does not match).");
                if (dtype is "F32" or "F64" && !(dtype == "F32" ? AllFinite(bytes) : AllFinite64(bytes)))
                    throw new InvalidDataException($"{path}: tensor '{name}' holds NaN or infinite values.");
                tensors[name] = FromBytes(bytes, dtype, shape);
            }
        }
        catch (InvalidDataException)
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        catch (EndOfStreamException e)
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw new InvalidDataException($"{path} is truncated (tensor data ends early).", e);
        }
        return (metadata, tensors);
    }

    public static Dictionary<string, string> ReadMetadata(string path)
    {
        using var fs = File.OpenRead(path);
        return ReadHeader(fs, path).Metadata;
    }

    /// <summary>Whether the first bytes look like a safetensors header.</summary>
    public static bool Looks(string path)
    {
        using var fs = File.OpenRead(path);
        var head = new byte[9];
        if (fs.Read(head) < 9) return false;
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(head);
        return n >= 2 && n <= MaxHeader && head[8] == (byte)'{';
    }

    private static (Dictionary<string, string> Metadata, List<(string, string, long[], long, long)> Entries, long DataStart) ReadHeader(Stream fs, string path)
    {
        Span<byte> len = stackalloc byte[8];
        if (fs.ReadAtLeast(len, 8, throwOnEndOfStream: false) < 8) throw new InvalidDataException($"{path} is not a safetensors model file (too short).");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(len);
        if (n < 2 || n > MaxHeader) throw new InvalidDataException($"{path} is not a safetensors model file (header length {n}).");
        var json = new byte[n];
        if (fs.ReadAtLeast(json, (int)n, throwOnEndOfStream: false) < (int)n) throw new InvalidDataException($"{path} is truncated (header).");
        JsonObject header;
        try { header = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException($"{path}: empty safetensors header."); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: corrupt safetensors header ({e.Message}).", e); }
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<(string, string, long[], long, long)>();
        long dataStart = 8 + (long)n, dataLength = fs.Length - dataStart;
        foreach (var (key, node) in header)
        {
            if (key == "__metadata__")
            {
                foreach (var (mk, mv) in node?.AsObject() ?? new JsonObject()) metadata[mk] = mv?.GetValue<string>() ?? "";
                continue;
            }
            try
            {
                var o = node!.AsObject();
                string dtype = o["dtype"]!.GetValue<string>();
                var shape = o["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                var off = o["data_offsets"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                long count = shape.Aggregate(1L, (a, b) => a * b);
                if (off.Length != 2 || off[0] < 0 || off[1] < off[0] || off[1] > dataLength || off[1] - off[0] != count * ElementSize(dtype, path, key))
                    throw new InvalidDataException($"{path}: tensor '{key}' has offsets [{string.Join(", ", off)}] that do not fit its shape or the file ({dataLength} data bytes).");
                entries.Add((key, dtype, shape, off[0], off[1]));
            }
            catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException)
            {
                throw new InvalidDataException($"{path}: malformed header entry '{key}'.", e);
            }
        }
        return (metadata, entries, dataStart);
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

    private static int ElementSize(string dtype, string path, string key) => dtype switch
    {
        "F32" => 4, "F64" => 8, "I64" => 8, "U8" => 1,
        _ => throw new InvalidDataException($"{path}: tensor '{key}' has unsupported dtype {dtype}."),
    };

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
