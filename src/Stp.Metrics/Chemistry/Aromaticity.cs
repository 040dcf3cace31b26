namespace Stp.Metrics.Chemistry;

/// <summary>
/// Aromaticity perception following RDKit's default ("RDKit") model as described in its documentation:
/// ring atoms are classified by the electrons they can give to a pi system (vacant / one / two / none), rings whose
/// atoms can all take part are candidates, and a candidate ring or a fused combination of up to six candidate rings
/// (sharing bonds) is aromatic when its electron count can satisfy 4n+2. Atoms of aromatic rings become aromatic;
/// ring bonds that occur once in the aromatic combination become aromatic bonds.
/// </summary>
internal static class Aromaticity
{
    private enum Donor : byte { None, Vacant, One, Two }

    private const int MaxFusedRingSize = 24;
    private const int MaxFusedRings = 6;

    public static void Perceive(MolecularGraph g, RingFinder.RingSet rings)
    {
        if (rings.AtomRings.Count == 0) return;
        int n = g.AtomCount;
        var donor = new Donor[n];
        var cand = new sbyte[n]; // 0 unknown, 1 yes, -1 no
        var candRings = new List<int>();
        for (int r = 0; r < rings.AtomRings.Count; r++)
        {
            bool all = true;
            foreach (var a in rings.AtomRings[r])
            {
                if (cand[a] == 0)
                {
                    donor[a] = DonorType(g, a, rings.BondInRing);
                    cand[a] = IsCandidate(g, a, donor[a]) ? (sbyte)1 : (sbyte)-1;
                }
                if (cand[a] < 0) { all = false; break; }
            }
            if (all) candRings.Add(r);
        }
        if (candRings.Count == 0) return;

        int nc = candRings.Count;
        // Ring neighbour map: candidate rings sharing at least one bond (rings up to 24 atoms).
        var neigh = new List<int>[nc];
        for (int i = 0; i < nc; i++) neigh[i] = new List<int>();
        for (int i = 0; i < nc; i++)
        {
            var bi = rings.BondRings[candRings[i]];
            if (bi.Length > MaxFusedRingSize) continue;
            for (int j = i + 1; j < nc; j++)
            {
                var bj = rings.BondRings[candRings[j]];
                if (bj.Length > MaxFusedRingSize) continue;
                if (ShareAny(bi, bj)) { neigh[i].Add(j); neigh[j].Add(i); }
            }
        }

        // Atoms of all candidate rings (RDKit stops growing combinations once all of them are aromatic).
        var allCandAtoms = new HashSet<int>();
        foreach (var r in candRings) foreach (var a in rings.AtomRings[r]) allCandAtoms.Add(a);

        var done = new bool[nc];
        for (int cur = 0; cur < nc; cur++)
        {
            if (done[cur]) continue;
            var fused = new List<int>();
            PickFused(cur, neigh, fused, done);
            HuckelOnFused(g, rings, candRings, fused, neigh, donor, allCandAtoms.Count);
        }
    }

    private static bool ShareAny(int[] a, int[] b)
    {
        int i = 0, j = 0; // both sorted
        while (i < a.Length && j < b.Length)
        {
            if (a[i] == b[j]) return true;
            if (a[i] < b[j]) i++; else j++;
        }
        return false;
    }

    private static void PickFused(int ring, List<int>[] neigh, List<int> res, bool[] done)
    {
        done[ring] = true;
        res.Add(ring);
        foreach (var nb in neigh[ring]) if (!done[nb]) PickFused(nb, neigh, res, done);
    }

    private static void HuckelOnFused(MolecularGraph g, RingFinder.RingSet rings, List<int> candRings, List<int> fused,
        List<int>[] neigh, Donor[] donor, int nAtoms)
    {
        int nr = fused.Count;
        var doneAtoms = new HashSet<int>();
        var union = new HashSet<int>();
        for (int size = 1; size <= Math.Min(nr, MaxFusedRings); size++)
        {
            if (doneAtoms.Count == nAtoms) break;
            var comb = new int[size];
            for (int i = 0; i < size; i++) comb[i] = i;
            while (true)
            {
                if (size == 1 || IsConnected(comb, fused, neigh))
                {
                    union.Clear();
                    foreach (var c in comb) foreach (var a in rings.AtomRings[candRings[fused[c]]]) union.Add(a);
                    int lo = 0, hi = 0;
                    foreach (var a in union)
                    {
                        switch (donor[a])
                        {
                            case Donor.One: lo += 1; hi += 1; break;
                            case Donor.Two: lo += 2; hi += 2; break;
                        }
                    }
                    if (Huckel(lo, hi)) Mark(g, rings, candRings, fused, comb, doneAtoms);
                }
                if (!NextCombination(comb, nr)) break;
            }
        }
    }

    private static bool Huckel(int lo, int hi)
    {
        if (hi >= 6)
        {
            for (int e = lo; e <= hi; e++) if ((e - 2) % 4 == 0) return true;
            return false;
        }
        return hi == 2;
    }

