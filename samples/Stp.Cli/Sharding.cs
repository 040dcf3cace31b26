using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Stp.Data;

namespace Stp.Cli;

/// <summary>
/// Sharded sampling for job arrays: <c>stp sample --shard k/n</c> samples only the batches j = k (mod n) of the run's
/// global plan and writes, next to its samples, a manifest (<c>shard.json</c>) that <c>stp merge</c> checks: the same
/// model file (by content hash), seed, size, sampler and plan in every shard, every shard present once, every molecule
/// id present once.
/// </summary>
internal static class Sharding
{
    public const string ManifestName = "shard.json";
    private const string Format = "stp-shard-1";
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>What a shard was sampled from; <see cref="Run"/> must be equal across the shards of one run.</summary>
    internal sealed record Manifest(string Format, int Index, int Count, RunKey Run, int[] Ids);

    /// <summary>The identity of the whole run.</summary>
    internal sealed record RunKey(int Molecules, long Seed, string ModelSha256, string Sampler, int? Steps, string Plan, int BatchSize, long? MaxEdges = null, string? Spacing = null);

    /// <summary>Parses "k/n" (0 &lt;= k &lt; n).</summary>
    public static (int Index, int Count) Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int k) || !int.TryParse(parts[1], out int n) || n < 1 || k < 0 || k >= n)
            throw new UsageException($"--shard must be k/n with 0 <= k < n (e.g. 0/4 for the first of four shards); got '{text}'.");
        return (k, n);
    }

    /// <summary>SHA-256 of the model file's weights (the .safetensors file behind <paramref name="checkpoint"/>).</summary>
    public static string ModelHash(string checkpoint)
    {
        var path = File.Exists(checkpoint) ? checkpoint : checkpoint + ".safetensors";
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }

    public static void Write(string folder, Manifest manifest) =>
        AtomicFile.WriteAllText(Path.Combine(folder, ManifestName), JsonSerializer.Serialize(manifest, Json));

    public static Manifest Create((int Index, int Count) shard, RunKey run, IEnumerable<int> ids) => new(Format, shard.Index, shard.Count, run, ids.ToArray());

    public static Manifest Read(string folder)
    {
        var path = Path.Combine(folder, ManifestName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{folder}: no {ManifestName} (not a folder written by 'stp sample --shard').", path);
        Manifest? m;
        try { m = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a shard manifest ({e.Message})."); }
        if (m is null || m.Format != Format || m.Run is null || m.Ids is null)
            throw new InvalidDataException($"{path}: not a shard manifest (format {m?.Format ?? "missing"}, expected {Format}).");
        return m;
    }

    /// <summary>Splits a file written by Stp's XYZ or SDF writer into its records (exact text), keyed by molecule id.</summary>
    public static List<(int Id, string Text)> Records(string path, bool sdf)
    {
        var text = File.ReadAllText(path, Encoding.UTF8);
        var result = new List<(int, string)>();
        var lines = text.Split('\n');
        int i = 0;
        while (i < lines.Length && !(i == lines.Length - 1 && lines[i].Length == 0))
        {
            int start = i;
            string idText;
            if (sdf)
            {
                idText = lines[i].Split(' ', 2)[0]; // the title: "<id> N=<size> <formula>" (older files: the id alone)
                while (i < lines.Length && lines[i] != "$$$$") i++;
                if (i == lines.Length) throw new InvalidDataException($"{path}: record starting at line {start + 1} has no $$$$.");
                i++;
            }
            else
            {
                if (!int.TryParse(lines[i], out int atoms) || atoms < 0 || i + 1 >= lines.Length)
                    throw new InvalidDataException($"{path}: line {i + 1} is not an atom count.");
                var props = XyzFile.ParseComment(lines[i + 1]);
                idText = props.GetValueOrDefault("id") ?? "";
                i += 2 + atoms;
                if (i > lines.Length) throw new InvalidDataException($"{path}: record starting at line {start + 1} is truncated.");
            }
            if (!int.TryParse(idText, out int id)) throw new InvalidDataException($"{path}: record at line {start + 1} carries no molecule id.");
            result.Add((id, string.Join('\n', lines[start..i]) + '\n'));
        }
        return result;
    }
}
