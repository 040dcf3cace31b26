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

    /// <summary>Reads tensors written by <see cref="Write"/> onto the CPU.</summary>
    public static Dictionary<string, Tensor> Read(BinaryReader r, string source)
    {
        int count = r.ReadInt32();
        if (count < 0 || count > 1_000_000) throw new InvalidDataException($"{source}: corrupt tensor table (count {count}).");
        var result = new Dictionary<string, Tensor>();
        for (int i = 0; i < count; i++)
        {
            string name = r.ReadString();
            int rank = r.ReadInt32();
            var shape = new long[rank];
            for (int d = 0; d < rank; d++) shape[d] = r.ReadInt64();
            int n = r.ReadInt32();
            var bytes = r.ReadBytes(n);
            if (bytes.Length != n || n != 4 * shape.Aggregate(1L, (a, b) => a * b)) throw new InvalidDataException($"{source}: tensor '{name}' is truncated or has a wrong size.");
            var data = new float[n / 4];
            Buffer.BlockCopy(bytes, 0, data, 0, n);
            result[name] = tensor(data, shape);
        }
        return result;
    }
}
