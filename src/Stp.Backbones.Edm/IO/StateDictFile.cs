using Stp.Data;
using System.Collections;
using System.IO.Compression;
using Stp.Data.Npy;
using TorchSharp;
using Stp.Models;
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
    /// <exception cref="DataFileException">The file is neither a readable torch.save zip nor a .npz of arrays; the message names it.</exception>
    public static Dictionary<string, Tensor> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"State dict file {path} not found.", path);
        var head = new byte[8];
        int read;
        using (var s = File.OpenRead(path)) read = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (NpyHeader.HasMagic(head.AsSpan(0, read)))
            throw new DataFileException(path, "a single .npy array, not a state dict");
        if (read < 4 || head[0] != (byte)'P' || head[1] != (byte)'K')
            throw new DataFileException(path, "not a zip file: only torch.save (zip format, PyTorch >= 1.6) and .npz state dicts are supported");
        bool isTorch;
        try
        {
            using var zip = ZipFile.OpenRead(path);
            isTorch = zip.Entries.Any(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal));
        }
        catch (InvalidDataException e)
        {
            throw new DataFileException(path, "not a readable zip archive (truncated or damaged: its table of contents cannot be read)", inner: e);
        }
        return isTorch ? ReadTorch(path) : NpzFile.ReadTensors(path);
    }

    /// <summary>Reads a <c>torch.save</c>d state dict (an OrderedDict of tensors) with TorchSharp.PyBridge.</summary>
    public static Dictionary<string, Tensor> ReadTorch(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Hashtable table;
        try
        {
            // Validate first: the unpickler allocates whatever sizes the pickle declares.
            using (var zip = ZipFile.OpenRead(path)) TorchPickleScan.Check(zip, path);
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (DataFileException)
        {
            throw;
        }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new DataFileException(path, "cannot read the torch.save state dict (truncated, damaged, or holding objects other than tensors)", inner: e);
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is not string key || entry.Value is not Tensor tensor)
                throw new DataFileException(path, $"not a named tensor ({entry.Value?.GetType().Name ?? "null"})", $"entry '{entry.Key}'");
            result[key] = tensor;
        }
        return result;
    }

    /// <summary>
    /// Copies a state dict into <paramref name="module"/> strictly (see <see cref="StateDict.Load"/>): every module entry
    /// must be present under <paramref name="prefix"/> with the same shape and every entry under the prefix used; other
    /// entries are ignored (e.g. <c>gamma.gamma</c> beside <c>dynamics.*</c> in an EDM checkpoint).
    /// </summary>
    /// <exception cref="StateDictMismatchException">A key is missing, unexpected, or has the wrong shape; the message names it.</exception>
    public static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> stateDict, string prefix = "") =>
        StateDict.Load(module, stateDict, prefix);
}
