using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Randomness;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Stp.Training;

/// <summary>
/// Trains a <see cref="DiffusionModel"/> — all of its parts (denoiser, trainable codec) in one optimiser — with EDM's
/// recipe: AdamW (amsgrad, lr 1e-4, wd 1e-12), an EMA of the weights, adaptive gradient clipping, an optional
/// learning-rate schedule and a dispose scope around every step. Batch order, time steps and noise are pure functions
/// of (seed, step), so a run resumed from a checkpoint continues exactly as an uninterrupted one. Sample with the EMA
/// weights through <see cref="UseEmaWeights"/>.
/// </summary>
public sealed class DiffusionTrainer : IDisposable
{
    private readonly IReadOnlyList<Molecule> _train;
    private readonly Device _device;
    private readonly ILogger _logger;
    private readonly AdamW _optimizer;
    private readonly List<(string Name, Parameter Param)> _params;
    private readonly Dictionary<string, Tensor> _ema = new(StringComparer.Ordinal);
    private readonly Func<Molecule, float[]>? _context;
    private int[] _order = Array.Empty<int>();
    private long _orderEpoch = -1;
    private bool _emaActive;

    /// <summary>Creates a trainer over the training molecules (they and their contexts are validated now, naming the offending index).</summary>
    public DiffusionTrainer(DiffusionModel model, IReadOnlyList<Molecule> trainingSet, TrainerOptions? options = null,
        Device? device = null, ILogger<DiffusionTrainer>? logger = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        _train = trainingSet ?? throw new ArgumentNullException(nameof(trainingSet));
        if (_train.Count == 0) throw new ArgumentException("The training set is empty.", nameof(trainingSet));
        Options = options ?? new TrainerOptions();
        _device = device ?? CPU;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var vocabulary = model.Codec.Features.Vocabulary;
        for (int i = 0; i < _train.Count; i++)
        {
            var m = _train[i];
            if (m.AtomCount == 0 || !m.HasFiniteCoordinates || m.AtomicNumbers.Any(z => vocabulary.IndexOf(z) < 0))
                throw new ArgumentException($"Training molecule {i} (id {m.Id ?? "?"}) is unusable: zero atoms, non-finite coordinates or an element outside the '{vocabulary.Name}' vocabulary.", nameof(trainingSet));
        }
        model.ValidateSizes(_train.Select(m => m.AtomCount).Distinct());
        _context = Options.Context ?? (model.Context is { } cp ? cp.Normalize : null);
        if (model.ContextCount > 0)
        {
            if (_context is null)
                throw new ArgumentException($"The denoiser is conditional ({model.ContextCount} context channels): set TrainerOptions.Context or the model's Context.", nameof(options));
            for (int i = 0; i < _train.Count; i++)
            {
                var c = _context(_train[i]);
                if (c.Length != model.ContextCount || c.Any(v => !float.IsFinite(v)))
                    throw new ArgumentException($"Training molecule {i} (id {_train[i].Id ?? "?"}): context has {c.Length} values ({string.Join(", ", c)}), the denoiser expects {model.ContextCount} finite values.", nameof(trainingSet));
            }
        }
        else _context = null;
        foreach (var part in model.Parts) part.Module.to(_device);
        _params = model.Parts.SelectMany(part => part.Module.named_parameters()
            .Where(p => p.parameter.requires_grad).Select(p => (part.Name + "." + p.name, p.parameter))).ToList();
        if (_params.Count == 0) throw new ArgumentException("The model has no trainable parameters.", nameof(model));
        _optimizer = optim.AdamW(_params.Select(p => p.Param), lr: Options.LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8,
            weight_decay: Options.WeightDecay, amsgrad: Options.AmsGrad);
        if (Options.EmaDecay > 0)
            foreach (var (name, p) in _params) _ema[name] = p.detach().clone();
    }

    /// <summary>The model being trained.</summary>
    public DiffusionModel Model { get; }

    /// <summary>Options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>Steps completed.</summary>
    public long Step { get; private set; }

    /// <summary>The gradient clipper (its history is checkpointed).</summary>
    public AdaptiveGradientClipper Clipper { get; } = new();

