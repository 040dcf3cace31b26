using Stp.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Diffusion;

/// <summary>
/// The E(3)-equivariant diffusion model of EDM over coordinates and atom features, for any <see cref="IDenoiser"/>
/// and any <see cref="INoiseSchedule"/> (wrap the schedule in <see cref="ScaledPriorSchedule"/> for StP).
/// It owns normalisation, noise, the forward process and the epsilon-prediction loss; the sampler
/// (<see cref="Stp.Sampling.DiffusionSampler"/>) is the only other place where denoiser and schedule meet.
/// All noise comes from <see cref="CounterNormal"/>, keyed by (seed, molecule, step).
/// </summary>
public sealed class EquivariantDiffusion
{
    private const long TimeStream = 0x7100_0000_0000L;

    /// <summary>Creates the model.</summary>
    public EquivariantDiffusion(IDenoiser denoiser, INoiseSchedule schedule, DiffusionOptions? options = null)
    {
        Denoiser = denoiser ?? throw new ArgumentNullException(nameof(denoiser));
        Schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));
        Options = options ?? new DiffusionOptions();
        if (denoiser.FeatureCount != Options.Features.Count)
            throw new ArgumentException($"The denoiser expects {denoiser.FeatureCount} feature channels but the feature layout has {Options.Features.Count} ({Options.Features.Vocabulary.Name}, atomic-number channel: {Options.Features.IncludeAtomicNumber}).", nameof(denoiser));
        if (denoiser.ContextCount != Options.ContextCount)
            throw new ArgumentException($"The denoiser expects {denoiser.ContextCount} context channels but the options say {Options.ContextCount}.", nameof(denoiser));
        double sigma0 = schedule.Sigma(0);
        double maxNorm = Math.Max(Options.CategoricalNorm, Options.Features.IncludeAtomicNumber ? Options.AtomicNumberNorm : 0);
        if (8 * sigma0 > 1 / maxNorm)
            throw new ArgumentException($"Feature normalisation too coarse for this schedule: 8 sigma_0 = {8 * sigma0:G4} > 1/{maxNorm} (EDM's safety check).", nameof(schedule));
    }

    /// <summary>
    /// Composes a model with a prior: <see cref="PriorKind.ScaledPrior"/> wraps <paramref name="schedule"/> in a
    /// <see cref="ScaledPriorSchedule"/>, <see cref="PriorKind.NormalizedCoordinates"/> sets the "-N" coordinate
    /// normaliser, <see cref="PriorKind.Unit"/> is plain EDM.
    /// </summary>
    public static EquivariantDiffusion Create(IDenoiser denoiser, PriorKind prior, Prior.IPriorScaler? priorScaler,
        INoiseSchedule? schedule = null, DiffusionOptions? options = null)
    {
        schedule ??= PolynomialSchedule.Edm;
        options ??= new DiffusionOptions();
        if (prior != PriorKind.Unit && priorScaler is null)
            throw new ArgumentNullException(nameof(priorScaler), $"Prior '{prior}' needs a gamma_N table (IPriorScaler).");
        return prior switch
        {
            PriorKind.ScaledPrior => new EquivariantDiffusion(denoiser, new ScaledPriorSchedule(schedule, priorScaler!), options),
            PriorKind.NormalizedCoordinates => new EquivariantDiffusion(denoiser, schedule, new DiffusionOptions
            {
                Features = options.Features, PositionNorm = options.PositionNorm, CategoricalNorm = options.CategoricalNorm,
                AtomicNumberNorm = options.AtomicNumberNorm, ContextCount = options.ContextCount, CoordinateNormalizer = priorScaler,
            }),
            _ => new EquivariantDiffusion(denoiser, schedule, options),
        };
    }

    /// <summary>The noise-prediction network.</summary>
    public IDenoiser Denoiser { get; }

    /// <summary>The noise schedule (possibly StP-decorated).</summary>
    public INoiseSchedule Schedule { get; }

    /// <summary>Options.</summary>
    public DiffusionOptions Options { get; }

    /// <summary>Number of feature channels F.</summary>
    public int FeatureCount => Options.Features.Count;

    /// <summary>
    /// Per-molecule coordinate normalisation factor: PositionNorm, times gamma_N for the "-N" ablation.
    /// </summary>
    public double CoordinateNorm(int atomCount) =>
        Options.PositionNorm * (Options.CoordinateNormalizer?.PriorScale(atomCount) ?? 1.0);

    /// <summary>Checks that every size can be served by the prior (throws with the offending size).</summary>
    public void ValidateSizes(IEnumerable<int> sizes)
    {
        foreach (var n in sizes)
        {
            if (n < 1) throw new ArgumentOutOfRangeException(nameof(sizes), n, "A molecule needs at least one atom.");
            double g = Schedule.CoordinateNoiseScale(n) * CoordinateNorm(n);
            if (!(g > 0) || !double.IsFinite(g))
                throw new ArgumentOutOfRangeException(nameof(sizes), n, $"The prior has no usable scale for N = {n} atoms (got {g}).");
        }
    }

    /// <summary>Normalised [x, h] of a batch: x / norm_N (zero CoM), one-hot / CategoricalNorm, Z / AtomicNumberNorm.</summary>
    public (Tensor X, Tensor H) Normalize(MoleculeBatch batch)
    {
        using var scope = NewDisposeScope();
        var x = CenterOfMass.Remove(batch.Positions, batch.NodeMask) / PerMolecule(batch.Sizes.Select(CoordinateNorm), batch.Positions.device);
        var h = batch.Features * FeatureScale(batch.Features.device) * batch.NodeMask;
        return (x.MoveToOuterDisposeScope(), h.MoveToOuterDisposeScope());
    }

    /// <summary>Unnormalised features: one-hot block times CategoricalNorm, Z channel times AtomicNumberNorm.</summary>
    public Tensor UnnormalizeFeatures(Tensor h) => h / FeatureScale(h.device);

    /// <summary>Unnormalised coordinates: x times norm_N per molecule.</summary>
    public Tensor UnnormalizePositions(Tensor x, IReadOnlyList<int> sizes) => x * PerMolecule(sizes.Select(CoordinateNorm), x.device);

    private Tensor FeatureScale(Device device)
    {
        var k = Options.Features.Vocabulary.Count;
        var s = new float[FeatureCount];
        for (int i = 0; i < k; i++) s[i] = (float)(1.0 / Options.CategoricalNorm);
        if (Options.Features.IncludeAtomicNumber) s[k] = (float)(1.0 / Options.AtomicNumberNorm);
        return tensor(s, device: device);
    }

    internal static Tensor PerMolecule(IEnumerable<double> values, Device device)
    {
        var v = values.Select(d => (float)d).ToArray();
        return tensor(v, new long[] { v.Length, 1, 1 }, device: device);
    }

    /// <summary>
    /// Draws the noise of a padded batch: eps_x [B, N, 3] (standard normal on real atoms, times the schedule's
    /// coordinate-noise scale gamma_N, centre of mass removed) and eps_h [B, N, F] (standard normal on real atoms).
    /// Molecule i's values depend only on (seed, streams[i], step), never on the batch or padding.
    /// </summary>
    public (Tensor EpsX, Tensor EpsH) SampleNoise(IReadOnlyList<int> sizes, int paddedSize, long seed, IReadOnlyList<long> streams, long step, Device device)
    {
        int b = sizes.Count, f = FeatureCount, d = 3 + f;
        var buf = new float[b * paddedSize * d];
        var mask = new float[b * paddedSize];
        for (int i = 0; i < b; i++)
        {
            CounterNormal.Fill(buf.AsSpan(i * paddedSize * d, sizes[i] * d), seed, streams[i], step);
            for (int a = 0; a < sizes[i]; a++) mask[i * paddedSize + a] = 1f;
        }
        using var scope = NewDisposeScope();
        var all = tensor(buf, new long[] { b, paddedSize, d }, device: device);
        var m = tensor(mask, new long[] { b, paddedSize, 1 }, device: device);
        var scale = PerMolecule(sizes.Select(n => Schedule.CoordinateNoiseScale(n)), device);
        var ex = CenterOfMass.Remove(all[.., .., ..3] * scale, m);
        var eh = all[.., .., 3..] * m;
        return (ex.MoveToOuterDisposeScope(), eh.MoveToOuterDisposeScope());
    }

    /// <summary>Calls the denoiser at integer time steps (one per molecule) on normalised z_t.</summary>
    public DenoiserOutput PredictNoise(Tensor zx, Tensor zh, Tensor timeSteps, Tensor nodeMask, Tensor atomCounts, Tensor? context = null)
    {
        var t = timeSteps.to_type(ScalarType.Float32) / (float)Schedule.Timesteps;
        var out_ = Denoiser.Predict(new DenoiserInput(zx, zh, t, nodeMask, atomCounts, context));
        return new DenoiserOutput(CenterOfMass.Remove(out_.NoiseX, nodeMask), out_.NoiseH * nodeMask);
    }

    /// <summary>
    /// EDM's l2 training objective on one batch (FACTS 1.5): t ~ U{0..T} per molecule; z_t = alpha_t [x, h] + sigma_t eps
    /// (eps_x scaled by gamma_N under StP); for t &gt;= 1 the loss is 0.5 * sum (eps - eps_hat)^2 / ((3 + F) N_pad),
    /// for t = 0 it is the x part of -log p(x | z_0), 0.5 * sum (eps_x - eps_hat_x)^2 (not normalised).
    /// Terms that do not depend on the parameters (KL prior, -log p(N), the h part of -log p(h | z_0)) are left out
    /// of the returned value; gradients are EDM's. <paramref name="seed"/> and <paramref name="step"/> key the noise
    /// and time draws, so a resumed run continues exactly.
    /// </summary>
    public DiffusionLoss TrainingLoss(MoleculeBatch batch, long seed, long step)
    {
        using var scope = NewDisposeScope();
        var device = batch.Positions.device;
        int b = batch.Count, n = batch.PaddedSize, T = Schedule.Timesteps;
        var tInt = new int[b];
        for (int i = 0; i < b; i++) tInt[i] = CounterNormal.NextInt(seed, TimeStream + i, step, T + 1);
        var z = Diffuse(batch, tInt, seed, step);
        var tTensor = tensor(tInt.Select(t => (long)t).ToArray(), device: device);
        var pred = PredictNoise(z.Zx, z.Zh, tTensor, batch.NodeMask, batch.AtomCounts, batch.Context);
        var errX = (z.EpsX - pred.NoiseX).pow(2).sum(new long[] { 1, 2 });
        var errH = (z.EpsH - pred.NoiseH).pow(2).sum(new long[] { 1, 2 });
        var denom = (3.0 + FeatureCount) * n;
        var isZero = tensor(tInt.Select(t => t == 0 ? 1f : 0f).ToArray(), device: device);
        var lossPositive = 0.5 * (errX + errH) / denom;
        var lossZero = 0.5 * errX;
        var per = lossZero * isZero + lossPositive * (1 - isZero);
        var loss = per.mean();
        return new DiffusionLoss(loss.MoveToOuterDisposeScope(), per.MoveToOuterDisposeScope(), tInt);
    }

    /// <summary>
    /// The forward process q(z_t | x, h) (paper eq. 10): z_t = alpha_t [x, h] + sigma_t [eps_x, eps_h] on the
    /// normalised batch, with eps_x scaled by the schedule's gamma_N. Noise is keyed by (seed, batch slot, step).
    /// </summary>
    public DiffusedBatch Diffuse(MoleculeBatch batch, IReadOnlyList<int> timeSteps, long seed, long step)
    {
        if (timeSteps.Count != batch.Count) throw new ArgumentException($"{timeSteps.Count} time steps for a batch of {batch.Count}.", nameof(timeSteps));
        ValidateSizes(batch.Sizes);
        using var scope = NewDisposeScope();
        var device = batch.Positions.device;
        var streams = Enumerable.Range(0, batch.Count).Select(i => (long)i).ToArray();
        var alpha = PerMolecule(timeSteps.Select(t => Schedule.Alpha(t)), device);
        var sigma = PerMolecule(timeSteps.Select(t => Schedule.Sigma(t)), device);
        var (x, h) = Normalize(batch);
        var (ex, eh) = SampleNoise(batch.Sizes, batch.PaddedSize, seed, streams, step, device);
        var zx = alpha * x + sigma * ex;
        var zh = alpha * h + sigma * eh;
        return new DiffusedBatch(zx.MoveToOuterDisposeScope(), zh.MoveToOuterDisposeScope(), ex.MoveToOuterDisposeScope(), eh.MoveToOuterDisposeScope());
    }
}
