using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Stp.Training;

/// <summary>
/// Trains an <see cref="EquivariantDiffusion"/> with EDM's recipe: AdamW (amsgrad, lr 1e-4, wd 1e-12), EMA of the
/// weights, adaptive gradient clipping, a dispose scope around every step. Batch order, time steps and noise are pure
/// functions of (seed, step), so a run resumed from a checkpoint continues exactly as an uninterrupted one.
/// </summary>
public sealed class DiffusionTrainer : IDisposable
{
    private const string Magic = "STPCKPT1";
    private readonly IReadOnlyList<Molecule> _train;
    private readonly Device _device;
    private readonly ILogger _logger;
    private readonly AdamW _optimizer;
    private readonly List<(string Name, Parameter Param)> _params;
    private readonly Dictionary<string, Tensor> _ema = new();
    private int[] _order = Array.Empty<int>();
    private long _orderEpoch = -1;

    /// <summary>Creates a trainer over the training molecules (they are validated now, with the offending index named).</summary>
    public DiffusionTrainer(EquivariantDiffusion model, IReadOnlyList<Molecule> trainingSet, TrainerOptions? options = null,
        Device? device = null, ILogger<DiffusionTrainer>? logger = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        _train = trainingSet ?? throw new ArgumentNullException(nameof(trainingSet));
        if (_train.Count == 0) throw new ArgumentException("The training set is empty.", nameof(trainingSet));
        Options = options ?? new TrainerOptions();
        _device = device ?? CPU;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        for (int i = 0; i < _train.Count; i++)
        {
            var m = _train[i];
            if (m.AtomCount == 0 || !m.HasFiniteCoordinates || m.AtomicNumbers.Any(z => model.Options.Features.Vocabulary.IndexOf(z) < 0))
                throw new ArgumentException($"Training molecule {i} (id {m.Id ?? "?"}) is unusable: zero atoms, non-finite coordinates or an element outside the '{model.Options.Features.Vocabulary.Name}' vocabulary.", nameof(trainingSet));
        }
        model.ValidateSizes(_train.Select(m => m.AtomCount).Distinct());
        Model.Denoiser.Module.to(_device);
        _params = Model.Denoiser.Module.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        _optimizer = optim.AdamW(_params.Select(p => p.Param), lr: Options.LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8,
            weight_decay: Options.WeightDecay, amsgrad: Options.AmsGrad);
        if (Options.EmaDecay > 0)
            foreach (var (name, p) in _params) _ema[name] = p.detach().clone();
    }

    /// <summary>The model being trained.</summary>
    public EquivariantDiffusion Model { get; }

    /// <summary>Options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>Steps completed.</summary>
    public long Step { get; private set; }

    /// <summary>The gradient clipper (its history is checkpointed).</summary>
    public AdaptiveGradientClipper Clipper { get; } = new();

    /// <summary>Steps per epoch.</summary>
    public long StepsPerEpoch => (_train.Count + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>The molecule indices of the batch of step <paramref name="step"/> (seeded shuffle per epoch).</summary>
    public int[] BatchIndices(long step)
    {
        long epoch = step / StepsPerEpoch;
        if (epoch != _orderEpoch)
        {
            _order = Enumerable.Range(0, _train.Count).ToArray();
            for (int i = _order.Length - 1; i > 0; i--)
            {
                int j = (int)Math.Min(i, Math.Floor(CounterNormal.Uniform(Options.Seed, 0x5348_5546, epoch, i) * (i + 1)));
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
        var sw = Stopwatch.StartNew();
        var module = Model.Denoiser.Module;
        module.train();
        using var scope = NewDisposeScope();
        var idx = BatchIndices(Step);
        using var batch = MoleculeBatch.Create(idx.Select(i => _train[i]).ToList(), Model.Options.Features, _device, moleculeIds: idx);
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
            gradNorm = nn.utils.clip_grad_norm_(_params.Select(p => p.Param), double.MaxValue, 2.0);
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

    /// <summary>Copies the EMA weights (or the raw weights when the EMA is off) into <paramref name="target"/>'s module.</summary>
    public void CopyEmaWeightsTo(IDenoiser target)
    {
        using var noGrad = no_grad();
        var dict = target.Module.state_dict();
        foreach (var (name, p) in _params)
            dict[name].copy_(_ema.TryGetValue(name, out var e) ? e : p);
    }

    /// <summary>
    /// Saves model weights, EMA weights, optimizer state, clipping history, step and caller metadata to one file,
    /// atomically (a crash never leaves a half-written checkpoint).
    /// </summary>
    public void SaveCheckpoint(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>())
        {
            ["step"] = Step.ToString(),
            ["seed"] = Options.Seed.ToString(),
            ["clip_history"] = JsonSerializer.Serialize(Clipper.History),
        };
        var model = Model.Denoiser.Module.state_dict();
        var emaFull = model.ToDictionary(kv => kv.Key, kv => _ema.TryGetValue(kv.Key, out var e) ? e : kv.Value);
        using var optimizerBytes = new MemoryStream();
        using (var ow = new BinaryWriter(optimizerBytes, Encoding.UTF8, leaveOpen: true)) _optimizer.save_state_dict(ow);
        AtomicFile.Write(path, s =>
        {
            using var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
            w.Write(Magic);
            w.Write(JsonSerializer.Serialize(meta));
            TensorStore.Write(w, model);
            TensorStore.Write(w, emaFull);
            w.Write((int)optimizerBytes.Length);
            w.Write(optimizerBytes.ToArray());
        });
    }

    /// <summary>Restores a checkpoint written by <see cref="SaveCheckpoint"/> (same model shape); returns its metadata.</summary>
    public IReadOnlyDictionary<string, string> LoadCheckpoint(string path)
    {
        var ckpt = Checkpoint.Read(path);
        if (ckpt.OptimizerState.Length == 0)
            throw new InvalidDataException($"{path} is an inference-only checkpoint (no optimizer state); it cannot resume training.");
        TensorStore.LoadInto(Model.Denoiser.Module, ckpt.Weights, path);
        using (var noGrad = no_grad())
            foreach (var (name, _) in _params)
                if (_ema.TryGetValue(name, out var e)) e.copy_(ckpt.EmaWeights[name]);
        using (var r = new BinaryReader(new MemoryStream(ckpt.OptimizerState))) _optimizer.load_state_dict(r);
        Step = long.Parse(ckpt.Metadata["step"]);
        Clipper.Restore(JsonSerializer.Deserialize<double[]>(ckpt.Metadata["clip_history"])!);
        ckpt.Dispose();
        _logger.LogInformation("Resumed from {Path} at step {Step}", path, Step);
        return ckpt.Metadata;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _optimizer.Dispose();
        foreach (var t in _ema.Values) t.Dispose();
    }
}
