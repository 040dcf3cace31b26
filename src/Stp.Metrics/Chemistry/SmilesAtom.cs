using System.Text;
using Stp.Chemistry;

namespace Stp.Metrics.Chemistry;

/// <summary>Atom tokens of SMILES: when an atom can be written bare and how many hydrogens a bare atom implies.</summary>
internal static class SmilesAtom
{
    /// <summary>
    /// Hydrogens implied by a bare (unbracketed) organic-subset atom. Non-aromatic: lowest standard valence at or
    /// above the bond-order sum, minus that sum. Aromatic: default valence minus (bonds, aromatic counted as 1) minus 1.
    /// </summary>
    public static int ImpliedHydrogens(int z, bool aromatic, double bondOrderSum, int aromaticBonds)
    {
        var vals = ElementData.SmilesValences(z);
        if (vals.IsEmpty) return 0;
        if (aromatic)
        {
            double s = bondOrderSum - 0.5 * aromaticBonds; // aromatic bonds as 1
            int h = vals[0] - (int)Math.Round(s) - 1;
            return Math.Max(h, 0);
        }
        int sum = (int)Math.Round(bondOrderSum);
        foreach (var v in vals) if (v >= sum) return v - sum;
        return 0;
    }

    private static bool AromaticBareAllowed(int z) => z is 5 or 6 or 7 or 8 or 15 or 16;

    public static void Append(StringBuilder sb, int z, bool aromatic, int charge, int implicitH, double bondOrderSum, int aromaticBonds)
    {
        string sym = Element.Symbol(z);
        if (aromatic) sym = sym.ToLowerInvariant();
        bool bare = z != 1 && charge == 0 && ElementData.IsOrganicSubset(z)
                    && (!aromatic || AromaticBareAllowed(z))
                    && implicitH == ImpliedHydrogens(z, aromatic, bondOrderSum, aromaticBonds);
        if (bare) { sb.Append(sym); return; }
        sb.Append('[').Append(sym);
        if (implicitH > 0) { sb.Append('H'); if (implicitH > 1) sb.Append(implicitH); }
        if (charge != 0)
        {
            sb.Append(charge > 0 ? '+' : '-');
            if (Math.Abs(charge) > 1) sb.Append(Math.Abs(charge));
        }
        sb.Append(']');
    }
}
