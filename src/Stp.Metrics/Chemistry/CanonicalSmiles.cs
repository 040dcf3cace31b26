using System.Text;
using Stp.Chemistry;

namespace Stp.Metrics.Chemistry;

/// <summary>
/// Canonical SMILES in aromatic form. Atoms are ranked by graph invariants (element, aromaticity, charge,
/// implicit hydrogens, degree, ring membership), refined iteratively with neighbour ranks and bond types; remaining
/// ties (symmetry-equivalent atoms) are broken one at a time with re-refinement. The string is written by a
/// depth-first walk in rank order, so two atom orderings or two Kekulé drawings (after aromaticity perception)
/// of one molecule give one string. Hydrogens that are atoms of the graph are written as <c>[H]</c>.
/// The strings are canonical for this library; they are not byte-identical to RDKit's.
/// </summary>
public static class CanonicalSmiles
{
    /// <summary>SMILES of the whole graph; fragments are written separately, sorted, and joined with '.'.</summary>
    public static string Write(MolecularGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var comp = graph.Components(out int count);
        if (count == 0) return "";
        if (count == 1) return WriteComponent(graph, comp, 0);
        var parts = new string[count];
        for (int c = 0; c < count; c++) parts[c] = WriteComponent(graph, comp, c);
        Array.Sort(parts, StringComparer.Ordinal);
        return string.Join(".", parts);
    }

    /// <summary>
    /// SMILES of the largest fragment (most atoms, hydrogens included; the first fragment in order of lowest atom
    /// index on ties), which is what EDM's validity metric keeps.
    /// </summary>
    public static string WriteLargestFragment(MolecularGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var comp = graph.Components(out int count);
        if (count == 0) return "";
        return WriteComponent(graph, comp, LargestComponent(comp, count));
    }

    internal static int LargestComponent(int[] comp, int count)
    {
        if (count == 1) return 0;
        var sizes = new int[count];
        foreach (var c in comp) sizes[c]++;
        int best = 0;
        for (int c = 1; c < count; c++) if (sizes[c] > sizes[best]) best = c;
        return best;
    }

    internal static string WriteComponent(MolecularGraph g, int[] comp, int which)
    {
        int n = 0;
        for (int a = 0; a < comp.Length; a++) if (comp[a] == which) n++;
        var atoms = new int[n];
        var local = new int[comp.Length];
        int m = 0;
        for (int a = 0; a < comp.Length; a++)
        {
            if (comp[a] == which) { local[a] = m; atoms[m++] = a; }
            else local[a] = -1;
        }
        return new Ranker(g, atoms, local).Canonical();
    }

    // ---------------- canonical ranking ----------------

    /// <summary>
    /// Canonical labelling by individualisation and refinement: refine ranks; while ties remain, individualise each
    /// atom of the first tied class of non-terminal atoms in turn (terminal atoms tied after all others are discrete
    /// share a neighbour and are interchangeable) and keep the smallest SMILES over all leaves. Trees larger than a
    /// budget fall back to individualising the first tied atom at each level.
    /// </summary>
    private sealed class Ranker
    {
        private const int LeafBudget = 256;
        private readonly MolecularGraph _g;
        private readonly int[] _atoms;
        private readonly int[] _local;
        private readonly int[] _nStart, _nAtom, _nCode, _degree;
        private readonly long[] _codes;
        private readonly int[] _order, _newRank;
        private int _leaves;

        public Ranker(MolecularGraph g, int[] atoms, int[] local)
        {
            _g = g; _atoms = atoms; _local = local;
            int n = atoms.Length;
            _nStart = new int[n + 1];
            _degree = new int[n];
            for (int i = 0; i < n; i++) { _degree[i] = g.Degree(atoms[i]); _nStart[i + 1] = _nStart[i] + _degree[i]; }
            _nAtom = new int[_nStart[n]];
            _nCode = new int[_nStart[n]];
            for (int i = 0; i < n; i++)
            {
                int a = atoms[i], q = _nStart[i];
                for (int p = g.Start[a]; p < g.Start[a + 1]; p++, q++)
                {
                    _nAtom[q] = local[g.NbrAtom[p]];
                    _nCode[q] = (int)g.BondArray[g.NbrBond[p]].Kind;
                }
            }
            _codes = new long[_nStart[n]];
            _order = new int[n];
            _newRank = new int[n];
        }

        public string Canonical()
        {
            var rank = InitialRanks();
            Refine(rank, CountClasses(rank), _nStart, _nAtom, _nCode, _codes, _order, _newRank);
            _leaves = 0;
            var best = Search(rank, exhaustive: true);
            if (best is null)
            {
                rank = InitialRanks();
                Refine(rank, CountClasses(rank), _nStart, _nAtom, _nCode, _codes, _order, _newRank);
                best = Search(rank, exhaustive: false)!;
            }
            return best;
        }

