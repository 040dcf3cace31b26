using System.IO.Compression;
using static TorchSharp.torch;

namespace Stp.Data.Npy;

/// <summary>
/// Reads NumPy <c>.npz</c> archives (zip of <c>.npy</c>, stored or deflated) and single <c>.npy</c> files into
/// memory, for EDM-format data, checkpoints and reference fixtures. Every array is streamed through
/// <see cref="NpyReader"/> (no whole-file byte buffer). For arrays too large for memory use <see cref="NpyReader"/> directly.
/// </summary>
internal static class NpzFile
{
    /// <summary>Reads every array of an <c>.npz</c> archive; keys are the entry names without ".npy".</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="DataFileException">Not a zip archive, or an entry is not a valid supported .npy; the message names the file and entry.</exception>
    public static Dictionary<string, NpyArray> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($".npz file not found: {path}", path);
        var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
        string? current = null;
        try
        {
            using var zip = ZipFile.OpenRead(path);
            foreach (var entry in zip.Entries)
            {
                if (entry.FullName.EndsWith('/')) continue;
                current = entry.FullName;
                var key = entry.FullName.EndsWith(".npy", StringComparison.Ordinal) ? entry.FullName[..^4] : entry.FullName;
                var source = $"{path}:{entry.FullName}";
                ZipEntryLimit.Check(entry, path);
                using var reader = new NpyReader(entry.Open(), source, entry.Length);
                result[key] = reader.ReadArray(key);
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or NotSupportedException or ArgumentException or IOException
            && e is not DataFileException and not FileNotFoundException)
        {
            throw new DataFileException(path, current is null
                ? "not a valid .npz archive (not a zip file, or truncated: its table of contents cannot be read)"
                : $"entry '{current}' cannot be decompressed (truncated or damaged archive)", inner: e);
        }
        return result;
    }

    /// <summary>Reads every array of an <c>.npz</c> archive as CPU tensors (see <see cref="NpyArray.ToTensor"/>).</summary>
    /// <exception cref="DataFileException">As <see cref="Read"/>.</exception>
    public static Dictionary<string, Tensor> ReadTensors(string path)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (key, array) in Read(path))
            {
                try { result[key] = array.ToTensor(); }
                catch (OverflowException e) { throw new DataFileException($"{path}:{key}.npy", "a uint64 value above the int64 range (torch has no uint64)", inner: e); }
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>Reads one <c>.npy</c> file into memory, streamed from disk.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="DataFileException">Malformed, unsupported or truncated; the message names the file.</exception>
    /// <exception cref="NotSupportedException">More elements than one .NET array holds.</exception>
    public static NpyArray ReadNpy(string path)
    {
        using var reader = NpyReader.Open(path);
        return reader.ReadArray(Path.GetFileNameWithoutExtension(path));
    }
}