    /// <summary>Steps per epoch.</summary>
    public long StepsPerEpoch => (_train.Count + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>The learning rate of the next step.</summary>
    public double CurrentLearningRate => Options.LearningRateSchedule?.LearningRate(Step, Options.LearningRate) ?? Options.LearningRate;

    /// <summary>The molecule indices of the batch of step <paramref name="step"/> (seeded shuffle per epoch).</summary>
    public int[] BatchIndices(long step)
    {
        long epoch = step / StepsPerEpoch;
        if (epoch != _orderEpoch)
        {
            _order = Enumerable.Range(0, _train.Count).ToArray();
            for (int i = _order.Length - 1; i > 0; i--)
            {
                int j = (int)Math.Min(i, Math.Floor(CounterRandom.Uniform(RandomDomain.Shuffle, Options.Seed, epoch, 0, i) * (i + 1)));
                (_order[i], _order[j]) = (_order[j], _order[i]);
            }
            _orderEpoch = epoch;
        }
        int start = (int)(step % StepsPerEpoch) * Options.BatchSize;
        return _order.Skip(start).Take(Options.BatchSize).ToArray();
    }

    /// <summary>Runs one training step (forward, backward, clip, AdamW, EMA) inside a dispose scope.</summary>
    public TrainingProgress TrainStep()
    {
        if (_emaActive) throw new InvalidOperationException("The EMA weights are swapped in (UseEmaWeights); dispose that scope before training.");
        var sw = Stopwatch.StartNew();
        foreach (var part in Model.Parts) part.Module.train();
        using var scope = NewDisposeScope();
        var idx = BatchIndices(Step);
        using var batch = MoleculeBatch.Create(idx.Select(i => _train[i]).ToList(), Model.Codec.Features, _device, moleculeIds: idx, context: _context);
        double lr = CurrentLearningRate;
        foreach (var g in _optimizer.ParamGroups) g.LearningRate = lr;
        _optimizer.zero_grad();
        var loss = Model.TrainingLoss(batch, Options.Seed, Step);
        loss.Loss.backward();
        double lossValue = loss.Loss.item<float>();
        if (!double.IsFinite(lossValue))
            throw new InvalidOperationException($"Training diverged: loss is {lossValue} at step {Step}. Lower the learning rate or resume from the last checkpoint.");
        double gradNorm, maxNorm = double.PositiveInfinity;
        if (Options.ClipGradients)
        {
            maxNorm = Clipper.MaxNorm;
            gradNorm = nn.utils.clip_grad_norm_(_params.Select(p => p.Param), maxNorm, 2.0);
            Clipper.Record(gradNorm, maxNorm);
            if (gradNorm > maxNorm) _logger.LogDebug("Clipped gradient with norm {Norm:F1} to {Max:F1}", gradNorm, maxNorm);
        }
        else
        {
            // Measure the norm without clipping (libtorch converts the bound to float32: double.MaxValue overflows).
            gradNorm = nn.utils.clip_grad_norm_(_params.Select(p => p.Param), float.MaxValue, 2.0);
        }
        _optimizer.step();
        if (_ema.Count > 0)
        {
            using var noGrad = no_grad();
            double b = Options.EmaDecay;
            foreach (var (name, p) in _params) _ema[name].mul_(b).add_(p.detach(), alpha: 1 - b);
        }
        var progress = new TrainingProgress(Step + 1, Step / StepsPerEpoch, lossValue, gradNorm, gradNorm > maxNorm, sw.Elapsed.TotalSeconds);
        Step++;
        return progress;
    }

    /// <summary>
    /// Swaps the EMA weights (the ones EDM samples, validates and saves with) into the model until the returned scope
    /// is disposed, which restores the live weights: <c>using (trainer.UseEmaWeights()) sampler.Sample(...);</c>.
    /// Without an EMA (decay 0) the live weights are used and nothing is swapped.
    /// </summary>
    public IDisposable UseEmaWeights()
    {
        if (_emaActive) throw new InvalidOperationException("The EMA weights are already swapped in.");
        if (_ema.Count == 0) return new Restore(() => { });
        Dictionary<string, Tensor> live;
        using (var noGrad = no_grad())
        {
            live = _params.ToDictionary(p => p.Name, p => p.Param.detach().clone());
            foreach (var (name, p) in _params) p.detach().copy_(_ema[name]);
        }
        _emaActive = true;
        return new Restore(() =>
        {
            using var noGrad = no_grad();
            foreach (var (name, p) in _params) p.detach().copy_(live[name]);
            foreach (var t in live.Values) t.Dispose();
            _emaActive = false;
        });
    }

    /// <summary>Copies the EMA weights (or the live weights when the EMA is off) into another model of the same shape.</summary>
    public void CopyEmaWeightsTo(DiffusionModel target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var dst = target.Parts.SelectMany(part => part.Module.named_parameters().Select(p => (part.Name + "." + p.name, p.parameter)))
            .ToDictionary(p => p.Item1, p => p.parameter);
        using var noGrad = no_grad();
        foreach (var (name, p) in _params)
        {
            if (!dst.TryGetValue(name, out var d) || !d.shape.SequenceEqual(p.shape))
                throw new ArgumentException($"The target model has no parameter '{name}' of shape [{string.Join(", ", p.shape)}].", nameof(target));
            d.detach().copy_(_ema.TryGetValue(name, out var e) ? e : p);
        }
    }

    /// <summary>
    /// Saves a checkpoint atomically: the EMA weights (so the file loads as a model with <see cref="DiffusionModel.Load"/>),
    /// the live weights, the optimizer state, step, seed, clipping history and <paramref name="metadata"/>.
    /// </summary>
    public void SaveCheckpoint(string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        TrainerCheckpoint.Save(this, path, metadata);

    /// <summary>Restores a checkpoint written by <see cref="SaveCheckpoint"/> (same model shape); returns its caller metadata.</summary>
    public IReadOnlyDictionary<string, string> LoadCheckpoint(string path)
    {
        var state = TrainerCheckpoint.Load(this, path);
        Step = state.Step;
        Clipper.Restore(state.ClipHistory);
        _logger.LogInformation("Resumed from {Path} at step {Step}", path, Step);
        return state.Metadata;
    }

    internal IReadOnlyList<(string Name, Parameter Param)> Parameters => _params;

    internal IReadOnlyDictionary<string, Tensor> EmaWeights => _ema;

    internal AdamW Optimizer => _optimizer;

    /// <inheritdoc />
    public void Dispose()
    {
        _optimizer.Dispose();
        foreach (var t in _ema.Values) t.Dispose();
    }

    private sealed class Restore(Action action) : IDisposable
    {
        private Action? _action = action;

        public void Dispose()
        {
            _action?.Invoke();
            _action = null;
        }
    }
}
