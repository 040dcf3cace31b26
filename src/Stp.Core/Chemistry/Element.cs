namespace Stp.Chemistry;

/// <summary>Element symbols and atomic numbers (H to Bi) used by the molecule datasets.</summary>
public static class Element
{
    private static readonly string[] Symbols =
    {
        "", "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl", "Ar",
        "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr",
        "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe",
        "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
        "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi",
    };

    private static readonly Dictionary<string, int> BySymbol = Symbols
        .Select((s, z) => (s, z)).Where(p => p.z > 0)
        .ToDictionary(p => p.s, p => p.z, StringComparer.OrdinalIgnoreCase);

    /// <summary>Largest atomic number known here (Bi, 83).</summary>
    public const int MaxAtomicNumber = 83;

    /// <summary>Symbol of atomic number <paramref name="atomicNumber"/> (1..83).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown atomic number.</exception>
    public static string Symbol(int atomicNumber) =>
        atomicNumber is >= 1 and <= MaxAtomicNumber
            ? Symbols[atomicNumber]
            : throw new ArgumentOutOfRangeException(nameof(atomicNumber), atomicNumber, "Unknown atomic number (supported: 1..83).");

    /// <summary>Atomic number of an element symbol (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Unknown element symbol.</exception>
    public static int AtomicNumber(string symbol) =>
        TryAtomicNumber(symbol, out var z) ? z : throw new ArgumentException($"Unknown element symbol '{symbol}'.", nameof(symbol));

    /// <summary>Tries to read an element symbol (or a plain atomic number such as "6").</summary>
    public static bool TryAtomicNumber(string symbol, out int atomicNumber)
    {
        if (BySymbol.TryGetValue(symbol.Trim(), out atomicNumber)) return true;
        if (int.TryParse(symbol, out atomicNumber) && atomicNumber is >= 1 and <= MaxAtomicNumber) return true;
        atomicNumber = 0;
        return false;
    }
}
