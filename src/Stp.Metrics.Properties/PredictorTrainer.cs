using System.Diagnostics;
using Stp.Chemistry;
using Stp.Metrics.Properties.Modules;
using Stp.Randomness;
using Stp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Metrics.Properties;

/// <summary>
/// Trains a <see cref="PropertyPredictor"/> as EDM does (<c>main_qm9_prop.py</c>): Adam (lr 5e-4, weight decay 1e-16),
/// CosineAnnealingLR over the epochs stepped at the start of each epoch (epoch e trains at lr (1 + cos(pi (e + 1) / E)) / 2),
/// batch 96, L1 loss on (y - mean) / MAD; after every epoch the validation MAE, and the best epoch's weights are the ones
/// kept (model selection by validation MAE). Epoch shuffles are seeded; each step runs in a dispose scope.
/// </summary>
public sealed class PredictorTrainer
{
    /// <summary>Creates the trainer.</summary>
    public PredictorTrainer(PropertyPredictor predictor, PredictorTrainerOptions? options = null)
    {
        Predictor = predictor ?? throw new ArgumentNullException(nameof(predictor));
        Options = options ?? new PredictorTrainerOptions();
    }

    /// <summary>The predictor being trained.</summary>
    public PropertyPredictor Predictor { get; }

    /// <summary>Options.</summary>
    public PredictorTrainerOptions Options { get; }

    /// <summary>
    /// Trains on <paramref name="train"/>, selects on <paramref name="validation"/> and leaves the best weights in the
    /// predictor; returns every epoch. Property values are read from the molecules (EDM units; an error names a molecule without one).
    /// </summary>
    public IReadOnlyList<PredictorEpoch> Train(IReadOnlyList<Molecule> train, IReadOnlyList<Molecule> validation,
        IProgress<PredictorEpoch>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        if (train.Count == 0 || validation.Count == 0) throw new ArgumentException($"Need training and validation molecules (got {train.Count} and {validation.Count}).");
        var norm = Predictor.Normalization;
        var targets = PropertyMae.Targets(train, Predictor.Property).Select(v => (float)((v - norm.Means[0]) / norm.Mads[0])).ToArray();
        var validTargets = PropertyMae.Targets(validation, Predictor.Property);
        var net = Predictor.Network;
        // PyTorch's Adam (betas 0.9, 0.999, eps 1e-8, L2 weight decay), computed by Core's optimiser, which passes every
        // number as a rooted Scalar (TorchSharp's own optimisers create temporaries the GC can free mid-call).
        var parameters = net.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToList();
        using var adam = new AdamWOptimizer(parameters, Options.LearningRate, 0.9, 0.999, 1e-8, Options.WeightDecay, amsGrad: false, decoupledWeightDecay: false);
        var schedule = new CosineAnnealingSchedule(Options.Epochs);
        var history = new List<PredictorEpoch>();
        Dictionary<string, Tensor>? best = null;
        double bestMae = double.PositiveInfinity;
        var total = Stopwatch.StartNew();
        try
        {
            for (int epoch = 0; epoch < Options.Epochs; epoch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var sw = Stopwatch.StartNew();
                double lr = schedule.LearningRate(epoch + 1, Options.LearningRate);
                adam.LearningRate = lr;
                var order = Shuffle(train.Count, epoch);
                double lossSum = 0;
                net.train();
                for (int s = 0; s < order.Length; s += Options.BatchSize)
                {
                    using var scope = NewDisposeScope();
                    var idx = order.Skip(s).Take(Options.BatchSize).ToArray();
                    using var batch = PredictorBatch.Create(idx.Select(i => train[i]).ToList(), idx, Predictor.Vocabulary, Predictor.Device);
                    var y = tensor(idx.Select(i => targets[i]).ToArray(), device: Predictor.Device);
                    adam.ZeroGrad();
                    var loss = (net.Forward(batch) - y).abs().mean();
                    loss.backward();
                    adam.Step();
                    lossSum += loss.item<float>() * idx.Length;
                }
                double mae = PropertyMae.Compute(Predictor.Predict(validation, Options.BatchSize), validTargets);
                bool isBest = mae < bestMae;
                if (isBest)
                {
                    bestMae = mae;
                    if (best is not null) foreach (var t in best.Values) t.Dispose();
                    best = Snapshot(net);
                }
                var e = new PredictorEpoch(epoch, lr, lossSum / train.Count, mae, isBest, sw.Elapsed.TotalSeconds);
                history.Add(e);
                progress?.Report(e);
                if (Options.TimeBudget is TimeSpan tb && total.Elapsed >= tb) break;
            }
        }
        finally
        {
            if (best is not null)
            {
                using (no_grad())
                    foreach (var (name, p) in Models.StateDict.Entries(net)) p.copy_(best[name]);
                foreach (var t in best.Values) t.Dispose();
            }
            net.eval();
        }
        return history;
    }

    private int[] Shuffle(int count, long epoch)
    {
        var order = Enumerable.Range(0, count).ToArray();
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = (int)Math.Min(i, Math.Floor(CounterRandom.Uniform(RandomDomain.Shuffle, Options.Seed, epoch, 1, i) * (i + 1)));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private static Dictionary<string, Tensor> Snapshot(nn.Module module)
    {
        using var noGrad = no_grad();
        return Models.StateDict.Entries(module).ToDictionary(e => e.Name, e => e.Tensor.detach().clone().DetachFromDisposeScope());
    }
}
