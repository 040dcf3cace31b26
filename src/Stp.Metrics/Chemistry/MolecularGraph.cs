namespace Stp.Metrics.Chemistry;

/// <summary>
/// A molecular graph in the sense of RDKit's molecule after sanitisation: atoms (element, formal charge,
/// implicit hydrogen count, aromatic flag) and bonds. Hydrogens present in 3D data are ordinary atoms here;
/// "implicit" hydrogens are those the valence model adds to fill an atom's valence.
/// </summary>
public sealed class MolecularGraph
{
    private readonly int[] _z;
    private readonly int[] _charge;
    private readonly int[] _implicitH;
    private readonly bool[] _aromatic;
    private readonly GraphBond[] _bonds;
    // Adjacency in CSR form, neighbours in ascending atom index (RDKit's neighbour order for EDM-built molecules).
    private readonly int[] _start;
    private readonly int[] _nbrAtom;
    private readonly int[] _nbrBond;

    /// <summary>Creates a graph. Bonds must join distinct atoms, at most one bond per pair.</summary>
    /// <param name="atomicNumbers">Atomic number of each atom.</param>
    /// <param name="bonds">Bonds.</param>
    /// <param name="charges">Formal charges (default 0).</param>
    /// <param name="implicitHydrogens">Implicit hydrogen counts (default 0).</param>
    /// <param name="aromatic">Aromatic flags (default false).</param>
    /// <exception cref="ArgumentException">A bond refers to a missing atom, joins an atom to itself, or is repeated.</exception>
    public MolecularGraph(IReadOnlyList<int> atomicNumbers, IEnumerable<GraphBond> bonds,
        IReadOnlyList<int>? charges = null, IReadOnlyList<int>? implicitHydrogens = null, IReadOnlyList<bool>? aromatic = null)
    {
        ArgumentNullException.ThrowIfNull(atomicNumbers);
        ArgumentNullException.ThrowIfNull(bonds);
        int n = atomicNumbers.Count;
        _z = atomicNumbers.ToArray();
        _charge = charges?.ToArray() ?? new int[n];
        _implicitH = implicitHydrogens?.ToArray() ?? new int[n];
        _aromatic = aromatic?.ToArray() ?? new bool[n];
        if (_charge.Length != n || _implicitH.Length != n || _aromatic.Length != n)
            throw new ArgumentException("Per-atom arrays must all have one entry per atom.");
        _bonds = bonds.ToArray();
        var seen = new HashSet<long>();
        foreach (var b in _bonds)
        {
            if ((uint)b.Begin >= (uint)n || (uint)b.End >= (uint)n)
                throw new ArgumentException($"Bond {b.Begin}-{b.End} refers to a missing atom (graph has {n} atoms).", nameof(bonds));
            if (b.Begin == b.End) throw new ArgumentException($"Bond joins atom {b.Begin} to itself.", nameof(bonds));
            long key = (long)Math.Min(b.Begin, b.End) * n + Math.Max(b.Begin, b.End);
            if (!seen.Add(key)) throw new ArgumentException($"Atoms {b.Begin} and {b.End} are bonded twice.", nameof(bonds));
        }
        (_start, _nbrAtom, _nbrBond) = BuildAdjacency(n, _bonds);
    }

    // Trusted fast constructor (bonds already valid); arrays are taken over.
    internal MolecularGraph(int[] z, GraphBond[] bonds)
    {
        int n = z.Length;
        _z = z;
        _charge = new int[n];
        _implicitH = new int[n];
        _aromatic = new bool[n];
        _bonds = bonds;
        (_start, _nbrAtom, _nbrBond) = BuildAdjacency(n, bonds);
    }

