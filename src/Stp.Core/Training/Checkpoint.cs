using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace Stp.Training;

/// <summary>
/// A training checkpoint as read from disk: metadata, model weights, EMA weights and the optimizer state.
/// Use <see cref="LoadEmaInto"/> to put the EMA weights (the ones EDM samples with) into a freshly built denoiser.
/// </summary>
public sealed class Checkpoint : IDisposable
{
    private Checkpoint(IReadOnlyDictionary<string, string> metadata, Dictionary<string, Tensor> weights, Dictionary<string, Tensor> ema, byte[] optimizerState)
    {
        Metadata = metadata; Weights = weights; EmaWeights = ema; OptimizerState = optimizerState;
    }

    /// <summary>Metadata written with the checkpoint (step, seed, and whatever the caller stored: backbone, prior, ...).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Raw model weights.</summary>
    public IReadOnlyDictionary<string, Tensor> Weights { get; }

    /// <summary>EMA weights (equal to the raw weights when the EMA was off).</summary>
    public IReadOnlyDictionary<string, Tensor> EmaWeights { get; }

    /// <summary>Serialised optimizer state.</summary>
    public byte[] OptimizerState { get; }

    /// <summary>Reads a checkpoint; a file that is not one, or is truncated, gives an error naming the file.</summary>
    public static Checkpoint Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint not found: {path}", path);
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (r.ReadString() != "STPCKPT1") throw new InvalidDataException($"{path} is not an Stp checkpoint.");
            var meta = JsonSerializer.Deserialize<Dictionary<string, string>>(r.ReadString())
                       ?? throw new InvalidDataException($"{path}: empty metadata.");
            var weights = TensorStore.Read(r, path);
            var ema = TensorStore.Read(r, path);
            if (ema.Count == 0) ema = weights; // inference-only file: the stored weights are the EMA weights
            int n = r.ReadInt32();
            var opt = r.ReadBytes(n);
            if (opt.Length != n) throw new InvalidDataException($"{path}: truncated optimizer state.");
            return new Checkpoint(meta, weights, ema, opt);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path} is truncated.", e);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: corrupt metadata ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Writes an inference-only checkpoint (the module's current weights as both raw and EMA weights, no optimizer
    /// state) atomically: a small file to ship or share. It cannot resume training.
    /// </summary>
    public static void WriteInference(string path, IReadOnlyDictionary<string, string> metadata, nn.Module module)
    {
        var weights = module.state_dict();
        var meta = new Dictionary<string, string>(metadata) { ["inference_only"] = "true" };
        Data.AtomicFile.Write(path, s =>
        {
            using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
            w.Write("STPCKPT1");
            w.Write(JsonSerializer.Serialize(meta));
            TensorStore.Write(w, weights);
            TensorStore.Write(w, new Dictionary<string, Tensor>());
            w.Write(0);
        });
    }

    /// <summary>Copies the EMA weights into <paramref name="module"/> (throws naming any mismatched parameter).</summary>
    public void LoadEmaInto(nn.Module module, string source = "checkpoint") => TensorStore.LoadInto(module, EmaWeights, source);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in Weights.Values) t.Dispose();
        if (!ReferenceEquals(EmaWeights, Weights)) foreach (var t in EmaWeights.Values) t.Dispose();
    }
}
