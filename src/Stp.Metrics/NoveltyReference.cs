using System.Security.Cryptography;
using System.Text;
using Stp.Chemistry;
using Stp.Data;
using Stp.Metrics.Chemistry;

namespace Stp.Metrics;

/// <summary>
/// The training set's canonical SMILES for novelty. As in EDM, each training molecule is built with the dataset's
/// bond rule from its true coordinates and sanitised; the SMILES of the whole molecule (all fragments) is kept and
/// molecules that fail are skipped. Compute it once and cache it with <see cref="Save"/> / <see cref="LoadOrCreate"/>.
/// </summary>
public sealed class NoveltyReference
{
    /// <summary>First line of a cache file; files written by other tools or versions are rejected.</summary>
    public const string FileHeader = "# Stp.Metrics canonical SMILES v2";

    private const string KeyPrefix = "# key ", CountPrefix = "# count ";

    private readonly HashSet<string> _smiles;

    /// <summary>Creates a reference from SMILES written by <see cref="CanonicalSmiles"/>.</summary>
    public NoveltyReference(IEnumerable<string> canonicalSmiles)
    {
        ArgumentNullException.ThrowIfNull(canonicalSmiles);
        _smiles = new HashSet<string>(canonicalSmiles, StringComparer.Ordinal);
    }

    /// <summary>Number of distinct SMILES.</summary>
    public int Count => _smiles.Count;

    /// <summary>Whether a canonical SMILES is in the training set.</summary>
    public bool Contains(string smiles) => _smiles.Contains(smiles);

    /// <summary>Builds the reference from training molecules (parallel).</summary>
    public static NoveltyReference FromMolecules(IReadOnlyList<Molecule> molecules, AtomVocabulary vocabulary, BondRule rule)
    {
        ArgumentNullException.ThrowIfNull(molecules);
        var analyzer = new MoleculeAnalyzer(vocabulary, rule, 1e-3);
        var smiles = new string?[molecules.Count];
        Parallel.For(0, molecules.Count, i =>
        {
            var m = molecules[i];
            try
            {
                var g = analyzer.BuildGraph(m.AtomicNumbers, m.Positions, out _);
                smiles[i] = g is null ? null : CanonicalSmiles.Write(g);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                smiles[i] = null;
            }
        });
        return new NoveltyReference(smiles.Where(s => s is not null)!);
    }

    /// <summary>
    /// Writes the SMILES atomically: <see cref="FileHeader"/>, the cache key (what the SMILES were computed from, see
    /// <see cref="CacheKey"/>), their count and SHA-256 digest, then one SMILES per line (sorted).
    /// </summary>
    public void Save(string path, string key = "")
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Contains('\n')) throw new ArgumentException("A cache key is one line.", nameof(key));
        var lines = _smiles.Order(StringComparer.Ordinal).ToList();
        AtomicFile.WriteAllText(path, $"{FileHeader}\n{KeyPrefix}{key}\n{CountPrefix}{lines.Count} sha256 {Digest(lines)}\n" + string.Join("\n", lines) + "\n");
    }

    /// <summary>
    /// Reads a cache written by <see cref="Save"/>, checking its header, count and digest, so that a truncated or edited
    /// cache is refused instead of silently changing novelty; with <paramref name="expectedKey"/>, also that it was built
    /// from that key.
    /// </summary>
    /// <exception cref="DataFileException">Not a cache of this version, damaged, or built from another key; the message says which.</exception>
    public static NoveltyReference Load(string path, string? expectedKey = null) => Read(path, expectedKey, out var problem) ?? throw new DataFileException(path, problem!);

    /// <summary>
    /// The cache key of a reference dataset: the SHA-256 of its content (a file's bytes; for a folder, every file's name
    /// and bytes in name order), the vocabulary and bond rule the SMILES depend on, and <paramref name="selection"/>
    /// (e.g. which split of the data was used). Editing, truncating or replacing the data changes the key.
    /// </summary>
    public static string CacheKey(string referencePath, AtomVocabulary vocabulary, BondRule rule, string? selection = null)
    {
        ArgumentNullException.ThrowIfNull(referencePath);
        ArgumentNullException.ThrowIfNull(vocabulary);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var files = Directory.Exists(referencePath)
            ? Directory.GetFiles(referencePath).Order(StringComparer.Ordinal).ToArray()
            : File.Exists(referencePath) ? [referencePath] : throw new FileNotFoundException($"Novelty reference data not found: {referencePath}", referencePath);
        var buffer = new byte[1 << 16];
        foreach (var file in files)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(file) + "\0"));
            using var fs = File.OpenRead(file);
            for (int n; (n = fs.Read(buffer)) > 0;) sha.AppendData(buffer, 0, n);
        }
        var content = Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
        return $"sha256={content} vocabulary={vocabulary.Name} rule={rule}" + (selection is null ? "" : $" selection={selection.Replace('\n', ' ')}");
    }

    /// <summary>
    /// Loads the cache at <paramref name="path"/> when it is intact and was built from <paramref name="key"/>;
    /// otherwise (missing, damaged, an older version, or built from other data) builds the reference from the
    /// molecules, saves it under the key and says why through <paramref name="log"/>.
    /// </summary>
    public static NoveltyReference LoadOrCreate(string path, string key, Func<IReadOnlyList<Molecule>> trainingMolecules, AtomVocabulary vocabulary, BondRule rule, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(trainingMolecules);
        if (File.Exists(path))
        {
            if (Read(path, key, out var problem) is { } cached) return cached;
            log?.Invoke($"Rebuilding the novelty cache: {path}: {problem}.");
        }
        var r = FromMolecules(trainingMolecules(), vocabulary, rule);
        r.Save(path, key);
        return r;
    }

    private static NoveltyReference? Read(string path, string? expectedKey, out string? problem)
    {
        var lines = File.ReadAllLines(path);
        problem = null;
        if (lines.Length < 3 || lines[0] != FileHeader || !lines[1].StartsWith(KeyPrefix, StringComparison.Ordinal) || !lines[2].StartsWith(CountPrefix, StringComparison.Ordinal))
        {
            problem = $"not a Stp.Metrics SMILES cache of this version (its first line must be '{FileHeader}')";
            return null;
        }
        var key = lines[1][KeyPrefix.Length..];
        var smiles = lines.Skip(3).Where(l => l.Length > 0).ToList();
        if (lines[2] != $"{CountPrefix}{smiles.Count} sha256 {Digest(smiles)}")
            problem = $"damaged: its SMILES do not match its recorded count and digest ('{lines[2]}'; {smiles.Count} SMILES found)";
        else if (expectedKey is not null && key != expectedKey)
            problem = "built from other reference data (its key differs: the data, vocabulary or bond rule changed)";
        return problem is null ? new NoveltyReference(smiles) : null;
    }

    private static string Digest(IEnumerable<string> lines)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var l in lines) sha.AppendData(Encoding.UTF8.GetBytes(l + "\n"));
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }
}