    private static (int[], int[], int[]) BuildAdjacency(int n, GraphBond[] bonds)
    {
        var start = new int[n + 1];
        foreach (var b in bonds) { start[b.Begin + 1]++; start[b.End + 1]++; }
        for (int i = 0; i < n; i++) start[i + 1] += start[i];
        var fill = new int[n];
        var nbrAtom = new int[2 * bonds.Length];
        var nbrBond = new int[2 * bonds.Length];
        for (int k = 0; k < bonds.Length; k++)
        {
            var b = bonds[k];
            int p = start[b.Begin] + fill[b.Begin]++;
            nbrAtom[p] = b.End; nbrBond[p] = k;
            p = start[b.End] + fill[b.End]++;
            nbrAtom[p] = b.Begin; nbrBond[p] = k;
        }
        // Sort each neighbour list by atom index (insertion sort: lists are short).
        for (int a = 0; a < n; a++)
        {
            for (int i = start[a] + 1; i < start[a + 1]; i++)
            {
                int na = nbrAtom[i], nb = nbrBond[i], j = i - 1;
                while (j >= start[a] && nbrAtom[j] > na) { nbrAtom[j + 1] = nbrAtom[j]; nbrBond[j + 1] = nbrBond[j]; j--; }
                nbrAtom[j + 1] = na; nbrBond[j + 1] = nb;
            }
        }
        return (start, nbrAtom, nbrBond);
    }

    /// <summary>Number of atoms.</summary>
    public int AtomCount => _z.Length;

    /// <summary>Bonds, in the order they were given.</summary>
    public IReadOnlyList<GraphBond> Bonds => _bonds;

    /// <summary>Atomic number of atom <paramref name="atom"/>.</summary>
    public int AtomicNumber(int atom) => _z[atom];

    /// <summary>Formal charge of atom <paramref name="atom"/>.</summary>
    public int FormalCharge(int atom) => _charge[atom];

    /// <summary>Implicit hydrogens of atom <paramref name="atom"/> (hydrogens not present as atoms).</summary>
    public int ImplicitHydrogens(int atom) => _implicitH[atom];

    /// <summary>Whether atom <paramref name="atom"/> is aromatic.</summary>
    public bool IsAromatic(int atom) => _aromatic[atom];

    /// <summary>Number of bonded neighbours (explicit degree) of atom <paramref name="atom"/>.</summary>
    public int Degree(int atom) => _start[atom + 1] - _start[atom];

    /// <summary>Neighbours of atom <paramref name="atom"/> in ascending index order.</summary>
    public IEnumerable<int> Neighbors(int atom)
    {
        for (int p = _start[atom]; p < _start[atom + 1]; p++) yield return _nbrAtom[p];
    }

    // ---- internal fast access / mutation used by the sanitiser, aromaticity and SMILES code ----
    internal int[] Z => _z;
    internal int[] Charges => _charge;
    internal int[] ImplicitH => _implicitH;
    internal bool[] Aromatic => _aromatic;
    internal GraphBond[] BondArray => _bonds;
    internal int[] Start => _start;
    internal int[] NbrAtom => _nbrAtom;
    internal int[] NbrBond => _nbrBond;

    internal void SetBondKind(int bond, BondKind kind) => _bonds[bond] = _bonds[bond] with { Kind = kind };

    internal int BondBetween(int a, int b)
    {
        for (int p = _start[a]; p < _start[a + 1]; p++) if (_nbrAtom[p] == b) return _nbrBond[p];
        return -1;
    }

    /// <summary>Sum of bond orders of an atom with aromatic bonds counted as 1.5 (RDKit's valence contribution).</summary>
    internal double BondOrderSum(int atom)
    {
        double s = 0;
        for (int p = _start[atom]; p < _start[atom + 1]; p++)
            s += _bonds[_nbrBond[p]].Kind == BondKind.Aromatic ? 1.5 : (int)_bonds[_nbrBond[p]].Kind;
        return s;
    }

    /// <summary>Connected components, numbered in order of their lowest atom index (RDKit's GetMolFrags order).</summary>
    internal int[] Components(out int count)
    {
        int n = _z.Length;
        var comp = new int[n];
        Array.Fill(comp, -1);
        var stack = new int[Math.Max(1, n)];
        count = 0;
        for (int s = 0; s < n; s++)
        {
            if (comp[s] >= 0) continue;
            int top = 0;
            stack[top++] = s; comp[s] = count;
            while (top > 0)
            {
                int a = stack[--top];
                for (int p = _start[a]; p < _start[a + 1]; p++)
                {
                    int b = _nbrAtom[p];
                    if (comp[b] < 0) { comp[b] = count; stack[top++] = b; }
                }
            }
            count++;
        }
        return comp;
    }
}
