using Stp.Chemistry;

namespace Stp.Metrics.Properties;

/// <summary>Computes <see cref="HeldOutMae"/>: a predictor and its baselines on held-out real molecules.</summary>
public static class HeldOutEvaluation
{
    /// <summary>
    /// The predictor's MAE on <paramref name="molecules"/> (the lower bound), the baselines' (when given) and the
    /// predictor against shuffled labels (seeded by <paramref name="seed"/>).
    /// </summary>
    public static HeldOutMae Evaluate(PropertyPredictor predictor, IReadOnlyList<Molecule> molecules, PropertyPredictor? numNodes = null,
        PropertyPredictor? naive = null, long seed = 0, int batchSize = 96)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        foreach (var b in new[] { numNodes, naive })
            if (b is not null && b.Property != predictor.Property)
                throw new ArgumentException($"The baseline predicts '{b.Property}', the predictor '{predictor.Property}'.");
        var targets = PropertyMae.Targets(molecules, predictor.Property);
        var predictions = predictor.Predict(molecules, batchSize);
        return new HeldOutMae(molecules.Count,
            PropertyMae.Compute(predictions, targets),
            numNodes is null ? null : PropertyMae.Compute(numNodes.Predict(molecules, batchSize), targets),
            naive is null ? null : PropertyMae.Compute(naive.Predict(molecules, batchSize), targets),
            PropertyMae.Compute(predictions, PropertyMae.Shuffle(targets, seed)));
    }
}
