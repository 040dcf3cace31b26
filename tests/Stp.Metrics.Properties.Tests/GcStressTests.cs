using System.Globalization;
using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Testing;

namespace Stp.Metrics.Properties.Tests;

/// <summary>
/// The property predictor trains (forward, L1 loss, backward, Adam) and predicts while garbage collections are forced
/// continuously during the native calls: no TorchSharp temporary Scalar may be freed mid-call (issue 13; TorchSharp's
/// own Adam crashed here before the trainer moved to Core's rooted-scalar optimiser).
/// </summary>
[NonParallelizable]
public class GcStressTests
{
    [Test]
    public void TrainingAndPredictionSurviveConstantGarbageCollection()
    {
        var alpha = new ContextProperties(new[] { "alpha" }, new[] { 75.0 }, new[] { 6.0 });
        var mols = Enumerable.Range(0, 40).Select(i =>
        {
            int n = 3 + i % 12;
            return new Molecule(Enumerable.Range(0, n).Select(a => a % 3 == 0 ? 6 : 1).ToArray(),
                Enumerable.Range(0, 3 * n).Select(k => 1.3 * Math.Sin(k * 0.9 + i)).ToArray(),
                new Dictionary<string, string> { ["alpha"] = (60 + 2.5 * n).ToString(CultureInfo.InvariantCulture) });
        }).ToList();
        using var p = PropertyPredictor.Create(PredictorOptions.Edm with { HiddenFeatures = 16, Layers = 2 }, alpha, seed: 4);
        int rounds = 0;
        using var gc = GcPressure.Start();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < 5)
        {
            var history = new PredictorTrainer(p, new PredictorTrainerOptions { Epochs = 2, BatchSize = 8, LearningRate = 1e-3, Seed = rounds }).Train(mols, mols);
            Assert.That(history.All(e => double.IsFinite(e.TrainLoss) && double.IsFinite(e.ValidationMae)));
            Assert.That(p.Predict(mols).All(double.IsFinite));
            rounds++;
        }
        TestContext.Out.WriteLine($"{rounds} x 2 training epochs + prediction under {gc.Collections} forced collections");
        Assert.That(gc.Collections, Is.GreaterThan(100), "the collector really ran during the native calls");
    }
}
