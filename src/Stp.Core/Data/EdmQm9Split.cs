using Stp.Chemistry;
using Stp.Randomness;

namespace Stp.Data;

/// <summary>
/// EDM's exact QM9 splits (FACTS 1.10, 1.12), for a user with the full QM9: <see cref="Indices"/> is
/// <c>gen_splits_gdb9</c> (the 133,885 records minus the 3,054 of <c>uncharacterized.txt</c>, a numpy seed-0
/// permutation: 100,000 train, then 17,748 validation, then 13,083 test), and <see cref="Halves"/> is
/// <c>qm9_first_half</c> / <c>qm9_second_half</c> (a numpy seed-42 permutation of the 100,000 training molecules, first and
/// second 50,000). numpy's legacy generator is reproduced bit for bit (<c>NumpyLegacyRandom</c>).
/// </summary>
public static class EdmQm9Split
{
    /// <summary>Records in QM9 (dsgdb9nsd_000001 .. dsgdb9nsd_133885).</summary>
    public const int Records = 133_885;

    /// <summary>Molecules EDM excludes (<c>uncharacterized.txt</c>).</summary>
    public const int Excluded = 3_054;

    /// <summary>
    /// 0-based record indices of EDM's train, validation and test splits, each in EDM's order (the order of its npz files).
    /// </summary>
    /// <param name="excludedOneBased">The gdb indices (1-based) listed in <c>uncharacterized.txt</c>; EDM requires exactly 3,054.</param>
    /// <param name="records">Number of records (133,885).</param>
    public static (int[] Train, int[] Validation, int[] Test) Indices(IReadOnlyCollection<int> excludedOneBased, int records = Records)
    {
        ArgumentNullException.ThrowIfNull(excludedOneBased);
        var excluded = excludedOneBased.Select(i => i - 1).ToHashSet();
        if (excluded.Count != Excluded) throw new ArgumentException($"EDM excludes exactly {Excluded} molecules (uncharacterized.txt); got {excluded.Count}.", nameof(excludedOneBased));
        if (excluded.Any(i => i < 0 || i >= records)) throw new ArgumentException($"An excluded index is outside 1..{records}.", nameof(excludedOneBased));
        var included = Enumerable.Range(0, records).Where(i => !excluded.Contains(i)).ToArray();
        int n = included.Length, nTrain = 100_000, nTest = (int)(0.1 * n), nValid = n - nTrain - nTest;
        if (nValid < 0) throw new ArgumentException($"{n} molecules are fewer than EDM's 100,000 training molecules.", nameof(records));
        var perm = NumpyLegacyRandom.Permutation(n, 0);
        int[] Take(int start, int count) => perm.Skip(start).Take(count).Select(i => included[i]).ToArray();
        return (Take(0, nTrain), Take(nTrain, nValid), Take(nTrain + nValid, nTest));
    }

    /// <summary>qm9_first_half and qm9_second_half of EDM's training molecules (in EDM's order, e.g. its train.npz).</summary>
    public static (List<Molecule> FirstHalf, List<Molecule> SecondHalf) Halves(IReadOnlyList<Molecule> edmTrain)
    {
        ArgumentNullException.ThrowIfNull(edmTrain);
        var perm = NumpyLegacyRandom.Permutation(edmTrain.Count, 42);
        int half = edmTrain.Count / 2;
        return (perm.Take(half).Select(i => edmTrain[i]).ToList(), perm.Skip(half).Select(i => edmTrain[i]).ToList());
    }

    /// <summary>
    /// The conditional protocol on EDM's data: the predictor trains on qm9_first_half, the generator on
    /// qm9_second_half, and both validate on EDM's validation split, which also gives the mean and MAD of the property
    /// (<see cref="PropertyHalves.StatisticsFromValidation"/>).
    /// </summary>
    public static PropertyHalves Protocol(IReadOnlyList<Molecule> edmTrain, IReadOnlyList<Molecule> edmValidation)
    {
        var (first, second) = Halves(edmTrain);
        return new PropertyHalves(first, edmValidation, second, edmValidation) { StatisticsFromValidation = true };
    }
}
