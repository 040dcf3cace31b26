using Stp.Chemistry;
using Stp.Randomness;

namespace Stp.Data;

/// <summary>
/// The data protocol of conditional generation (EDM, FACTS 1.10), scaled to the molecules at hand: a seeded permutation
/// splits them into two halves, the first for the property predictor and the second for the conditional generator, and
/// each half keeps a validation part. EDM halves its 100,000 QM9 training molecules (qm9_first_half / qm9_second_half) and
/// validates both on QM9's validation split; here only the 13,083 molecules of EDM's test split carry properties, so the
/// halves are 6,541 + 6,542 molecules and the absolute MAEs are not comparable to the paper's table 2 (the protocol is).
/// </summary>
/// <param name="PredictorTrain">Training molecules of the property predictor.</param>
/// <param name="PredictorValidation">Model selection of the predictor (validation MAE).</param>
/// <param name="GeneratorTrain">Training molecules of the conditional generator (also the predictor's held-out test, as EDM's).</param>
/// <param name="GeneratorValidation">Validation part of the generator half.</param>
public sealed record PropertyHalves(IReadOnlyList<Molecule> PredictorTrain, IReadOnlyList<Molecule> PredictorValidation,
    IReadOnlyList<Molecule> GeneratorTrain, IReadOnlyList<Molecule> GeneratorValidation)
{
    /// <summary>The default seed of the halves (EDM's permutation seed).</summary>
    public const long DefaultSeed = 42;

    /// <summary>
    /// Whether the mean and MAD of a property (the generator's context normalisation and the predictor's targets) come
    /// from the validation parts, as EDM's <c>compute_mean_mad</c> does on its split (FACTS 1.10, 1.11): true for
    /// <see cref="EdmQm9Split.Protocol"/>; false for <see cref="Split"/>, whose validation parts are small (654 molecules
    /// of the shared data), so there the statistics come from the training parts.
    /// </summary>
    public bool StatisticsFromValidation { get; init; }

    /// <summary>The molecules the generator's context statistics (mean, MAD) are computed on; see <see cref="StatisticsFromValidation"/>.</summary>
    public IReadOnlyList<Molecule> GeneratorStatistics => StatisticsFromValidation ? GeneratorValidation : GeneratorTrain;

    /// <summary>The molecules the predictor's target statistics (mean, MAD) are computed on; see <see cref="StatisticsFromValidation"/>.</summary>
    public IReadOnlyList<Molecule> PredictorStatistics => StatisticsFromValidation ? PredictorValidation : PredictorTrain;

    /// <summary>
    /// Splits <paramref name="molecules"/>: a permutation drawn from <paramref name="seed"/> (Fisher-Yates over the split
    /// random domain, stream 2), the first floor(M / 2) molecules are the predictor half, the rest the generator half;
    /// in each half the first round(<paramref name="validationFraction"/> x size) molecules are its validation part.
    /// </summary>
    public static PropertyHalves Split(IReadOnlyList<Molecule> molecules, long seed = DefaultSeed, double validationFraction = 0.1)
    {
        ArgumentNullException.ThrowIfNull(molecules);
        if (!(validationFraction is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "Must be in [0, 1).");
        if (molecules.Count < 4) throw new ArgumentException($"{molecules.Count} molecules cannot be split into two halves with validation parts.", nameof(molecules));
        var order = Enumerable.Range(0, molecules.Count).ToArray();
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = (int)Math.Min(i, Math.Floor(CounterRandom.Uniform(RandomDomain.Split, seed, 2, 0, i) * (i + 1)));
            (order[i], order[j]) = (order[j], order[i]);
        }
        int half = molecules.Count / 2;
        var first = order.Take(half).Select(i => molecules[i]).ToList();
        var second = order.Skip(half).Select(i => molecules[i]).ToList();
        int v1 = (int)Math.Round(first.Count * validationFraction), v2 = (int)Math.Round(second.Count * validationFraction);
        return new PropertyHalves(first.Skip(v1).ToList(), first.Take(v1).ToList(), second.Skip(v2).ToList(), second.Take(v2).ToList());
    }
}
