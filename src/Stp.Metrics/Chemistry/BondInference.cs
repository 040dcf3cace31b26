using Stp.Chemistry;

namespace Stp.Metrics.Chemistry;

/// <summary>
/// EDM's bond inference for writing molecules with bonds (its RDKit molecule builder): every pair of atoms is looked
/// up in <see cref="BondTable"/> in the order of the vocabulary's class index (so C=S is found, see
/// <see cref="BondTable"/>), pairs missing from the single-bond table give no bond, and every detected bond keeps its
/// order 1, 2 or 3. This is the rule <see cref="MetricsEvaluator"/> applies to find bonds for validity, without the
/// GEOM-Drugs simplification to single bonds.
/// </summary>
public static class BondInference
{
    /// <summary>Infers the bonds of a molecule.</summary>
    /// <param name="molecule">The molecule; positions in Angstrom.</param>
    /// <param name="vocabulary">The dataset vocabulary whose class order decides the look-up order of each pair.</param>
    /// <returns>Every bond as (I, J, Order) with atom indices I &lt; J (0-based), ordered by I then J, and Order 1, 2 or 3;
    /// the form <see cref="Stp.Data.SdfFile"/> writes.</returns>
    /// <exception cref="ArgumentException">An element of the molecule is not in <paramref name="vocabulary"/>.</exception>
    public static IReadOnlyList<(int I, int J, int Order)> Infer(Molecule molecule, AtomVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(molecule);
        ArgumentNullException.ThrowIfNull(vocabulary);
        var lookup = BondLookup.For(vocabulary);
        int n = molecule.AtomCount;
        var types = new int[n];
        for (int i = 0; i < n; i++) types[i] = vocabulary.ClassOf(molecule.AtomicNumbers[i]);
        var pos = molecule.Positions;
        var bonds = new List<(int, int, int)>();
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                double dx = pos[3 * i] - pos[3 * j], dy = pos[3 * i + 1] - pos[3 * j + 1], dz = pos[3 * i + 2] - pos[3 * j + 2];
                int order = lookup.SortedOrder(types[i], types[j], Math.Sqrt(dx * dx + dy * dy + dz * dz));
                if (order > 0) bonds.Add((i, j, order));
            }
        return bonds;
    }
}
