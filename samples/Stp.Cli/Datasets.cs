using SharpCompress.Readers;
using Stp.Chemistry;
using Stp.Data;

namespace Stp.Cli;

/// <summary>Dataset loading for the CLI: every format of <see cref="MoleculeDatasets"/>, plus QM9's original tarball and its download.</summary>
internal static class Datasets
{
    public const string Qm9Url = "https://ndownloader.figshare.com/files/3195389";

    public static List<Molecule> Load(string path)
    {
        if (path.EndsWith(".tar.bz2", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tar", StringComparison.OrdinalIgnoreCase))
            return LoadQm9Tarball(path);
        return MoleculeDatasets.Load(path);
    }

    /// <summary>QM9's original <c>dsgdb9nsd.xyz.tar.bz2</c> (or a plain .tar): every .xyz record, in name order.</summary>
    /// <exception cref="DataFileException">Not a readable archive, or no .xyz records; a bad record names "archive:entry".</exception>
    public static List<Molecule> LoadQm9Tarball(string path)
    {
        if (Directory.Exists(path)) throw new FileNotFoundException($"{path} is a folder, not a QM9 tarball.", path);
        if (!File.Exists(path)) throw new FileNotFoundException($"QM9 tarball not found: {path}", path);
        if (new FileInfo(path).Length == 0) throw new DataFileException(path, "empty file, not a QM9 tarball");
        var records = new List<(string Key, string Text)>();
        string? entry = null;
        try
        {
            using var reader = ReaderFactory.OpenReader(path, new ReaderOptions());
            while (reader.MoveToNextEntry())
            {
                entry = reader.Entry.Key;
                if (reader.Entry.IsDirectory || reader.Entry.Key is not { } key || !key.EndsWith(".xyz", StringComparison.Ordinal)) continue;
                using var es = reader.OpenEntryStream();
                using var r = new StreamReader(es);
                records.Add((key, r.ReadToEnd()));
            }
        }
        catch (Exception e) when (e is not (OutOfMemoryException or FileNotFoundException or UnauthorizedAccessException))
        {
            // The archive is untrusted input: whatever the decompressor or tar parser throws means the file is unusable.
            throw new DataFileException(path, entry is null
                ? "not a readable QM9 tarball (not a .tar.bz2 or .tar archive, or damaged at the start)"
                : $"the archive is truncated or damaged (it stops inside or after entry '{Shorten(entry)}', {records.Count} records read)", inner: e);
        }
        if (records.Count == 0) throw new DataFileException(path, "the archive holds no .xyz records (expected QM9's dsgdb9nsd_*.xyz)");
        return records.OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => MoleculeDatasets.ParseQm9Record(e.Text, $"{path}:{e.Key}")).ToList();
    }

    private static string Shorten(string key) => key.Length > 80 ? key[..80] + "..." : key;

    /// <summary>
    /// The training split: QM9 by <see cref="MoleculeDatasets.SplitQm9"/> (seed 0); GEOM by EDM's rule
    /// (<see cref="MoleculeDatasets.SplitGeom(IReadOnlyList{Molecule}, IReadOnlyList{int}, double, double)"/>) with EDM's
    /// <c>geom_permutation.npy</c> when it lies beside <paramref name="dataPath"/>, else a permutation seeded with 0.
    /// </summary>
    /// <exception cref="InvalidDataException">The permutation file does not fit the data; the message names it.</exception>
    public static (List<Molecule> Train, List<Molecule> Validation, List<Molecule> Test) Split(IReadOnlyList<Molecule> all, string dataset, string dataPath)
    {
        if (dataset == "qm9") return MoleculeDatasets.SplitQm9(all, seed: 0);
        var permutation = MoleculeDatasets.LoadGeomPermutation(dataPath);
        var file = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dataPath)) ?? ".", MoleculeDatasets.GeomPermutationFileName);
        if (permutation is null)
        {
            Console.WriteLine($"No {file}: splitting {all.Count} conformers with a permutation seeded with 0 (EDM's rule, not EDM's fixed permutation).");
            return MoleculeDatasets.SplitGeom(all, seed: 0);
        }
        Console.WriteLine($"Splitting {all.Count} conformers with EDM's permutation {file}.");
        try { return MoleculeDatasets.SplitGeom(all, permutation); }
        catch (ArgumentException e) { throw new InvalidDataException($"{file}: {e.Message}", e); }
    }

    public static async Task<string> DownloadQm9Async(string folder, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, "dsgdb9nsd.xyz.tar.bz2");
        if (File.Exists(target)) return target;
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
        try
        {
            using var resp = await http.GetAsync(Qm9Url, HttpCompletionOption.ResponseHeadersRead, ct);
            resp.EnsureSuccessStatusCode();
            var tmp = target + ".part";
            await using (var fs = File.Create(tmp)) await resp.Content.CopyToAsync(fs, ct);
            File.Move(tmp, target, true);
            return target;
        }
        catch (HttpRequestException e)
        {
            throw new IOException($"Could not download QM9 from {Qm9Url} ({e.Message}). Are you offline? Download it by hand and pass --data <path>.", e);
        }
    }
}
