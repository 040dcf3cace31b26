namespace Stp.Chemistry;

/// <summary>
/// A molecule on the CPU: atomic numbers and 3D positions in Angstrom, with optional metadata
/// (for example QM9 properties or an identifier read from a file's comment line).
/// </summary>
public sealed class Molecule
{
    /// <summary>Creates a molecule. <paramref name="positions"/> holds x, y, z per atom (length 3N).</summary>
    /// <remarks>Zero atoms and non-finite coordinates are allowed here (so that evaluators can count bad samples);
    /// <see cref="Data.MoleculeBatch.Create"/> and the trainer reject them with a message naming the molecule.</remarks>
    /// <exception cref="ArgumentException">Mismatched lengths.</exception>
    public Molecule(int[] atomicNumbers, double[] positions, IReadOnlyDictionary<string, string>? properties = null)
    {
        ArgumentNullException.ThrowIfNull(atomicNumbers);
        ArgumentNullException.ThrowIfNull(positions);
        if (positions.Length != 3 * atomicNumbers.Length)
            throw new ArgumentException($"positions has {positions.Length} values; expected 3 x {atomicNumbers.Length} atoms.", nameof(positions));
        AtomicNumbers = atomicNumbers;
        Positions = positions;
        Properties = properties ?? new Dictionary<string, string>();
    }

    /// <summary>Atomic numbers, one per atom.</summary>
    public int[] AtomicNumbers { get; }

    /// <summary>Positions in Angstrom, flattened as x0, y0, z0, x1, ...</summary>
    public double[] Positions { get; }

    /// <summary>Free-form metadata (key=value tokens of an XYZ comment, SDF properties, ...).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; }

    /// <summary>Number of atoms N.</summary>
    public int AtomCount => AtomicNumbers.Length;

    /// <summary>Position of atom <paramref name="i"/>.</summary>
    public (double X, double Y, double Z) this[int i] => (Positions[3 * i], Positions[3 * i + 1], Positions[3 * i + 2]);

    /// <summary>True when every coordinate is finite.</summary>
    public bool HasFiniteCoordinates => Positions.All(double.IsFinite);

    /// <summary>
    /// Largest plausible |coordinate| in Angstrom (10,000): beyond it a value is a unit or parsing error, and above
    /// ~3.4e38 it is not even a finite float32 (training would turn it into NaN at a fixed step).
    /// </summary>
    public const double MaxCoordinate = 1e4;

    /// <summary>Whether every coordinate is finite and within <see cref="MaxCoordinate"/> Angstrom.</summary>
    public bool HasPlausibleCoordinates => Positions.All(p => double.IsFinite(p) && Math.Abs(p) <= MaxCoordinate);

    /// <summary>Identifier from the metadata ("id", "qm9_index" or "name"), or null.</summary>
    public string? Id => Properties.TryGetValue("id", out var id) ? id
        : Properties.TryGetValue("qm9_index", out id) ? id
        : Properties.TryGetValue("name", out id) ? id : null;

    /// <summary>Molecular formula in Hill order (C, H, then alphabetical), e.g. "CH4".</summary>
    public string Formula
    {
        get
        {
            var counts = AtomicNumbers.GroupBy(z => Element.Symbol(z)).ToDictionary(g => g.Key, g => g.Count());
            var order = new List<string>();
            if (counts.ContainsKey("C")) { order.Add("C"); if (counts.ContainsKey("H")) order.Add("H"); }
            order.AddRange(counts.Keys.Where(k => !order.Contains(k)).OrderBy(k => k, StringComparer.Ordinal));
            return string.Concat(order.Select(s => counts[s] == 1 ? s : s + counts[s]));
        }
    }

    /// <summary>A copy with the centre of mass (unweighted mean of positions, as in EDM) at the origin.</summary>
    public Molecule Centered()
    {
        int n = AtomCount;
        double mx = 0, my = 0, mz = 0;
        for (int i = 0; i < n; i++) { mx += Positions[3 * i]; my += Positions[3 * i + 1]; mz += Positions[3 * i + 2]; }
        mx /= n; my /= n; mz /= n;
        var p = new double[3 * n];
        for (int i = 0; i < n; i++) { p[3 * i] = Positions[3 * i] - mx; p[3 * i + 1] = Positions[3 * i + 1] - my; p[3 * i + 2] = Positions[3 * i + 2] - mz; }
        return new Molecule(AtomicNumbers, p, Properties);
    }
}