        private int[] InitialRanks()
        {
            var g = _g;
            int n = _atoms.Length;
            var ringBond = RingFinder.FindRingBonds(g);
            var inv = new long[n];
            for (int i = 0; i < n; i++)
            {
                int a = _atoms[i];
                bool inRing = false;
                for (int p = g.Start[a]; p < g.Start[a + 1]; p++) if (ringBond[g.NbrBond[p]]) { inRing = true; break; }
                inv[i] = ((long)g.Z[a] << 24) | ((g.Aromatic[a] ? 1L : 0L) << 23) | ((long)(g.Charges[a] + 16 & 31) << 18)
                         | ((long)Math.Min(g.ImplicitH[a], 15) << 14) | ((long)Math.Min(g.Degree(a), 63) << 8) | (inRing ? 1L : 0L);
            }
            return RankFromKeys(inv);
        }

        /// <summary>Returns the smallest string below this node, or null when the exhaustive budget ran out.</summary>
        private string? Search(int[] rank, bool exhaustive)
        {
            int n = rank.Length;
            var count = new int[n];
            foreach (var r in rank) count[r]++;
            int tied = -1;
            bool terminalOnly = false;
            for (int r = 0; r < n && tied < 0; r++)
                if (count[r] > 1)
                    for (int i = 0; i < n; i++)
                        if (rank[i] == r && _degree[i] > 1) { tied = r; break; }
            if (tied < 0)
            {
                for (int r = 0; r < n; r++) if (count[r] > 1) { tied = r; terminalOnly = true; break; }
            }
            if (tied < 0)
            {
                if (exhaustive && ++_leaves > LeafBudget) return null;
                return new Writer(_g, _atoms, _local, rank).Run();
            }
            string? best = null;
            for (int chosen = 0; chosen < n; chosen++)
            {
                if (rank[chosen] != tied) continue;
                var keys = new long[n];
                for (int i = 0; i < n; i++) keys[i] = 2L * rank[i] + (rank[i] == tied && i != chosen ? 1 : 0);
                var child = RankFromKeys(keys);
                Refine(child, CountClasses(child), _nStart, _nAtom, _nCode, _codes, _order, _newRank);
                var s = Search(child, exhaustive);
                if (s is null) return null;
                if (best is null || string.CompareOrdinal(s, best) < 0) best = s;
                if (!exhaustive || terminalOnly) break;
            }
            return best;
        }
    }

    private static int CountClasses(int[] rank)
    {
        var seen = new bool[rank.Length];
        int c = 0;
        foreach (var r in rank) if (!seen[r]) { seen[r] = true; c++; }
        return c;
    }

    /// <summary>Rank = number of atoms with a strictly smaller key.</summary>
    private static int[] RankFromKeys(long[] keys)
    {
        int n = keys.Length;
        var idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        Array.Sort((long[])keys.Clone(), idx);
        var rank = new int[n];
        for (int i = 0; i < n; i++)
            rank[idx[i]] = i > 0 && keys[idx[i]] == keys[idx[i - 1]] ? rank[idx[i - 1]] : i;
        return rank;
    }

    private static int Refine(int[] rank, int classes, int[] nStart, int[] nAtom, int[] nCode, long[] codes, int[] order, int[] newRank)
    {
        int n = rank.Length;
        while (true)
        {
            for (int i = 0; i < n; i++)
            {
                int s = nStart[i], e = nStart[i + 1];
                for (int q = s; q < e; q++) codes[q] = (long)rank[nAtom[q]] * 8 + nCode[q];
                Array.Sort(codes, s, e - s);
                order[i] = i;
            }
            Array.Sort(order, (x, y) =>
            {
                int c = rank[x].CompareTo(rank[y]);
                if (c != 0) return c;
                int sx = nStart[x], sy = nStart[y], lx = nStart[x + 1] - sx, ly = nStart[y + 1] - sy;
                int l = Math.Min(lx, ly);
                for (int k = 0; k < l; k++)
                {
                    c = codes[sx + k].CompareTo(codes[sy + k]);
                    if (c != 0) return c;
                }
                c = lx.CompareTo(ly);
                return c;
            });
            int distinct = 0;
            for (int k = 0; k < n; k++)
            {
                int i = order[k];
                if (k > 0 && Same(order[k - 1], i, rank, nStart, codes)) newRank[i] = newRank[order[k - 1]];
                else { newRank[i] = k; distinct++; }
            }
            Array.Copy(newRank, rank, n);
            if (distinct == classes) return distinct;
            classes = distinct;
        }
    }

    private static bool Same(int x, int y, int[] rank, int[] nStart, long[] codes)
    {
        if (rank[x] != rank[y]) return false;
        int sx = nStart[x], sy = nStart[y], lx = nStart[x + 1] - sx;
        if (lx != nStart[y + 1] - sy) return false;
        for (int k = 0; k < lx; k++) if (codes[sx + k] != codes[sy + k]) return false;
        return true;
    }

    // ---------------- writing ----------------

