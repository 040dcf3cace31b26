using Stp.Chemistry;
using Stp.Data;
using Stp.Randomness;

namespace Stp.Metrics.Properties;

/// <summary>
/// The property MAE of conditional generation (EDM's <c>eval_conditional_qm9.py</c>, FACTS 1.11):
/// MAE = mean over molecules of |MAD x pred + mean - target|, where the predictor's output is de-normalised with its own
/// statistics and the target of a generated molecule is the context it was sampled with, de-normalised (the value the
/// sampler writes into its properties).
/// </summary>
public static class PropertyMae
{
    /// <summary>mean |prediction - target|.</summary>
    public static double Compute(IReadOnlyList<double> predictions, IReadOnlyList<double> targets)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentNullException.ThrowIfNull(targets);
        if (predictions.Count != targets.Count) throw new ArgumentException($"{predictions.Count} predictions for {targets.Count} targets.");
        if (predictions.Count == 0) throw new ArgumentException("No molecules to compute an MAE over.");
        double sum = 0;
        for (int i = 0; i < predictions.Count; i++) sum += Math.Abs(predictions[i] - targets[i]);
        return sum / predictions.Count;
    }

    /// <summary>The value of <paramref name="property"/> of every molecule (an error names the first molecule without a finite value).</summary>
    public static double[] Targets(IReadOnlyList<Molecule> molecules, string property)
    {
        ArgumentNullException.ThrowIfNull(molecules);
        ArgumentNullException.ThrowIfNull(property);
        return molecules.Select((m, i) => ContextProperties.Value(m, property, i)).ToArray();
    }

    /// <summary>The predictor's MAE on <paramref name="molecules"/> against their <see cref="PropertyPredictor.Property"/> values.</summary>
    public static double Evaluate(PropertyPredictor predictor, IReadOnlyList<Molecule> molecules, int batchSize = 96)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        var targets = Targets(molecules, predictor.Property);
        return Compute(predictor.Predict(molecules, batchSize), targets);
    }

    /// <summary>
    /// EDM's 'naive' task: the predictor against the same molecules' labels in a random order (seeded), an upper bound
    /// that a generator with no control over the property would reach.
    /// </summary>
    public static double Shuffled(PropertyPredictor predictor, IReadOnlyList<Molecule> molecules, long seed = 0, int batchSize = 96)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        return Compute(predictor.Predict(molecules, batchSize), Shuffle(Targets(molecules, predictor.Property), seed));
    }

    /// <summary>A seeded permutation of <paramref name="values"/> (Fisher-Yates over the shuffle random domain).</summary>
    internal static double[] Shuffle(IReadOnlyList<double> values, long seed)
    {
        var v = values.ToArray();
        for (int i = v.Length - 1; i > 0; i--)
        {
            int j = (int)Math.Min(i, Math.Floor(CounterRandom.Uniform(RandomDomain.Shuffle, seed, -1, 0, i) * (i + 1)));
            (v[i], v[j]) = (v[j], v[i]);
        }
        return v;
    }
}
