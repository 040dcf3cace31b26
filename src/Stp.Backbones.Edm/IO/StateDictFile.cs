using System.Collections;
using System.IO.Compression;
using Stp.Data.Npy;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.IO;

/// <summary>
/// Reads PyTorch state dicts from disk: <c>torch.save</c> zip files (<c>.pt</c>, <c>.pth</c>, and EDM's
/// <c>generative_model.npy</c> / <c>generative_model_ema.npy</c>, which are torch.save files despite the name),
/// and NumPy <c>.npz</c> archives of named arrays. The format is recognised from the content, not the extension.
/// </summary>
public static class StateDictFile
{
    /// <summary>Reads a state dict (CPU tensors, keys exactly as stored).</summary>
    /// <exception cref="FormatException">The file is neither a torch.save zip, a .npz, nor a .npy array.</exception>
    public static Dictionary<string, Tensor> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"State dict file {path} not found.", path);
        var head = new byte[8];
        int read;
        using (var s = File.OpenRead(path)) read = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (NpyHeader.HasMagic(head.AsSpan(0, read)))
            throw new FormatException($"{path} is a single .npy array, not a state dict.");
        if (read < 4 || head[0] != (byte)'P' || head[1] != (byte)'K')
            throw new FormatException($"{path} is not a zip file: only torch.save (zip format, PyTorch >= 1.6) and .npz state dicts are supported.");
        bool isTorch;
        using (var zip = ZipFile.OpenRead(path))
            isTorch = zip.Entries.Any(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal));
        return isTorch ? ReadTorch(path) : NpyFile.ReadNpz(path);
    }

    /// <summary>Reads a <c>torch.save</c>d state dict (an OrderedDict of tensors) with TorchSharp.PyBridge.</summary>
    public static Dictionary<string, Tensor> ReadTorch(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new FormatException($"{path}: cannot read the torch.save state dict ({e.GetType().Name}: {e.Message}).", e);
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is not string key || entry.Value is not Tensor tensor)
                throw new FormatException($"{path}: entry '{entry.Key}' is not a named tensor ({entry.Value?.GetType().Name ?? "null"}).");
            result[key] = tensor;
        }
        return result;
    }

    /// <summary>
    /// Copies a state dict into <paramref name="module"/>'s parameters and buffers, strictly: every module entry must
    /// be present with the same shape, and every state-dict entry under <paramref name="prefix"/> must be used.
    /// Entries outside the prefix are ignored (e.g. <c>gamma.gamma</c> beside <c>dynamics.*</c> in an EDM checkpoint).
    /// Values are converted to the parameter's dtype and device. Nothing is copied unless everything fits.
    /// </summary>
    /// <exception cref="StateDictMismatchException">A key is missing, unexpected, or has the wrong shape; the message names it.</exception>
    public static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> stateDict, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(stateDict);
        ArgumentNullException.ThrowIfNull(prefix);
        var targets = module.named_parameters().Select(p => (p.name, (Tensor)p.parameter))
            .Concat(module.named_buffers().Select(b => (b.name, b.buffer))).ToList();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, target) in targets)
        {
            var key = prefix + name;
            if (!stateDict.TryGetValue(key, out var source))
                throw new StateDictMismatchException(StateDictMismatchKind.MissingKey, key, $"State dict has no entry '{key}' (module parameter '{name}', shape [{string.Join(", ", target.shape)}]).");
            if (!source.shape.SequenceEqual(target.shape))
                throw new StateDictMismatchException(StateDictMismatchKind.ShapeMismatch, key,
                    $"State dict entry '{key}' has shape [{string.Join(", ", source.shape)}], the module expects [{string.Join(", ", target.shape)}].");
            used.Add(key);
        }
        foreach (var key in stateDict.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            if (!used.Contains(key))
                throw new StateDictMismatchException(StateDictMismatchKind.UnexpectedKey, key, $"State dict entry '{key}' matches no parameter of the module (prefix '{prefix}').");
        }
        using var noGrad = torch.no_grad();
        foreach (var (name, target) in targets)
        {
            using var value = stateDict[prefix + name].to(target.dtype, target.device);
            target.copy_(value);
        }
    }
}
