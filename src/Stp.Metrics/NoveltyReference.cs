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
    public const string FileHeader = "# Stp.Metrics canonical SMILES v1";

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

    /// <summary>Writes the SMILES (sorted, one per line, after <see cref="FileHeader"/>) atomically.</summary>
    public void Save(string path)
    {
        var lines = _smiles.OrderBy(s => s, StringComparer.Ordinal);
        AtomicFile.WriteAllText(path, FileHeader + "\n" + string.Join("\n", lines) + "\n");
    }

    /// <summary>Reads a file written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The file does not start with <see cref="FileHeader"/>.</exception>
    public static NoveltyReference Load(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != FileHeader)
            throw new InvalidDataException($"{path}: not a Stp.Metrics SMILES cache (first line must be '{FileHeader}').");
        return new NoveltyReference(lines.Skip(1).Where(l => l.Length > 0));
    }

    /// <summary>Loads the cache at <paramref name="path"/> if present; otherwise builds it from the molecules and saves it.</summary>
    public static NoveltyReference LoadOrCreate(string path, Func<IReadOnlyList<Molecule>> trainingMolecules, AtomVocabulary vocabulary, BondRule rule)
    {
        ArgumentNullException.ThrowIfNull(trainingMolecules);
        if (File.Exists(path)) return Load(path);
        var r = FromMolecules(trainingMolecules(), vocabulary, rule);
        r.Save(path);
        return r;
    }
}
