using Stp.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Models;

/// <summary>The named-float32-tensor format of the first release's <c>.stp</c> files (read for compatibility; tests write it).</summary>
internal static class TensorStore
{
    /// <summary>Writes name, shape and float32 data of every tensor.</summary>
    public static void Write(BinaryWriter w, IReadOnlyDictionary<string, Tensor> tensors)
    {
        w.Write(tensors.Count);
        foreach (var (name, t) in tensors)
        {
            w.Write(name);
            w.Write(t.shape.Length);
            foreach (var d in t.shape) w.Write(d);
            using var cpu = t.detach().to(ScalarType.Float32).cpu().contiguous();
            var data = cpu.data<float>().ToArray();
            var bytes = new byte[data.Length * 4];
            Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
            w.Write(bytes.Length);
            w.Write(bytes);
        }
    }

    /// <summary>Most dimensions accepted for one tensor.</summary>
    private const int MaxRank = 16;

    /// <summary>
    /// Reads tensors written by <see cref="Write"/> onto the CPU. Every count, rank, dimension and byte count is checked
    /// against what is left of the stream before anything is allocated for it.
    /// </summary>
    /// <exception cref="DataFileException">A value that does not fit; the message names <paramref name="source"/> and the tensor.</exception>
    public static Dictionary<string, Tensor> Read(BinaryReader r, string source)
    {
        var stream = r.BaseStream;
        long Left() => stream.Length - stream.Position;
        int count = r.ReadInt32();
        // Each tensor takes at least 1 (name) + 4 (rank) + 4 (byte count) bytes.
        if (count < 0 || count > Left() / 9) throw new DataFileException(source, $"corrupt tensor table (count {count} in {Left():N0} remaining bytes)");
        var result = new Dictionary<string, Tensor>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                string name = r.ReadString();
                var where = $"tensor '{XyzFile.Trunc(name)}'";
                if (result.ContainsKey(name)) throw new DataFileException(source, "appears twice", where);
                int rank = r.ReadInt32();
                if (rank < 0 || rank > MaxRank) throw new DataFileException(source, $"implausible rank {rank} (0..{MaxRank})", where);
                var shape = new long[rank];
                for (int d = 0; d < rank; d++)
                    if ((shape[d] = r.ReadInt64()) < 0) throw new DataFileException(source, $"negative dimension {shape[d]}", where);
                int n = r.ReadInt32();
                if (n < 0 || n > Left()) throw new DataFileException(source, $"{n} data bytes, but only {Left():N0} are left in the file (truncated or corrupt)", where);
                long expected;
                try { expected = checked(4 * shape.Aggregate(1L, (a, b) => checked(a * b))); }
                catch (OverflowException) { expected = -1; }
                if (expected != n) throw new DataFileException(source, $"{n} data bytes do not fit shape [{string.Join(", ", shape)}] of float32", where);
                var bytes = r.ReadBytes(n);
                var data = new float[n / 4];
                Buffer.BlockCopy(bytes, 0, data, 0, n);
                if (!data.All(float.IsFinite)) throw new DataFileException(source, "holds NaN or infinite values", where);
                result[name] = tensor(data, shape);
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }
}
