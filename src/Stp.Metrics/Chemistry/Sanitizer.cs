using Stp.Chemistry;

namespace Stp.Metrics.Chemistry;

/// <summary>
/// What RDKit 2022.09's <c>SanitizeMol</c> does to a neutral molecule built from single/double/triple bonds
/// (the molecules EDM builds): the clean-up step (neutral 5-valent N with =O or #N, 5-valent P with =O and =C/=N,
/// hypervalent halogens bonded only to O, all moved to charge-separated forms), the valence check against RDKit's
/// allowed valences (the only step that can fail for such input), implicit hydrogens, rings and aromaticity.
/// </summary>
internal static class Sanitizer
{
    /// <summary>Sanitises in place. Returns null on success or RDKit-style failure text.</summary>
    public static string? Sanitize(MolecularGraph g)
    {
        int n = g.AtomCount;
        var z = g.Z;
        for (int a = 0; a < n; a++)
            if (!ElementData.IsSupported(z[a])) return $"element Z={z[a]} is not supported by the valence model";

        CleanUpNitrogens(g);
        for (int a = 0; a < n; a++)
        {
            if (z[a] == 15) CleanUpPhosphorus(g, a);
            else if (z[a] is 17 or 35 or 53) CleanUpHalogen(g, a);
        }

        var charge = g.Charges;
        var implicitH = g.ImplicitH;
        for (int a = 0; a < n; a++)
        {
            int ev = Valence(g, a);
            int max = ElementData.MaxValence(z[a]);
            int effective = ElementData.Outer(z[a]) >= 4 ? ev - charge[a] : ev + charge[a];
            if (max > 0 && effective > max)
                return $"Explicit valence for atom # {a} {Element.Symbol(z[a])}, {ev}, is greater than permitted";
            implicitH[a] = ImplicitHydrogens(z[a], charge[a], ev);
        }

        var rings = RingFinder.Find(g);
        Aromaticity.Perceive(g, rings);
        return null;
    }

    private static int Valence(MolecularGraph g, int a)
    {
        int s = 0;
        for (int p = g.Start[a]; p < g.Start[a + 1]; p++) s += (int)g.BondArray[g.NbrBond[p]].Kind;
        return s;
    }

    internal static int ImplicitHydrogens(int z, int charge, int ev)
    {
        var list = ElementData.ValenceList(z);
        if (list[0] < 0) return 0;
        // RDKit flips the sign of the charge for early elements (fewer than 4 outer electrons).
        int chg = ElementData.Outer(z) < 4 ? -charge : charge;
        foreach (var v in list)
        {
            int tot = v + chg;
            if (ev <= tot) return tot - ev;
        }
        return 0;
    }

    private static void CleanUpNitrogens(MolecularGraph g)
    {
        int n = g.AtomCount;
        var z = g.Z; var charge = g.Charges; var bonds = g.BondArray;
        // The first bond of atom a to a neutral atom of element partner with kind `from` becomes `to`; a gets +1, the partner -1.
        void Separate(int a, int partner, BondKind from, BondKind to)
        {
            for (int p = g.Start[a]; p < g.Start[a + 1]; p++)
            {
                int b = g.NbrAtom[p], k = g.NbrBond[p];
                if (z[b] == partner && charge[b] == 0 && bonds[k].Kind == from)
                {
                    g.SetBondKind(k, to);
                    charge[a] = 1; charge[b] = -1;
                    return;
                }
            }
        }
        List<int>? considered = null;
        for (int a = 0; a < n; a++)
        {
            if (z[a] != 7 || charge[a] != 0 || Valence(g, a) != 5) continue;
            (considered ??= new List<int>()).Add(a);
            Separate(a, 8, BondKind.Double, BondKind.Single); // N(=O) -> [N+]-[O-]
        }
        if (considered is null) return;
        foreach (var a in considered) Separate(a, 7, BondKind.Triple, BondKind.Double); // N#N -> [N+]=[N-]
    }

    private static void CleanUpPhosphorus(MolecularGraph g, int a)
    {
        var z = g.Z; var charge = g.Charges; var bonds = g.BondArray;
        if (charge[a] != 0 || Valence(g, a) != 5 || g.Degree(a) != 3) return;
        int dblToO = -1, oAtom = -1;
        bool dblToCorN = false;
        for (int p = g.Start[a]; p < g.Start[a + 1]; p++)
        {
            int b = g.NbrAtom[p], k = g.NbrBond[p];
            if (z[b] == 8 && charge[b] == 0 && bonds[k].Kind == BondKind.Double) { dblToO = k; oAtom = b; }
            else if (z[b] is 6 or 7 && g.Degree(b) >= 2 && bonds[k].Kind == BondKind.Double) dblToCorN = true;
        }
        if (dblToCorN && dblToO >= 0)
        {
            charge[oAtom] = -1;
            g.SetBondKind(dblToO, BondKind.Single);
            charge[a] = 1;
        }
    }

    private static void CleanUpHalogen(MolecularGraph g, int a)
    {
        var z = g.Z; var charge = g.Charges; var bonds = g.BondArray;
        int ev = Valence(g, a);
        if (charge[a] != 0 || (ev != 7 && ev != 5 && ev != 3)) return;
        for (int p = g.Start[a]; p < g.Start[a + 1]; p++) if (z[g.NbrAtom[p]] != 8) return;
        int formal = 0;
        for (int p = g.Start[a]; p < g.Start[a + 1]; p++)
        {
            int k = g.NbrBond[p];
            if (bonds[k].Kind != BondKind.Double) continue;
            g.SetBondKind(k, BondKind.Single);
            formal++;
            charge[g.NbrAtom[p]] = -1;
        }
        charge[a] = formal;
    }
}
