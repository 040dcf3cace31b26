using System.Globalization;

namespace Stp.Metrics.Chemistry;

/// <summary>
/// EDM's bond-length tables (<c>qm9/bond_analyze.py</c>: bonds1/bonds2/bonds3 in pm, margins 10/5/3 pm) and its
/// bond-order rule. Look-ups are directional, exactly as keyed in the reference: the double-bond table has
/// C→S (160 pm) but no S→C entry, so a C=S double bond is only found when the pair is asked as (C, S).
/// The QM9 stability path asks pairs in atom-index order (so it can miss C=S); the sorted GEOM and validity paths
/// always ask (C, S) because C precedes S in every vocabulary. This asymmetry is reproduced on purpose.
/// </summary>
public static class BondTable
{
    /// <summary>Margin added to single-bond lengths (pm).</summary>
    public const double SingleMarginPm = 10;
    /// <summary>Margin added to double-bond lengths (pm).</summary>
    public const double DoubleMarginPm = 5;
    /// <summary>Margin added to triple-bond lengths (pm).</summary>
    public const double TripleMarginPm = 3;

    private static readonly double[,] Single = Table(
        "H: H 74, C 109, N 101, O 96, F 92, B 119, Si 148, P 144, As 152, S 134, Cl 127, Br 141, I 161",
        "C: H 109, C 154, N 147, O 143, F 135, Si 185, P 184, S 182, Cl 177, Br 194, I 214",
        "N: H 101, C 147, N 145, O 140, F 136, Cl 175, Br 214, S 168, I 222, P 177",
        "O: H 96, C 143, N 140, O 148, F 142, Br 172, S 151, P 163, Si 163, Cl 164, I 194",
        "F: H 92, C 135, N 136, O 142, F 142, S 158, Si 160, Cl 166, Br 178, P 156, I 187",
        "B: H 119, Cl 175",
        "Si: Si 233, H 148, C 185, O 163, S 200, F 160, Cl 202, Br 215, I 243",
        "Cl: Cl 199, H 127, C 177, N 175, O 164, P 203, S 207, B 175, Si 202, F 166, Br 214",
        "S: H 134, C 182, N 168, O 151, S 204, F 158, Cl 207, Br 225, Si 200, P 210, I 234",
        "Br: Br 228, H 141, C 194, O 172, N 214, Si 215, S 225, F 178, Cl 214, P 222",
        "P: P 221, H 144, C 184, O 163, Cl 203, S 210, F 156, N 177, Br 222",
        "I: H 161, C 214, Si 243, N 222, O 194, S 234, F 187, I 266",
        "As: H 152");

    private static readonly double[,] Double = Table(
        "C: C 134, N 129, O 120, S 160",
        "N: C 129, N 125, O 121",
        "O: C 120, N 121, O 121, P 150",
        "P: O 150, S 186",
        "S: P 186");

    private static readonly double[,] Triple = Table(
        "C: C 120, N 116, O 113",
        "N: C 116, N 110",
        "O: C 113");

    private static double[,] Table(params string[] rows)
    {
        var t = new double[ElementData.MaxZ + 1, ElementData.MaxZ + 1];
        foreach (var row in rows)
        {
            var parts = row.Split(':');
            int a = Stp.Chemistry.Element.AtomicNumber(parts[0]);
            foreach (var entry in parts[1].Split(','))
            {
                var kv = entry.Trim().Split(' ');
                t[a, Stp.Chemistry.Element.AtomicNumber(kv[0])] = double.Parse(kv[1], CultureInfo.InvariantCulture);
            }
        }
        return t;
    }

    /// <summary>Single-bond length in pm for the directional look-up (<paramref name="z1"/>, <paramref name="z2"/>), or null.</summary>
    public static double? SingleBondLengthPm(int z1, int z2) => Get(Single, z1, z2);

    /// <summary>Double-bond length in pm for the directional look-up, or null.</summary>
    public static double? DoubleBondLengthPm(int z1, int z2) => Get(Double, z1, z2);

    /// <summary>Triple-bond length in pm for the directional look-up, or null.</summary>
    public static double? TripleBondLengthPm(int z1, int z2) => Get(Triple, z1, z2);

    private static double? Get(double[,] t, int z1, int z2) =>
        z1 is > 0 and <= ElementData.MaxZ && z2 is > 0 and <= ElementData.MaxZ && t[z1, z2] > 0 ? t[z1, z2] : null;

    /// <summary>
    /// EDM's <c>get_bond_order(a1, a2, distance, check_exists)</c>: 0 (no bond), 1, 2 or 3, with strict "&lt;"
    /// comparisons against table length + margin, looked up directionally as (<paramref name="z1"/>, <paramref name="z2"/>).
    /// </summary>
    /// <param name="z1">Atomic number of the first atom of the look-up.</param>
    /// <param name="z2">Atomic number of the second atom of the look-up.</param>
    /// <param name="distanceAngstrom">Interatomic distance in Angstrom.</param>
    /// <param name="checkExists">True (EDM's GEOM path): a pair missing from the single-bond table gives 0.
    /// False (EDM's QM9 path): a missing pair is an error, as the reference's KeyError.</param>
    /// <exception cref="KeyNotFoundException"><paramref name="checkExists"/> is false and the pair is not in the single-bond table.</exception>
    public static int GetBondOrder(int z1, int z2, double distanceAngstrom, bool checkExists = false)
    {
        if (!checkExists && Get(Single, z1, z2) is null)
            throw new KeyNotFoundException($"No single-bond length for the pair (Z={z1}, Z={z2}); EDM's QM9 rule has no answer for it (use checkExists).");
        return Thresholds(z1, z2).Order(distanceAngstrom);
    }

    internal static BondThresholds Thresholds(int z1, int z2)
    {
        double s = Get(Single, z1, z2) is { } a ? (a + SingleMarginPm) / 100.0 : double.NegativeInfinity;
        double d = Get(Double, z1, z2) is { } b ? (b + DoubleMarginPm) / 100.0 : double.NegativeInfinity;
        double t = Get(Triple, z1, z2) is { } c ? (c + TripleMarginPm) / 100.0 : double.NegativeInfinity;
        // A triple threshold only applies when a double entry exists (nested test in the reference).
        if (double.IsNegativeInfinity(d)) t = double.NegativeInfinity;
        return new BondThresholds(s, d, t);
    }
}