    private static void Mark(MolecularGraph g, RingFinder.RingSet rings, List<int> candRings, List<int> fused, int[] comb, HashSet<int> doneAtoms)
    {
        var aromatic = g.Aromatic;
        var count = new Dictionary<int, int>();
        foreach (var c in comb)
        {
            int r = candRings[fused[c]];
            foreach (var a in rings.AtomRings[r]) { aromatic[a] = true; doneAtoms.Add(a); }
            foreach (var b in rings.BondRings[r]) count[b] = count.TryGetValue(b, out var k) ? k + 1 : 1;
        }
        foreach (var (b, k) in count)
        {
            if (k != 1) continue;
            var kind = g.BondArray[b].Kind;
            if (kind is BondKind.Single or BondKind.Double) g.SetBondKind(b, BondKind.Aromatic);
        }
    }

    private static bool IsConnected(int[] comb, List<int> fused, List<int>[] neigh)
    {
        // Rings in comb (indices into fused) must form one connected piece of the neighbour map.
        var inSet = new HashSet<int>();
        foreach (var c in comb) inSet.Add(fused[c]);
        var seen = new HashSet<int> { fused[comb[0]] };
        var stack = new Stack<int>();
        stack.Push(fused[comb[0]]);
        while (stack.Count > 0)
        {
            int r = stack.Pop();
            foreach (var nb in neigh[r])
                if (inSet.Contains(nb) && seen.Add(nb)) stack.Push(nb);
        }
        return seen.Count == inSet.Count;
    }

    private static bool NextCombination(int[] comb, int n)
    {
        int k = comb.Length;
        int i = k - 1;
        while (i >= 0 && comb[i] == n - k + i) i--;
        if (i < 0) return false;
        comb[i]++;
        for (int j = i + 1; j < k; j++) comb[j] = comb[j - 1] + 1;
        return true;
    }

    // ---- atom classification ----

    private static int ExplicitValence(MolecularGraph g, int a) => (int)Math.Round(g.BondOrderSum(a) + 0.1);

    private static int CountElectrons(MolecularGraph g, int a)
    {
        int z = g.Z[a];
        int dv = ElementData.DefaultValence(z);
        if (dv <= 1) return -1;
        int degree = g.Degree(a) + g.ImplicitH[a];
        if (degree > 3) return -1;
        int nlp = Math.Max(ElementData.Outer(z) - dv - g.Charges[a], 0);
        int res = dv - degree + nlp;
        if (res > 1 && ExplicitValence(g, a) - g.Degree(a) > 1) res = 1;
        return res;
    }

    private static int NonCyclicMultipleBondPartner(MolecularGraph g, int a, bool[] bondInRing)
    {
        for (int p = g.Start[a]; p < g.Start[a + 1]; p++)
        {
            int b = g.NbrBond[p];
            if (!bondInRing[b] && g.BondArray[b].Kind is BondKind.Double or BondKind.Triple) return g.NbrAtom[p];
        }
        return -1;
    }

    private static bool HasCyclicMultipleBond(MolecularGraph g, int a, bool[] bondInRing)
    {
        for (int p = g.Start[a]; p < g.Start[a + 1]; p++)
        {
            int b = g.NbrBond[p];
            if (bondInRing[b] && g.BondArray[b].Kind is BondKind.Double or BondKind.Triple) return true;
        }
        return false;
    }

    private static Donor DonorType(MolecularGraph g, int a, bool[] bondInRing)
    {
        int nelec = CountElectrons(g, a);
        if (nelec < 0) return Donor.None;
        int who = NonCyclicMultipleBondPartner(g, a, bondInRing);
        if (nelec == 0)
        {
            if (who >= 0) return Donor.Vacant;
            return HasCyclicMultipleBond(g, a, bondInRing) ? Donor.One : Donor.None;
        }
        if (nelec == 1)
        {
            if (who >= 0)
                return ElementData.MoreElectronegative(g.Z[who], g.Z[a]) ? Donor.Vacant : Donor.One;
            if (ExplicitValence(g, a) != g.Degree(a)) return Donor.One;
            return g.Charges[a] == 1 ? Donor.Vacant : Donor.None;
        }
        if (who >= 0 && ElementData.MoreElectronegative(g.Z[who], g.Z[a])) nelec--;
        return nelec % 2 == 1 ? Donor.One : Donor.Two;
    }

    private static bool IsCandidate(MolecularGraph g, int a, Donor donor)
    {
        int z = g.Z[a];
        if (z > 18 && z != 34 && z != 52) return false;
        if (donor == Donor.None) return false;
        int dv = ElementData.DefaultValence(z);
        int total = ExplicitValence(g, a) + g.ImplicitH[a];
        if (dv > 0 && total > ElementData.DefaultValence(z - g.Charges[a])) return false;
        if (ExplicitValence(g, a) - g.Degree(a) > 1)
        {
            int mult = 0;
            for (int p = g.Start[a]; p < g.Start[a + 1]; p++)
                if (g.BondArray[g.NbrBond[p]].Kind is BondKind.Double or BondKind.Triple) mult++;
            if (mult > 1) return false;
        }
        return true;
    }
}
