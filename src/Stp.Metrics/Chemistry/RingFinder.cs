namespace Stp.Metrics.Chemistry;

/// <summary>
/// Ring perception: ring bonds (bonds that are not bridges) and the relevant cycles (every cycle that is not a
/// GF(2) sum of strictly shorter cycles), which is the "symmetrised SSSR" RDKit uses for aromaticity for all
/// practical molecules. Candidate cycles come from Horton's construction (one shortest-path tree per root).
/// </summary>
internal static class RingFinder
{
    internal sealed class RingSet
    {
        public required bool[] BondInRing { get; init; }
        public required List<int[]> AtomRings { get; init; }
        public required List<int[]> BondRings { get; init; }
    }

    private const int MaxCandidates = 4000;

    public static RingSet Find(MolecularGraph g)
    {
        int n = g.AtomCount;
        var bonds = g.BondArray;
        var bondInRing = FindRingBonds(g);
        var result = new RingSet { BondInRing = bondInRing, AtomRings = new List<int[]>(), BondRings = new List<int[]>() };
        int ringBondCount = 0;
        foreach (var r in bondInRing) if (r) ringBondCount++;
        if (ringBondCount == 0) return result;

        var start = g.Start; var nbrAtom = g.NbrAtom; var nbrBond = g.NbrBond;
        bool[] atomInRing = new bool[n];
        for (int k = 0; k < bonds.Length; k++)
            if (bondInRing[k]) { atomInRing[bonds[k].Begin] = true; atomInRing[bonds[k].End] = true; }

        int words = (bonds.Length + 63) >> 6;
        var candidates = new List<(int Length, ulong[] Bits, int[] Atoms, int[] BondIds)>();
        var seen = new HashSet<string>();
        var dist = new int[n];
        var parent = new int[n];
        var parentBond = new int[n];
        var queue = new int[n];
        var mark = new int[n];
        int stamp = 0;

        for (int root = 0; root < n; root++)
        {
            if (!atomInRing[root]) continue;
            Array.Fill(dist, -1);
            dist[root] = 0; parent[root] = -1; parentBond[root] = -1;
            int qh = 0, qt = 0;
            queue[qt++] = root;
            while (qh < qt)
            {
                int a = queue[qh++];
                for (int p = start[a]; p < start[a + 1]; p++)
                {
                    if (!bondInRing[nbrBond[p]]) continue;
                    int b = nbrAtom[p];
                    if (dist[b] >= 0) continue;
                    dist[b] = dist[a] + 1; parent[b] = a; parentBond[b] = nbrBond[p];
                    queue[qt++] = b;
                }
            }
            for (int k = 0; k < bonds.Length; k++)
            {
                if (!bondInRing[k]) continue;
                int x = bonds[k].Begin, y = bonds[k].End;
                if (dist[x] < 0 || dist[y] < 0) continue;
                if (parentBond[x] == k || parentBond[y] == k) continue;
                if (Math.Abs(dist[x] - dist[y]) > 1) continue;
                // paths x->root and y->root must share only the root
                stamp++;
                bool disjoint = true;
                for (int a = x; a != root; a = parent[a]) mark[a] = stamp;
                for (int a = y; a != root; a = parent[a]) if (mark[a] == stamp) { disjoint = false; break; }
                if (!disjoint) continue;
                int len = dist[x] + dist[y] + 1;
                var bits = new ulong[words];
                var atoms = new int[len];
                var bondIds = new int[len];
                int ai = 0, bi = 0;
                // atoms in ring order: root .. x, then y .. back to root
                var pathX = new List<int>();
                for (int a = x; a != -1; a = parent[a]) pathX.Add(a);
                pathX.Reverse(); // root ... x
                foreach (var a in pathX) atoms[ai++] = a;
                for (int a = y; a != root; a = parent[a]) atoms[ai++] = a;
                for (int a = x; a != root; a = parent[a]) { bits[parentBond[a] >> 6] |= 1UL << (parentBond[a] & 63); bondIds[bi++] = parentBond[a]; }
                for (int a = y; a != root; a = parent[a]) { bits[parentBond[a] >> 6] |= 1UL << (parentBond[a] & 63); bondIds[bi++] = parentBond[a]; }
                bits[k >> 6] |= 1UL << (k & 63); bondIds[bi++] = k;
                var key = string.Join(",", bits);
                if (!seen.Add(key)) continue;
                Array.Sort(bondIds);
                candidates.Add((len, bits, atoms, bondIds));
                if (candidates.Count > MaxCandidates) break;
            }
            if (candidates.Count > MaxCandidates) break;
        }

        // Deterministic order: length, then sorted bond ids.
        candidates.Sort((a, b) =>
        {
            int c = a.Length.CompareTo(b.Length);
            if (c != 0) return c;
            for (int i = 0; i < a.BondIds.Length; i++)
            {
                c = a.BondIds[i].CompareTo(b.BondIds[i]);
                if (c != 0) return c;
            }
            return 0;
        });

        // Relevant cycles: independent of all strictly shorter cycles.
        var basis = new List<(int Pivot, ulong[] Bits)>();
        int idx = 0;
        while (idx < candidates.Count)
        {
            int len = candidates[idx].Length;
            int end = idx;
            while (end < candidates.Count && candidates[end].Length == len) end++;
            int shorterBasis = basis.Count;
            var pending = new List<ulong[]>();
            for (int c = idx; c < end; c++)
            {
                var v = (ulong[])candidates[c].Bits.Clone();
                Reduce(v, basis, shorterBasis);
                if (IsZero(v)) continue;
                result.AtomRings.Add(candidates[c].Atoms);
                result.BondRings.Add(candidates[c].BondIds);
                pending.Add(v);
            }
            foreach (var v in pending)
            {
                Reduce(v, basis, basis.Count);
                if (!IsZero(v)) basis.Add((LowestBit(v), v));
            }
            idx = end;
        }
        return result;
    }

