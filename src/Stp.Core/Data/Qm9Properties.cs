using System.Globalization;
using Stp.Chemistry;

namespace Stp.Data;

/// <summary>
/// The QM9 properties and EDM's units for them (FACTS 1.10-1.12): homo, lumo, gap, U0, U, H, G in eV (Hartree x 27.2114),
/// zpve in meV, U0/U/H/G/Cv minus QM9's atom references (EDM's <c>subtract_thermo</c>), the rest unchanged (alpha in
/// Bohr^3, mu in Debye, Cv in cal/(mol K), r2 in Bohr^2, A/B/C in GHz). <see cref="ToEdmUnits(Molecule)"/> converts the
/// values of a molecule once (it marks the molecule with <c>units=edm</c>, so converting again changes nothing).
/// </summary>
public static class Qm9Properties
{
    /// <summary>The Hartree-to-eV factor EDM uses.</summary>
    public const double HartreeToEv = 27.2114;

    /// <summary>The property key that marks molecules whose values are in EDM's units, and its value.</summary>
    public const string UnitsKey = "units", EdmUnits = "edm";

    private static readonly int[] Elements = { 1, 6, 7, 8, 9 };

    // QM9's atomref.txt (Hartree; Cv in cal/(mol K)), columns U0, U, H, G for H, C, N, O, F.
    private static readonly double[,] Thermo =
    {
        { -0.500273, -0.498857, -0.497912, -0.510927 },
        { -37.846772, -37.845355, -37.844411, -37.861317 },
        { -54.583861, -54.582445, -54.581501, -54.598897 },
        { -75.064579, -75.063163, -75.062219, -75.079532 },
        { -99.718730, -99.717314, -99.716370, -99.733544 },
    };

    /// <summary>Every property, by name (case-sensitive, as EDM spells them).</summary>
    public static IReadOnlyDictionary<string, Qm9Property> All { get; } = Build();

    /// <summary>The six properties of the paper's table 2, in its order.</summary>
    public static IReadOnlyList<string> Table2 { get; } = new[] { "alpha", "gap", "homo", "lumo", "mu", "Cv" };

    /// <summary>The property called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static Qm9Property Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.TryGetValue(name, out var p) ? p
            : throw new ArgumentException($"Unknown QM9 property '{name}' (known: {string.Join(", ", All.Keys)}).", nameof(name));
    }

    /// <summary>
    /// A copy of <paramref name="molecule"/> whose known QM9 properties are in EDM's units (unknown keys and values that
    /// are not numbers are kept as they are); a molecule already marked <c>units=edm</c> is returned unchanged.
    /// </summary>
    public static Molecule ToEdmUnits(Molecule molecule)
    {
        ArgumentNullException.ThrowIfNull(molecule);
        if (molecule.Properties.TryGetValue(UnitsKey, out var u) && u == EdmUnits) return molecule;
        var props = new Dictionary<string, string>(molecule.Properties);
        foreach (var (key, text) in molecule.Properties)
        {
            if (!All.TryGetValue(key, out var p)) continue;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var raw)) continue;
            if (p.AtomReference is not null && molecule.AtomicNumbers.Any(z => !p.AtomReference.ContainsKey(z))) continue;
            props[key] = p.ToEdmUnits(raw, molecule.AtomicNumbers).ToString("R", CultureInfo.InvariantCulture);
        }
        props[UnitsKey] = EdmUnits;
        return new Molecule(molecule.AtomicNumbers, molecule.Positions, props);
    }

    /// <summary><see cref="ToEdmUnits(Molecule)"/> for every molecule.</summary>
    public static List<Molecule> ToEdmUnits(IEnumerable<Molecule> molecules)
    {
        ArgumentNullException.ThrowIfNull(molecules);
        return molecules.Select(ToEdmUnits).ToList();
    }

    private static Dictionary<string, Qm9Property> Build()
    {
        Dictionary<int, double> Refs(int column) => Elements.Select((z, i) => (z, i)).ToDictionary(e => e.z, e => Thermo[e.i, column]);
        var cv = Elements.ToDictionary(z => z, _ => 2.981);
        var list = new[]
        {
            new Qm9Property("A", "GHz", 1, "GHz", 1),
            new Qm9Property("B", "GHz", 1, "GHz", 1),
            new Qm9Property("C", "GHz", 1, "GHz", 1),
            new Qm9Property("mu", "D", 1, "D", 1),
            new Qm9Property("alpha", "Bohr^3", 1, "Bohr^3", 1),
            new Qm9Property("homo", "eV", HartreeToEv, "meV", 1000),
            new Qm9Property("lumo", "eV", HartreeToEv, "meV", 1000),
            new Qm9Property("gap", "eV", HartreeToEv, "meV", 1000),
            new Qm9Property("r2", "Bohr^2", 1, "Bohr^2", 1),
            new Qm9Property("zpve", "meV", 1000 * HartreeToEv, "meV", 1),
            new Qm9Property("U0", "eV", HartreeToEv, "meV", 1000, Refs(0)),
            new Qm9Property("U", "eV", HartreeToEv, "meV", 1000, Refs(1)),
            new Qm9Property("H", "eV", HartreeToEv, "meV", 1000, Refs(2)),
            new Qm9Property("G", "eV", HartreeToEv, "meV", 1000, Refs(3)),
            new Qm9Property("Cv", "cal/(mol K)", 1, "cal/(mol K)", 1, cv),
        };
        return list.ToDictionary(p => p.Name, StringComparer.Ordinal);
    }
}
