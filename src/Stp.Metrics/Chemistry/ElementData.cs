namespace Stp.Metrics.Chemistry;

/// <summary>
/// Per-element constants used by the RDKit-compatible valence and aromaticity model (the values of RDKit
/// 2022.09's periodic table for the elements of the QM9 and GEOM-Drugs vocabularies), and EDM's
/// <c>allowed_bonds</c> used by atom stability.
/// </summary>
internal static class ElementData
{
    internal const int MaxZ = 83;

    // RDKit valence lists ([-1] = any valence).
    private static readonly int[]?[] Valences = new int[]?[MaxZ + 1];
    private static readonly int[] OuterElectrons = new int[MaxZ + 1];
    // EDM allowed_bonds (stability); null = element unknown to EDM.
    private static readonly int[]?[] StableSums = new int[]?[MaxZ + 1];

    static ElementData()
    {
        Set(1, new[] { 1 }, 1, new[] { 1 });
        Set(5, new[] { 3 }, 3, new[] { 3 });
        Set(6, new[] { 4 }, 4, new[] { 4 });
        Set(7, new[] { 3 }, 5, new[] { 3 });
        Set(8, new[] { 2 }, 6, new[] { 2 });
        Set(9, new[] { 1 }, 7, new[] { 1 });
        Set(13, new[] { 3, 6 }, 3, new[] { 3 });
        Set(14, new[] { 4, 6 }, 4, new[] { 4 });
        Set(15, new[] { 3, 5, 7 }, 5, new[] { 3, 5 });
        Set(16, new[] { 2, 4, 6 }, 6, new[] { 4 });
        Set(17, new[] { 1 }, 7, new[] { 1 });
        Set(33, new[] { 3, 5, 7 }, 5, new[] { 3 });
        Set(35, new[] { 1 }, 7, new[] { 1 });
        Set(53, new[] { 1, 3, 5 }, 7, new[] { 1 });
        Set(80, new[] { -1 }, 2, new[] { 1, 2 });
        Set(83, new[] { 3, 5, 7 }, 5, new[] { 3, 5 });
        // Elements that only appear through charge-shifted look-ups (Z - charge) in the valence model.
        Set(2, new[] { 0 }, 2, null);
        Set(4, new[] { 2 }, 2, null);
        Set(10, new[] { 0 }, 8, null);
        Set(12, new[] { 2 }, 2, null);
        Set(18, new[] { 0 }, 8, null);
        Set(32, new[] { 4 }, 4, null);
        Set(34, new[] { 2, 4, 6 }, 6, null);
        Set(36, new[] { 0 }, 8, null);
        Set(51, new[] { 3, 5, 7 }, 5, null);
        Set(52, new[] { 2, 4, 6 }, 6, null);
        Set(54, new[] { 0, 2, 4, 6 }, 8, null);
    }

    private static void Set(int z, int[] valences, int outer, int[]? stable)
    {
        Valences[z] = valences;
        OuterElectrons[z] = outer;
        StableSums[z] = stable;
    }

    /// <summary>True when the valence model knows this element.</summary>
    internal static bool IsSupported(int z) => z is > 0 and <= MaxZ && Valences[z] is not null && StableSums[z] is not null;

    internal static int[] ValenceList(int z) => z is > 0 and <= MaxZ && Valences[z] is { } v ? v : new[] { -1 };

    internal static int DefaultValence(int z) => ValenceList(z)[0];

    internal static int MaxValence(int z)
    {
        var v = ValenceList(z);
        return v[^1];
    }

    internal static int Outer(int z) => z is > 0 and <= MaxZ ? OuterElectrons[z] : 0;

    /// <summary>EDM atom stability: is <paramref name="bondSum"/> an allowed bond-order sum for element z.</summary>
    internal static bool IsStableSum(int z, int bondSum)
    {
        var s = z is > 0 and <= MaxZ ? StableSums[z] : null;
        if (s is null) return false;
        foreach (var v in s) if (v == bondSum) return true;
        return false;
    }

    /// <summary>RDKit's ordering of electronegativity (more outer electrons first; same count: lower Z first).</summary>
    internal static bool MoreElectronegative(int z1, int z2)
    {
        int n1 = Outer(z1), n2 = Outer(z2);
        if (n1 != n2) return n1 > n2;
        return z1 < z2;
    }

    /// <summary>Atoms written without brackets in SMILES when charge and H count allow it.</summary>
    internal static bool IsOrganicSubset(int z) => z is 5 or 6 or 7 or 8 or 9 or 15 or 16 or 17 or 35 or 53;

    /// <summary>SMILES standard valences of the organic subset (used for implied hydrogens of bare atoms).</summary>
    internal static ReadOnlySpan<int> SmilesValences(int z) => z switch
    {
        5 => new[] { 3 },
        6 => new[] { 4 },
        7 => new[] { 3, 5 },
        8 => new[] { 2 },
        15 => new[] { 3, 5 },
        16 => new[] { 2, 4, 6 },
        9 or 17 or 35 or 53 => new[] { 1 },
        _ => ReadOnlySpan<int>.Empty,
    };
}