    private static void Reduce(ulong[] v, List<(int Pivot, ulong[] Bits)> basis, int count)
    {
        for (int i = 0; i < count; i++)
        {
            int p = basis[i].Pivot;
            if ((v[p >> 6] & (1UL << (p & 63))) == 0) continue;
            var b = basis[i].Bits;
            for (int w = 0; w < v.Length; w++) v[w] ^= b[w];
        }
    }

    private static bool IsZero(ulong[] v)
    {
        foreach (var w in v) if (w != 0) return false;
        return true;
    }

    private static int LowestBit(ulong[] v)
    {
        for (int w = 0; w < v.Length; w++)
            if (v[w] != 0) return (w << 6) + System.Numerics.BitOperations.TrailingZeroCount(v[w]);
        return -1;
    }

    /// <summary>Bonds that lie on a cycle (non-bridges), by an iterative lowlink search.</summary>
    internal static bool[] FindRingBonds(MolecularGraph g)
    {
        int n = g.AtomCount;
        var bonds = g.BondArray;
        var inRing = new bool[bonds.Length];
        if (bonds.Length < 3) return inRing;
        var start = g.Start; var nbrAtom = g.NbrAtom; var nbrBond = g.NbrBond;
        var disc = new int[n];
        var low = new int[n];
        var iter = new int[n];
        var viaBond = new int[n];
        var stack = new int[n];
        int time = 0;
        var isBridge = new bool[bonds.Length];
        for (int s = 0; s < n; s++)
        {
            if (disc[s] != 0) continue;
            int top = 0;
            stack[top++] = s; disc[s] = low[s] = ++time; iter[s] = start[s]; viaBond[s] = -1;
            while (top > 0)
            {
                int a = stack[top - 1];
                if (iter[a] < start[a + 1])
                {
                    int p = iter[a]++;
                    int b = nbrAtom[p], k = nbrBond[p];
                    if (k == viaBond[a]) continue;
                    if (disc[b] == 0)
                    {
                        disc[b] = low[b] = ++time; iter[b] = start[b]; viaBond[b] = k;
                        stack[top++] = b;
                    }
                    else if (disc[b] < low[a]) low[a] = disc[b];
                }
                else
                {
                    top--;
                    if (top > 0)
                    {
                        int parentAtom = stack[top - 1];
                        if (low[a] < low[parentAtom]) low[parentAtom] = low[a];
                        if (low[a] > disc[parentAtom]) isBridge[viaBond[a]] = true;
                    }
                }
            }
        }
        for (int k = 0; k < bonds.Length; k++) inRing[k] = !isBridge[k];
        return inRing;
    }
}
