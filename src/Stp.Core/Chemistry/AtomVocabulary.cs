namespace Stp.Chemistry;

/// <summary>
/// The atom types of a dataset: the one-hot class index of each element (EDM's <c>atom_decoder</c>).
/// </summary>
public sealed class AtomVocabulary
{
    private readonly int[] _atomicNumbers;
    private readonly Dictionary<int, int> _index;

    /// <summary>Creates a vocabulary from atomic numbers in class-index order.</summary>
    public AtomVocabulary(string name, IEnumerable<int> atomicNumbers)
    {
        Name = name;
        _atomicNumbers = atomicNumbers.ToArray();
        if (_atomicNumbers.Length == 0) throw new ArgumentException("A vocabulary needs at least one element.", nameof(atomicNumbers));
        _index = new Dictionary<int, int>();
        for (int i = 0; i < _atomicNumbers.Length; i++)
        {
            _ = Element.Symbol(_atomicNumbers[i]);
            if (!_index.TryAdd(_atomicNumbers[i], i))
                throw new ArgumentException($"Element {Element.Symbol(_atomicNumbers[i])} appears twice.", nameof(atomicNumbers));
        }
    }

    /// <summary>QM9: H C N O F.</summary>
    public static AtomVocabulary Qm9 { get; } = new("qm9", new[] { 1, 6, 7, 8, 9 });

    /// <summary>GEOM-Drugs: the 16 elements H B C N O F Al Si P S Cl As Br I Hg Bi.</summary>
    public static AtomVocabulary GeomDrugs { get; } = new("geom", new[] { 1, 5, 6, 7, 8, 9, 13, 14, 15, 16, 17, 33, 35, 53, 80, 83 });

    /// <summary>Dataset name ("qm9", "geom", or a custom name).</summary>
    public string Name { get; }

    /// <summary>Number of atom classes K (width of the one-hot).</summary>
    public int Count => _atomicNumbers.Length;

    /// <summary>Atomic numbers in class-index order.</summary>
    public IReadOnlyList<int> AtomicNumbers => _atomicNumbers;

    /// <summary>Element symbols in class-index order.</summary>
    public IReadOnlyList<string> Symbols => _atomicNumbers.Select(Element.Symbol).ToArray();

    /// <summary>Class index of an atomic number, or -1 when the element is not in this vocabulary.</summary>
    public int IndexOf(int atomicNumber) => _index.TryGetValue(atomicNumber, out var i) ? i : -1;

    /// <summary>Class index of an atomic number.</summary>
    /// <exception cref="ArgumentException">The element is not part of this vocabulary.</exception>
    public int ClassOf(int atomicNumber) => _index.TryGetValue(atomicNumber, out var i)
        ? i
        : throw new ArgumentException($"Element Z={atomicNumber} is not in the '{Name}' vocabulary ({string.Join(" ", Symbols)}).", nameof(atomicNumber));

    /// <summary>Atomic number of a class index.</summary>
    public int AtomicNumberOf(int classIndex) => _atomicNumbers[classIndex];

    /// <summary>Looks up a vocabulary by dataset name ("qm9" or "geom"/"geom-drugs").</summary>
    public static AtomVocabulary ForDataset(string name) => name.ToLowerInvariant() switch
    {
        "qm9" => Qm9,
        "geom" or "geom-drugs" or "geom_drugs" or "drugs" => GeomDrugs,
        _ => throw new ArgumentException($"Unknown dataset '{name}' (known: qm9, geom).", nameof(name)),
    };
}
