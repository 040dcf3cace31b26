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

    public static List<Molecule> LoadQm9Tarball(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"QM9 tarball not found: {path}", path);
        using var reader = ReaderFactory.OpenReader(path, new ReaderOptions());
        var records = new List<(string Key, string Text)>();
        while (reader.MoveToNextEntry())
        {
            if (reader.Entry.IsDirectory || reader.Entry.Key is not { } key || !key.EndsWith(".xyz", StringComparison.Ordinal)) continue;
            using var es = reader.OpenEntryStream();
            using var r = new StreamReader(es);
            records.Add((key, r.ReadToEnd()));
        }
        var result = records.OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => MoleculeDatasets.ParseQm9Record(e.Text, $"{path}:{e.Key}")).ToList();
        return result;
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
