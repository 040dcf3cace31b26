using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Training;

/// <summary>A small, explicit binary format for named float32 tensors (state dicts, EMA weights).</summary>
public static class TensorStore
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

    /// <summary>
    /// Copies <paramref name="values"/> into the parameters and buffers of <paramref name="module"/>; throws naming the
    /// first missing, unexpected or mis-shaped entry.
    /// </summary>
    public static void LoadInto(nn.Module module, IReadOnlyDictionary<string, Tensor> values, string source)
    {
        var own = module.state_dict();
        var missing = own.Keys.Where(k => !values.ContainsKey(k)).ToList();
        var unexpected = values.Keys.Where(k => !own.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidDataException($"{source} does not match the model: missing [{string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", ..." : "")}], unexpected [{string.Join(", ", unexpected.Take(5))}{(unexpected.Count > 5 ? ", ..." : "")}].");
        using var noGrad = no_grad();
        foreach (var (name, target) in own)
        {
            var v = values[name];
            if (!v.shape.SequenceEqual(target.shape))
                throw new InvalidDataException($"{source}: '{name}' has shape [{string.Join(", ", v.shape)}], the model expects [{string.Join(", ", target.shape)}].");
            target.copy_(v);
        }
    }
}
