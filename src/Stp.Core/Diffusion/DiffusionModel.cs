using Stp.Runtime;
using Stp.Codecs;
using Stp.Data;
using Stp.Models;
using Stp.Objectives;
using Stp.Prior;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Diffusion;

/// <summary>
/// A diffusion model for molecules: a denoiser (<see cref="IDenoiser"/>), a codec to and from the diffusion space
/// (<see cref="IMoleculeCodec"/>, EDM's feature normalisation by default), a noise schedule (decorated with
/// <see cref="ScaledPriorSchedule"/> for StP) and a training objective (EDM's epsilon objective by default). It owns the
/// forward process and the training loss; <see cref="Stp.Sampling.DiffusionSampler"/> is the only other place where
/// denoiser and schedule meet. A model travels with its p(N) and context statistics and is saved and loaded as one
/// model file (<see cref="Save"/>, <see cref="Load"/>).
/// </summary>
/// <example>
/// <code>
/// using var model = DiffusionModel.Load("qm9-stp-small.safetensors");
/// var molecules = new DiffusionSampler(model).Sample(SamplingPlan.Efficient(model.SizeDistribution!.Sample(100, seed: 1), 100), seed: 1);
/// </code>
/// </example>
public sealed class DiffusionModel : IDisposable
{
    /// <summary>Composes a model.</summary>
    /// <param name="denoiser">The noise-prediction network; its feature count must equal the codec's latent channels L.</param>
    /// <param name="schedule">The noise schedule; wrap it in <see cref="ScaledPriorSchedule"/> for StP.</param>
    /// <param name="codec">The codec (e.g. <see cref="EdmFeatureCodec"/>; <see cref="NormalizedCoordinatesCodec"/> for "-N").</param>
    /// <param name="objective">The training objective (default <see cref="EpsilonObjective"/>).</param>
    public DiffusionModel(IDenoiser denoiser, INoiseSchedule schedule, IMoleculeCodec codec, ITrainingObjective? objective = null)
    {
        TorchRuntime.EnsureAvailable();
        Denoiser = denoiser ?? throw new ArgumentNullException(nameof(denoiser));
        Schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));
        Codec = codec ?? throw new ArgumentNullException(nameof(codec));
        Objective = objective ?? EpsilonObjective.Instance;
        if (denoiser.FeatureCount != codec.LatentFeatureCount)
            throw new ArgumentException($"The denoiser expects {denoiser.FeatureCount} feature channels but the codec produces {codec.LatentFeatureCount} ({codec.Features.Vocabulary.Name}, atomic-number channel: {codec.Features.IncludeAtomicNumber}).", nameof(denoiser));
        codec.Validate(schedule);
        var scalers = new List<IPriorScaler>();
        var s = schedule;
        while (s is ScaledPriorSchedule sp) { scalers.Add(sp.PriorScaler); s = sp.Inner; }
        BaseSchedule = s;
        bool flow = Objective.Target == PredictionTarget.Velocity, linear = s is LinearInterpolantSchedule;
        if (flow != linear)
            throw new ArgumentException(flow
                ? $"The {Objective.Name} objective trains a flow on the linear-interpolant path; give the model a LinearInterpolantSchedule (it has {s})."
                : $"The linear-interpolant schedule is flow matching's path; use it with FlowMatchingObjective (the model's objective is '{Objective.Name}').", nameof(schedule));
        PriorScale = scalers.Count switch { 0 => UnitPriorScaler.Instance, 1 => scalers[0], _ => new ProductPriorScaler(scalers) };
        bool normalized = codec is NormalizedCoordinatesCodec;
        if (normalized && scalers.Count > 0)
            throw new ArgumentException("A model cannot use both StP (a scaled-prior schedule) and the -N coordinate normalisation.", nameof(codec));
        Prior = scalers.Count > 0 ? PriorKind.ScaledPrior : normalized ? PriorKind.NormalizedCoordinates : PriorKind.Unit;
    }

    /// <summary>
    /// Composes a model with a prior: <see cref="PriorKind.ScaledPrior"/> wraps the schedule in a
    /// <see cref="ScaledPriorSchedule"/>, <see cref="PriorKind.NormalizedCoordinates"/> wraps the codec in a
    /// <see cref="NormalizedCoordinatesCodec"/>, <see cref="PriorKind.Unit"/> is plain EDM.
    /// </summary>
    /// <param name="denoiser">The denoiser.</param>
    /// <param name="prior">Which prior.</param>
    /// <param name="priorScale">gamma_N (required unless the prior is <see cref="PriorKind.Unit"/>).</param>
    /// <param name="features">Atom features for the default EDM codec (default QM9); ignored when <paramref name="codec"/> is given.</param>
    /// <param name="schedule">Base schedule (default EDM's polynomial_2, T = 1000).</param>
    /// <param name="codec">Codec (default <see cref="EdmFeatureCodec"/> over <paramref name="features"/>).</param>
    /// <param name="objective">Objective (default <see cref="EpsilonObjective"/>); with <see cref="FlowMatchingObjective"/>
    /// the default schedule is <see cref="LinearInterpolantSchedule.Default"/>.</param>
    public static DiffusionModel Create(IDenoiser denoiser, PriorKind prior, IPriorScaler? priorScale, AtomFeatures? features = null,
        INoiseSchedule? schedule = null, IMoleculeCodec? codec = null, ITrainingObjective? objective = null)
    {
        objective ??= EpsilonObjective.Instance;
        schedule ??= objective.Target == PredictionTarget.Velocity ? LinearInterpolantSchedule.Default : PolynomialSchedule.Edm;
        codec ??= new EdmFeatureCodec(features ?? AtomFeatures.Qm9);
        if (prior != PriorKind.Unit && priorScale is null)
            throw new ArgumentNullException(nameof(priorScale), $"Prior '{prior}' needs a gamma_N table (IPriorScaler).");
        return prior switch
        {
            PriorKind.ScaledPrior => new DiffusionModel(denoiser, new ScaledPriorSchedule(schedule, priorScale!), codec, objective),
            PriorKind.NormalizedCoordinates => new DiffusionModel(denoiser, schedule, new NormalizedCoordinatesCodec(codec, priorScale!), objective),
            PriorKind.Unit => new DiffusionModel(denoiser, schedule, codec, objective),
            _ => throw new ArgumentOutOfRangeException(nameof(prior), prior, "Unknown prior."),
        };
    }

    /// <summary>Loads a model file written by <see cref="Save"/> or by <c>stp train</c> / <c>stp export</c> (also today's
    /// training checkpoints and the earlier <c>.stp</c> files), with its EMA weights, on <paramref name="device"/>.</summary>
    /// <remarks>The backbone is rebuilt by its registered factory (<see cref="ModelComponents"/>); its package must be
    /// referenced by the application.</remarks>
    public static DiffusionModel Load(string path, Device? device = null)
    {
        TorchRuntime.EnsureAvailable();
        return ModelFile.Load(path, device ?? CPU);
    }

    /// <summary>
    /// Saves the model (its current weights, its description, p(N) and context statistics) as a safetensors file with a
    /// JSON description beside it (<c>name.safetensors</c> + <c>name.json</c>), atomically.
    /// </summary>
    public void Save(string path) => ModelFile.Save(this, path);

    /// <summary>The noise-prediction network.</summary>
    public IDenoiser Denoiser { get; }

    /// <summary>The codec between molecules and the diffusion space.</summary>
    public IMoleculeCodec Codec { get; }

    /// <summary>The noise schedule as given (possibly StP-decorated).</summary>
    public INoiseSchedule Schedule { get; }

    /// <summary>The schedule without StP decorators.</summary>
    public INoiseSchedule BaseSchedule { get; }

    /// <summary>gamma_N of the coordinate noise (1 for every size unless the prior is StP).</summary>
    public IPriorScaler PriorScale { get; }

    /// <summary>Which prior the model uses.</summary>
    public PriorKind Prior { get; }

    /// <summary>The training objective.</summary>
    public ITrainingObjective Objective { get; }

    /// <summary>p(N) of the training data (saved with the model; sampling draws sizes from it). Null when unknown.</summary>
    public SizeDistribution? SizeDistribution { get; set; }

    /// <summary>Normalisation of the conditioning properties (saved with the model); null for unconditional models.</summary>
    public ContextProperties? Context { get; set; }

    /// <summary>p(c | N) of the conditioning properties over the training molecules (saved with the model; conditional
    /// sampling draws contexts from it by default). Null for unconditional models and for files written before it existed.</summary>
    public PropertyDistribution? PropertyDistribution { get; set; }

    /// <summary>Number of context channels C the denoiser expects.</summary>
    public int ContextCount => Denoiser.ContextCount;

    /// <summary>The trainable parts: "denoiser", then "codec" when the codec has a module.</summary>
    public IReadOnlyList<ModelPart> Parts => Codec.Module is { } m
        ? new[] { new ModelPart("denoiser", Denoiser.Module), new ModelPart("codec", m) }
        : new[] { new ModelPart("denoiser", Denoiser.Module) };

    /// <summary>
    /// The device of the model's parameters (the denoiser's first parameter; CPU for a model without parameters).
    /// The sampler runs there and the trainer trains there unless told otherwise.
    /// </summary>
    public Device Device => ParameterDevice ?? CPU;

    /// <summary>The device of the first parameter, or null for a model without parameters (it runs anywhere).</summary>
    internal Device? ParameterDevice => Parts.SelectMany(p => p.Module.parameters()).FirstOrDefault()?.device;

    /// <summary>Moves every part (denoiser, trainable codec) to <paramref name="device"/>, in place; returns this model.</summary>
    public DiffusionModel To(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        foreach (var part in Parts) part.Module.to(device);
        return this;
    }

    /// <summary>The noise source of a run with <paramref name="seed"/> (gamma_N applied to coordinate noise).</summary>
    public MoleculeNoise CreateNoise(long seed) => new(PriorScale, seed);

    /// <summary>Checks that every size can be served by the prior and the codec (throws with the offending size).</summary>
    public void ValidateSizes(IEnumerable<int> sizes)
    {
        var noise = CreateNoise(0);
        foreach (var n in sizes)
        {
            if (n < 1) throw new ArgumentOutOfRangeException(nameof(sizes), n, "A molecule needs at least one atom.");
            noise.CheckedScale(n);
            Codec.ValidateSize(n);
        }
    }

    /// <summary>
    /// The forward process q(z_t | z_0) (paper eq. 10): z_t = alpha_t z_0 + sigma_t eps, eps_x scaled by gamma_N
    /// (molecule i's noise keyed by (seed, slot i, <paramref name="step"/>)).
    /// </summary>
    public DiffusedBatch Diffuse(LatentBatch clean, IReadOnlyList<int> timeSteps, MoleculeNoise noise, IReadOnlyList<int> sizes, long step)
    {
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(noise);
        if (timeSteps.Count != sizes.Count) throw new ArgumentException($"{timeSteps.Count} time steps for a batch of {sizes.Count}.", nameof(timeSteps));
        using var scope = NewDisposeScope();
        var device = clean.X.device;
        var slots = Enumerable.Range(0, sizes.Count).Select(i => (long)i).ToArray();
        var alpha = PerMolecule(timeSteps.Select(t => Schedule.Alpha(t)), device);
        var sigma = PerMolecule(timeSteps.Select(t => Schedule.Sigma(t)), device);
        var eps = noise.Draw(NoisePurpose.ForwardProcess, sizes, (int)clean.X.shape[1], Codec.LatentFeatureCount, slots, step, device);
        var zx = (alpha * clean.X).Plus(sigma * eps.X);
        var zh = (alpha * clean.H).Plus(sigma * eps.H);
        return new DiffusedBatch(new LatentBatch(zx.MoveToOuterDisposeScope(), zh.MoveToOuterDisposeScope()),
            new LatentBatch(eps.X.MoveToOuterDisposeScope(), eps.H.MoveToOuterDisposeScope()));
    }

    /// <summary>Encodes <paramref name="batch"/> with the codec and diffuses it (seed and step key the noise).</summary>
    public DiffusedBatch Diffuse(MoleculeBatch batch, IReadOnlyList<int> timeSteps, long seed, long step)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ValidateSizes(batch.Sizes);
        using var scope = NewDisposeScope();
        var d = Diffuse(Codec.Encode(batch), timeSteps, CreateNoise(seed), batch.Sizes, step);
        return new DiffusedBatch(new LatentBatch(d.Noisy.X.MoveToOuterDisposeScope(), d.Noisy.H.MoveToOuterDisposeScope()),
            new LatentBatch(d.Noise.X.MoveToOuterDisposeScope(), d.Noise.H.MoveToOuterDisposeScope()));
    }

    /// <summary>Calls the denoiser at integer time steps (one per molecule) and projects its output (zero CoM, masked).</summary>
    /// <param name="z">The noisy latent batch.</param>
    /// <param name="timeSteps">One integer time step per molecule.</param>
    /// <param name="nodeMask">[B, N, 1].</param>
    /// <param name="atomCounts">[B] int64.</param>
    /// <param name="context">[B, N, C] for a conditional model.</param>
    /// <param name="sizes">The atom counts on the host (<see cref="DenoiserInput.Sizes"/>), so the denoiser need not copy them back from the device.</param>
    public DenoiserOutput PredictNoise(LatentBatch z, IReadOnlyList<int> timeSteps, Tensor nodeMask, Tensor atomCounts, Tensor? context = null,
        IReadOnlyList<int>? sizes = null)
    {
        using var t = tensor(timeSteps.Select(v => (float)v / Schedule.Timesteps).ToArray(), device: z.X.device);
        return PredictNoise(z, t, nodeMask, atomCounts, context, sizes);
    }

    /// <summary>Calls the denoiser at continuous times <paramref name="time"/> [B] and projects its output (zero CoM, masked).</summary>
    /// <param name="z">The noisy latent batch.</param>
    /// <param name="time">[B] float32 times in [0, 1].</param>
    /// <param name="nodeMask">[B, N, 1].</param>
    /// <param name="atomCounts">[B] int64.</param>
    /// <param name="context">[B, N, C] for a conditional model.</param>
    /// <param name="sizes">The atom counts on the host (<see cref="DenoiserInput.Sizes"/>), so the denoiser need not copy them back from the device.</param>
    public DenoiserOutput PredictNoise(LatentBatch z, Tensor time, Tensor nodeMask, Tensor atomCounts, Tensor? context = null,
        IReadOnlyList<int>? sizes = null)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (ContextCount > 0 && context is null)
            throw new ArgumentException($"The denoiser is conditional ({ContextCount} context channels) but no context was given.", nameof(context));
        var output = Denoiser.Predict(new DenoiserInput(z.X, z.H, time, nodeMask, atomCounts, ContextCount > 0 ? context : null, sizes));
        return new DenoiserOutput(CenterOfMass.Remove(output.NoiseX, nodeMask), output.NoiseH * nodeMask);
    }

    /// <summary>
    /// The training loss of one batch: encode (plus the codec's latent noise, detached), the codec's auxiliary loss,
    /// and the objective's loss (EDM's l2 epsilon objective by default). <paramref name="seed"/> and
    /// <paramref name="step"/> key every draw, so a resumed run continues exactly.
    /// </summary>
    public DiffusionLoss TrainingLoss(MoleculeBatch batch, long seed, long step)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ValidateSizes(batch.Sizes);
        if (ContextCount > 0 && batch.Context is null)
            throw new ArgumentException($"The denoiser is conditional ({ContextCount} context channels) but the batch has no context (set TrainerOptions.Context or the model's Context).", nameof(batch));
        using var scope = NewDisposeScope();
        var noise = CreateNoise(seed);
        var clean = Codec.Encode(batch);
        if (Codec.LatentNoise > 0)
        {
            var slots = Enumerable.Range(0, batch.Count).Select(i => (long)i).ToArray();
            var e = noise.Draw(NoisePurpose.Latent, batch.Sizes, batch.PaddedSize, Codec.LatentFeatureCount, slots, step, batch.Positions.device);
            clean = new LatentBatch(clean.X.PlusScaled(e.X, Codec.LatentNoise), clean.H.PlusScaled(e.H, Codec.LatentNoise));
        }
        clean = new LatentBatch(clean.X.detach(), clean.H.detach());
        var aux = Codec.AuxiliaryLoss(batch, clean);
        var obj = Objective.Loss(this, new ObjectiveInput(clean, batch.NodeMask, batch.AtomCounts, batch.Sizes, batch.Context, noise, step));
        var per = aux is null ? obj.PerMolecule : obj.PerMolecule.Plus(aux);
        var loss = per.mean();
        var steps = obj.Times.Select(t => (int)Math.Round(t * Schedule.Timesteps)).ToArray();
        return new DiffusionLoss(loss.MoveToOuterDisposeScope(), per.MoveToOuterDisposeScope(), aux?.MoveToOuterDisposeScope(), obj.Times, steps);
    }

    internal static Tensor PerMolecule(IEnumerable<double> values, Device device)
    {
        var v = values.Select(d => (float)d).ToArray();
        return tensor(v, new long[] { v.Length, 1, 1 }, device: device);
    }

    /// <summary>Disposes the denoiser and the codec when they are disposable.</summary>
    public void Dispose()
    {
        (Denoiser as IDisposable)?.Dispose();
        if (!ReferenceEquals(Codec, Denoiser)) (Codec as IDisposable)?.Dispose();
    }
}
