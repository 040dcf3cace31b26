using Stp.Chemistry;

namespace Stp.Metrics.Chemistry;

/// <summary>
/// Reads SMILES into a <see cref="MolecularGraph"/>: organic-subset and bracket atoms (isotopes, chirality and atom
/// classes are read and ignored), aromatic lower-case atoms, bonds <c>- = # : / \</c>, branches, ring closures
/// (digits and <c>%nn</c>) and '.' fragments. Bare atoms get the hydrogens the writer of
/// <see cref="CanonicalSmiles"/> implies; bracket atoms get exactly the written count. Nothing is re-perceived.
/// </summary>
public static class SmilesParser
{
    /// <summary>Parses a SMILES string.</summary>
    /// <exception cref="FormatException">Malformed SMILES (the message names the position).</exception>
    public static MolecularGraph Parse(string smiles)
    {
        ArgumentNullException.ThrowIfNull(smiles);
        var z = new List<int>();
        var charge = new List<int>();
        var hcount = new List<int>(); // -1 = implied (bare atom)
        var arom = new List<bool>();
        var bonds = new List<(int A, int B, BondKind? Kind)>();
        var ring = new Dictionary<int, (int Atom, BondKind? Kind)>();
        var branch = new Stack<int>();
        int prev = -1;
        BondKind? pending = null;
        bool pendingSet = false;
        int i = 0;
        string s = smiles;

        void AddAtom(int zz, bool aromatic, int chg, int h)
        {
            z.Add(zz); arom.Add(aromatic); charge.Add(chg); hcount.Add(h);
            int idx = z.Count - 1;
            if (prev >= 0) bonds.Add((prev, idx, pending));
            prev = idx;
            pending = null; pendingSet = false;
        }

        while (i < s.Length)
        {
            char c = s[i];
            switch (c)
            {
                case '(':
                    if (prev < 0) throw Error(s, i, "branch before any atom");
                    branch.Push(prev); i++; continue;
                case ')':
                    if (branch.Count == 0) throw Error(s, i, "unbalanced ')'");
                    prev = branch.Pop(); i++; continue;
                case '-': pending = BondKind.Single; pendingSet = true; i++; continue;
                case '/': case '\\': pending = BondKind.Single; pendingSet = true; i++; continue;
                case '=': pending = BondKind.Double; pendingSet = true; i++; continue;
                case '#': pending = BondKind.Triple; pendingSet = true; i++; continue;
                case ':': pending = BondKind.Aromatic; pendingSet = true; i++; continue;
                case '.':
                    if (pendingSet) throw Error(s, i, "bond before '.'");
                    prev = -1; i++; continue;
                case '[':
                {
                    int close = s.IndexOf(']', i);
                    if (close < 0) throw Error(s, i, "unclosed '['");
                    ParseBracket(s, i + 1, close, out int zz, out bool aromatic, out int chg, out int h);
                    AddAtom(zz, aromatic, chg, h);
                    i = close + 1;
                    continue;
                }
                case '%':
                case >= '0' and <= '9':
                {
                    if (prev < 0) throw Error(s, i, "ring closure before any atom");
                    int num;
                    if (c == '%')
                    {
                        if (i + 2 >= s.Length || !char.IsAsciiDigit(s[i + 1]) || !char.IsAsciiDigit(s[i + 2])) throw Error(s, i, "bad %nn ring closure");
                        num = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
                        i += 3;
                    }
                    else { num = c - '0'; i++; }
                    if (ring.Remove(num, out var open))
                    {
                        if (open.Atom == prev) throw Error(s, i - 1, "ring closure to the same atom");
                        var kind = pending ?? open.Kind;
                        if (pending is not null && open.Kind is not null && pending != open.Kind) throw Error(s, i - 1, "conflicting ring-closure bonds");
                        bonds.Add((open.Atom, prev, kind));
                    }
                    else ring[num] = (prev, pending);
                    pending = null; pendingSet = false;
                    continue;
                }
                default:
                {
                    if (!TryOrganic(s, i, out int zz, out bool aromatic, out int len)) throw Error(s, i, $"unexpected character '{c}'");
                    AddAtom(zz, aromatic, 0, -1);
                    i += len;
                    continue;
                }
            }
        }
        if (ring.Count > 0) throw Error(s, s.Length, $"unclosed ring {ring.Keys.First()}");
        if (branch.Count > 0) throw Error(s, s.Length, "unclosed '('");
        if (pendingSet) throw Error(s, s.Length, "dangling bond");

        var graphBonds = new List<GraphBond>(bonds.Count);
        foreach (var (a, b, kind) in bonds)
            graphBonds.Add(new GraphBond(a, b, kind ?? (arom[a] && arom[b] ? BondKind.Aromatic : BondKind.Single)));
        var g = new MolecularGraph(z, graphBonds, charge, null, arom);
        for (int a = 0; a < z.Count; a++)
        {
            if (hcount[a] >= 0) { g.ImplicitH[a] = hcount[a]; continue; }
            int aromaticBonds = 0;
            for (int p = g.Start[a]; p < g.Start[a + 1]; p++) if (g.BondArray[g.NbrBond[p]].Kind == BondKind.Aromatic) aromaticBonds++;
            g.ImplicitH[a] = SmilesAtom.ImpliedHydrogens(z[a], arom[a], g.BondOrderSum(a), aromaticBonds);
        }
        return g;
    }