    private sealed class Writer
    {
        private readonly MolecularGraph _g;
        private readonly int[] _atoms;
        private readonly int[] _local;
        private readonly int[] _rank;
        private readonly bool[] _visited;
        private readonly bool[] _bondUsed;
        private readonly List<int>[] _children;
        private readonly int[] _parentBond;
        private readonly List<(int Bond, int Partner, bool Opening)>[] _closures;
        private readonly StringBuilder _sb = new();
        private readonly List<int> _freeDigits = new();
        private readonly Dictionary<int, int> _bondDigit = new();
        private int _nextDigit = 1;

        public Writer(MolecularGraph g, int[] atoms, int[] local, int[] rank)
        {
            _g = g; _atoms = atoms; _local = local; _rank = rank;
            int n = atoms.Length;
            _visited = new bool[n];
            _bondUsed = new bool[g.BondArray.Length];
            _children = new List<int>[n];
            _closures = new List<(int, int, bool)>[n];
            _parentBond = new int[n];
            for (int i = 0; i < n; i++) { _children[i] = new List<int>(); _closures[i] = new List<(int, int, bool)>(); }
        }

        public string Run()
        {
            int n = _atoms.Length;
            int startAtom = 0;
            for (int i = 1; i < n; i++) if (_rank[i] < _rank[startAtom]) startAtom = i;
            _parentBond[startAtom] = -1;
            Build(startAtom);
            Emit(startAtom);
            return _sb.ToString();
        }

        private List<(int Local, int Bond)> SortedNeighbours(int i)
        {
            int a = _atoms[i];
            var list = new List<(int, int)>(_g.Degree(a));
            for (int p = _g.Start[a]; p < _g.Start[a + 1]; p++) list.Add((_local[_g.NbrAtom[p]], _g.NbrBond[p]));
            list.Sort((x, y) => _rank[x.Item1].CompareTo(_rank[y.Item1]));
            return list;
        }

        private void Build(int i)
        {
            _visited[i] = true;
            foreach (var (j, bond) in SortedNeighbours(i))
            {
                if (_bondUsed[bond]) continue;
                if (_visited[j])
                {
                    // ring closure: opened at the ancestor j, closed here
                    _bondUsed[bond] = true;
                    _closures[j].Add((bond, i, true));
                    _closures[i].Add((bond, j, false));
                    continue;
                }
                _bondUsed[bond] = true;
                _parentBond[j] = bond;
                _children[i].Add(j);
                Build(j);
            }
        }

        private void Emit(int i)
        {
            AppendAtom(i);
            // openings first (allocate digits), then closings (free digits)
            foreach (var (bond, partner, opening) in _closures[i])
            {
                if (!opening) continue;
                AppendBond(bond, i, partner);
                int d = AllocateDigit();
                _bondDigit[bond] = d;
                AppendDigit(d);
            }
            foreach (var (bond, _, opening) in _closures[i])
            {
                if (opening) continue;
                int d = _bondDigit[bond];
                AppendDigit(d);
                _freeDigits.Add(d);
            }
            var kids = _children[i];
            for (int k = 0; k < kids.Count; k++)
            {
                int j = kids[k];
                bool branch = k < kids.Count - 1;
                if (branch) _sb.Append('(');
                AppendBond(_parentBond[j], i, j);
                Emit(j);
                if (branch) _sb.Append(')');
            }
        }

        private int AllocateDigit()
        {
            if (_freeDigits.Count > 0)
            {
                _freeDigits.Sort();
                int d = _freeDigits[0];
                _freeDigits.RemoveAt(0);
                return d;
            }
            return _nextDigit++;
        }

        private void AppendDigit(int d)
        {
            if (d < 10) _sb.Append((char)('0' + d));
            else _sb.Append('%').Append(d);
        }

        private void AppendBond(int bond, int i, int j)
        {
            switch (_g.BondArray[bond].Kind)
            {
                case BondKind.Single:
                    if (_g.Aromatic[_atoms[i]] && _g.Aromatic[_atoms[j]]) _sb.Append('-');
                    break;
                case BondKind.Double: _sb.Append('='); break;
                case BondKind.Triple: _sb.Append('#'); break;
                case BondKind.Aromatic:
                    if (!(_g.Aromatic[_atoms[i]] && _g.Aromatic[_atoms[j]])) _sb.Append(':');
                    break;
            }
        }

        private void AppendAtom(int i)
        {
            int a = _atoms[i];
            SmilesAtom.Append(_sb, _g.Z[a], _g.Aromatic[a], _g.Charges[a], _g.ImplicitH[a], _g.BondOrderSum(a), CountAromaticBonds(a));
        }

        private int CountAromaticBonds(int a)
        {
            int c = 0;
            for (int p = _g.Start[a]; p < _g.Start[a + 1]; p++) if (_g.BondArray[_g.NbrBond[p]].Kind == BondKind.Aromatic) c++;
            return c;
        }
    }
}
