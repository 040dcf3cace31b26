using Stp.Runtime;
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
    private readonly List<string> _skippedMolecules = new();
    private readonly Device _device;
    private readonly ILogger _logger;
    private readonly AdamWOptimizer _optimizer;
    private readonly List<(string Name, Parameter Param)> _params;
    private readonly Dictionary<string, Tensor> _ema = new(StringComparer.Ordinal);
    private readonly Func<Molecule, float[]>? _context;
    private int[] _order = Array.Empty<int>();
    private long _orderEpoch = -1;
    private long _skippedAtStart;
    private bool _emaActive;

    /// <summary>Creates a trainer over the training molecules (they and their contexts are validated now, naming the offending index).</summary>
    /// <param name="model">The model; its parts are moved to <paramref name="device"/>.</param>
    /// <param name="trainingSet">The training molecules.</param>
    /// <param name="options">Options (default: EDM's recipe).</param>
    /// <param name="device">Device to train on (default: the model's, <see cref="DiffusionModel.Device"/>); batches and
    /// noise are made there.</param>
    /// <param name="logger">Optional logger.</param>
    public DiffusionTrainer(DiffusionModel model, IReadOnlyList<Molecule> trainingSet, TrainerOptions? options = null,
        Device? device = null, ILogger<DiffusionTrainer>? logger = null)
    {
        TorchRuntime.EnsureAvailable();
        Model = model ?? throw new ArgumentNullException(nameof(model));
        ArgumentNullException.ThrowIfNull(trainingSet);
        if (trainingSet.Count == 0) throw new ArgumentException("The training set is empty.", nameof(trainingSet));
        Options = options ?? new TrainerOptions();
        _device = device ?? model.Device;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _context = Options.Context ?? (model.Context is { } cp ? cp.Normalize : null);
        if (model.ContextCount > 0 && _context is null)
            throw new ArgumentException($"The denoiser is conditional ({model.ContextCount} context channels): set TrainerOptions.Context or the model's Context.", nameof(options));
        if (model.ContextCount == 0 && _context is not null)
            throw new ArgumentException($"A context was given ({(Options.Context is not null ? "TrainerOptions.Context" : $"the model's Context: {string.Join(", ", model.Context!.Names)}")}) but the denoiser is unconditional (0 context channels); build the denoiser with ContextCount > 0 or drop the context.", nameof(options));
        var usable = new List<Molecule>(trainingSet.Count);
        for (int i = 0; i < trainingSet.Count; i++)
        {
            var problem = Problem(trainingSet[i]);
            if (problem is null) { usable.Add(trainingSet[i]); continue; }
            var what = $"Training molecule {i} (id {trainingSet[i].Id ?? "?"}) {problem}";
            if (!Options.SkipInvalidMolecules) throw new ArgumentException($"{what}. Fix the data or set TrainerOptions.SkipInvalidMolecules.", nameof(trainingSet));
            _skippedMolecules.Add(what);
        }
        if (usable.Count == 0) throw new ArgumentException($"No usable training molecule ({_skippedMolecules.Count} skipped; first: {_skippedMolecules[0]}).", nameof(trainingSet));
        if (_skippedMolecules.Count > 0) _logger.LogWarning("Skipped {Count} unusable training molecules; first: {First}", _skippedMolecules.Count, _skippedMolecules[0]);
        _train = usable;
        foreach (var part in model.Parts) part.Module.to(_device);
        _params = model.Parts.SelectMany(part => part.Module.named_parameters()
            .Where(p => p.parameter.requires_grad).Select(p => (part.Name + "." + p.name, p.parameter))).ToList();
        if (_params.Count == 0) throw new ArgumentException("The model has no trainable parameters.", nameof(model));
        _optimizer = new AdamWOptimizer(_params, Options.LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, Options.WeightDecay, Options.AmsGrad);
        if (Options.EmaDecay > 0)
            foreach (var (name, p) in _params) _ema[name] = p.detach().clone();
    }

    /// <summary>The model being trained.</summary>
    public DiffusionModel Model { get; }

    /// <summary>Options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>Steps completed.</summary>
    public long Step { get; private set; }

    /// <summary>The unusable training molecules that were skipped (<see cref="TrainerOptions.SkipInvalidMolecules"/>), each with its index, id and reason.</summary>
    public IReadOnlyList<string> SkippedMolecules => _skippedMolecules;

    private string? Problem(Molecule m)
    {
        var vocabulary = Model.Codec.Features.Vocabulary;
        if (m.AtomCount == 0) return "has zero atoms";
        if (!m.HasPlausibleCoordinates) return $"has a NaN, infinite or implausible coordinate (beyond {Molecule.MaxCoordinate:N0} Angstrom)";
        if (m.AtomicNumbers.FirstOrDefault(z => vocabulary.IndexOf(z) < 0) is int bad and > 0) return $"contains element Z={bad}, outside the '{vocabulary.Name}' vocabulary";
        try { Model.ValidateSizes(new[] { m.AtomCount }); }
        catch (ArgumentOutOfRangeException e) { return $"has N = {m.AtomCount} atoms, which the model cannot serve ({e.Message.Split('\n')[0]})"; }
        if (_context is not null)
        {
            float[] c;
            try { c = _context(m); }
            catch (ArgumentException e) { return $"has no usable context ({e.Message})"; }
            if (c.Length != Model.ContextCount || c.Any(v => !float.IsFinite(v)))
                return $"has a context of {c.Length} values ({string.Join(", ", c)}); the denoiser expects {Model.ContextCount} finite values";
        }
        return null;
    }

    /// <summary>
    /// Steps skipped so far because their loss or gradient was not finite (checkpointed; the limit
    /// <see cref="TrainerOptions.MaxSkippedSteps"/> counts those since the trainer started or resumed).
    /// </summary>
    public long SkippedSteps { get; private set; }

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
        double tBatch = sw.Elapsed.TotalSeconds;
        double lr = CurrentLearningRate;
        _optimizer.LearningRate = lr;
        _optimizer.ZeroGrad();
        var loss = Model.TrainingLoss(batch, Options.Seed, Step);
        double lossValue = loss.Loss.item<float>();
        double tForward = sw.Elapsed.TotalSeconds, tBackward = tForward;
        // Without clipping the norm is only measured (libtorch converts the bound to float32: double.MaxValue would overflow).
        double gradNorm = double.NaN, maxNorm = Options.ClipGradients ? Clipper.MaxNorm : float.MaxValue;
        if (double.IsFinite(lossValue))
        {
            loss.Loss.backward();
            tBackward = sw.Elapsed.TotalSeconds;
            gradNorm = nn.utils.clip_grad_norm_(_params.Select(p => p.Param), maxNorm, 2.0);
        }
        double tClip = sw.Elapsed.TotalSeconds;
        if (!double.IsFinite(lossValue) || !double.IsFinite(gradNorm))
        {
            SkippedSteps++;
            _optimizer.ZeroGrad();
            if (SkippedSteps - _skippedAtStart > Options.MaxSkippedSteps)
                throw new TrainingDivergedException(Step + 1, lossValue, gradNorm, SkippedSteps - _skippedAtStart, Options.MaxSkippedSteps);
            _logger.LogWarning("Skipped step {Step}: loss {Loss}, gradient norm {Norm} ({Count} skipped so far)", Step, lossValue, gradNorm, SkippedSteps);
            var skipped = new TrainingProgress(Step + 1, Step / StepsPerEpoch, lossValue, gradNorm, false, sw.Elapsed.TotalSeconds, Skipped: true);
            Step++;
            return skipped;
        }
        if (Options.ClipGradients)
        {
            Clipper.Record(gradNorm, maxNorm);
            if (gradNorm > maxNorm) _logger.LogDebug("Clipped gradient with norm {Norm:F1} to {Max:F1}", gradNorm, maxNorm);
        }
        _optimizer.Step();
        double tOptimizer = sw.Elapsed.TotalSeconds;
        if (_ema.Count > 0)
        {
            using var noGrad = no_grad();
            double b = Options.EmaDecay;
            foreach (var (name, p) in _params) _ema[name].TimesInPlace(b).AddScaledInPlace(p.detach(), 1 - b);
        }
        double tEma = sw.Elapsed.TotalSeconds;
        LastPhases = new StepPhaseTimes(tBatch, tForward - tBatch, tBackward - tForward, tClip - tBackward, tOptimizer - tClip, tEma - tOptimizer);
        var progress = new TrainingProgress(Step + 1, Step / StepsPerEpoch, lossValue, gradNorm, gradNorm > maxNorm, sw.Elapsed.TotalSeconds);
        Step++;
        return progress;
    }

    /// <summary>Wall seconds of the phases of the last completed step (profiling; on an asynchronous device the phases overlap).</summary>
    internal StepPhaseTimes LastPhases { get; private set; }

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
        SkippedSteps = _skippedAtStart = state.SkippedSteps;
        Clipper.Restore(state.ClipHistory);
        _logger.LogInformation("Resumed from {Path} at step {Step}", path, Step);
        if (state.LearningRate != Options.LearningRate)
            _logger.LogInformation("Learning rate {Old} in the checkpoint, {New} from now on", state.LearningRate, Options.LearningRate);
        return state.Metadata;
    }

    internal IReadOnlyList<(string Name, Parameter Param)> Parameters => _params;

    internal IReadOnlyDictionary<string, Tensor> EmaWeights => _ema;

    internal AdamWOptimizer Optimizer => _optimizer;

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

/// <summary>Wall seconds of one training step's phases: batch assembly, forward + loss (to the loss read-back), backward, gradient norm/clipping, optimiser, EMA.</summary>
internal readonly record struct StepPhaseTimes(double Batch, double Forward, double Backward, double Clip, double Optimizer, double Ema);