    private static FormatException Error(string s, int pos, string what) => new($"SMILES '{s}' at position {pos}: {what}.");

    private static bool TryOrganic(string s, int i, out int z, out bool aromatic, out int len)
    {
        aromatic = false; len = 1; z = 0;
        char c = s[i];
        char next = i + 1 < s.Length ? s[i + 1] : '\0';
        switch (c)
        {
            case 'C': if (next == 'l') { z = 17; len = 2; } else z = 6; return true;
            case 'B': if (next == 'r') { z = 35; len = 2; } else z = 5; return true;
            case 'N': z = 7; return true;
            case 'O': z = 8; return true;
            case 'P': z = 15; return true;
            case 'S': z = 16; return true;
            case 'F': z = 9; return true;
            case 'I': z = 53; return true;
            case 'b': z = 5; aromatic = true; return true;
            case 'c': z = 6; aromatic = true; return true;
            case 'n': z = 7; aromatic = true; return true;
            case 'o': z = 8; aromatic = true; return true;
            case 'p': z = 15; aromatic = true; return true;
            case 's': z = 16; aromatic = true; return true;
            default: return false;
        }
    }

    private static void ParseBracket(string s, int from, int to, out int z, out bool aromatic, out int charge, out int h)
    {
        int i = from;
        while (i < to && char.IsAsciiDigit(s[i])) i++; // isotope
        if (i >= to || !char.IsAsciiLetter(s[i])) throw Error(s, i, "missing element in bracket atom");
        aromatic = char.IsLower(s[i]);
        string sym;
        if (aromatic)
        {
            string two = i + 1 < to ? s.Substring(i, 2) : "";
            if (two is "se" or "as" or "si" or "te") { sym = two; i += 2; }
            else { sym = s[i].ToString(); i++; }
        }
        else if (i + 1 < to && char.IsAsciiLetterLower(s[i + 1]) && Element.TryAtomicNumber(s.Substring(i, 2), out _))
        {
            sym = s.Substring(i, 2); i += 2;
        }
        else { sym = s[i].ToString(); i++; }
        if (!Element.TryAtomicNumber(sym, out z)) throw Error(s, i, $"unknown element '{sym}'");
        while (i < to && s[i] == '@') i++; // chirality
        if (i + 1 < to && (s.AsSpan(i, 2).SequenceEqual("TH") || s.AsSpan(i, 2).SequenceEqual("AL") || s.AsSpan(i, 2).SequenceEqual("SP")))
            throw Error(s, i, "extended chirality is not supported");
        h = 0;
        if (i < to && s[i] == 'H')
        {
            i++; h = 1;
            if (i < to && char.IsAsciiDigit(s[i])) { h = s[i] - '0'; i++; }
        }
        charge = 0;
        if (i < to && (s[i] == '+' || s[i] == '-'))
        {
            char sign = s[i]; int mag = 1; i++;
            if (i < to && char.IsAsciiDigit(s[i])) { mag = s[i] - '0'; i++; }
            else while (i < to && s[i] == sign) { mag++; i++; }
            charge = sign == '+' ? mag : -mag;
        }
        if (i < to && s[i] == ':') { i++; while (i < to && char.IsAsciiDigit(s[i])) i++; }
        if (i != to) throw Error(s, i, "unexpected text in bracket atom");
    }
}
