using Stp.Runtime;
using System.Globalization;
using Stp.Chemistry;
using Stp.Codecs;
using Stp.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Sampling;

/// <summary>
/// The sampler: the only place where denoiser, schedule, codec and noise source meet at sampling time. For every
/// batch of a <see cref="SamplingPlan"/> it draws the prior z_T (gamma_N-scaled coordinates under StP), runs the
/// reverse step of <see cref="SamplerOptions.ReverseStep"/> over the (possibly subsampled) grid, takes EDM's final
/// step p(x, h | z_0), and decodes with the model's codec. Each reverse step runs in its own dispose scope.
/// Flow-matching models (velocity prediction) are integrated from t = 1 to 0 by an ODE step (<see cref="EulerStep"/>,
/// <see cref="HeunStep"/>) and have no separate final step: z at t = 0 is decoded.
/// </summary>
public sealed class DiffusionSampler
{
    private const long FinalStep = -1;

    /// <summary>Creates a sampler for <paramref name="model"/> (default <see cref="SamplerOptions.For"/>: EDM's ancestral
    /// sampler over all T steps, or Heun over 50 steps for a flow-matching model).</summary>
    /// <exception cref="ArgumentException">The step does not fit what the model predicts (e.g. DDIM on a flow model).</exception>
    public DiffusionSampler(DiffusionModel model, SamplerOptions? options = null)
    {
        TorchRuntime.EnsureAvailable();
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Options = options ?? SamplerOptions.For(model);
        var target = model.Objective.Target;
        if (Options.ReverseStep.Expects != target)
            throw new ArgumentException(target == Stp.Objectives.PredictionTarget.Velocity
                ? $"This is a flow-matching model (it predicts velocities); sample it with the euler or heun step, not '{Options.ReverseStep.Name}'."
                : $"The '{Options.ReverseStep.Name}' step integrates a flow-matching model's velocity; this model predicts noise (use ancestral or ddim).", nameof(options));
        Grid = TimestepGrid.Create(Options.Spacing, model.Schedule.Timesteps, Options.Steps ?? model.Schedule.Timesteps);
    }

    /// <summary>The model.</summary>
    public DiffusionModel Model { get; }

    /// <summary>Options.</summary>
    public SamplerOptions Options { get; }

    /// <summary>
    /// Optional per-step progress: told after every reverse step of every batch (on the sampling thread, before the
    /// next step starts), for a progress display with an ETA. Null (the default) reports nothing.
    /// </summary>
    public IProgress<SamplingProgress>? StepProgress { get; init; }

    /// <summary>The visited integer times, T down to 0 (K + 1 values: K reverse steps, then the final step at 0).</summary>
    public IReadOnlyList<int> Grid { get; }

    /// <summary>Denoiser calls per sampling batch: K steps times the step's calls, plus the final p(x, h | z_0) step of a
    /// diffusion model (a flow ends at t = 0 without one). The cost measure of the quality-per-call frontier.</summary>
    public int NetworkCallsPerBatch => (Grid.Count - 1) * Options.ReverseStep.NetworkCallsPerStep
        + (Model.Objective.Target == Stp.Objectives.PredictionTarget.Velocity ? 0 : 1);

    /// <summary>Samples one molecule per molecule of the plan's batches (every entry of the plan, or the molecules of a
    /// <see cref="SamplingPlan.Shard"/>); returns them in molecule-id order.</summary>
    /// <param name="plan">Sizes, contexts and batches.</param>
    /// <param name="seed">Seed of all noise; molecule i's noise depends only on (seed, i, step).</param>
    /// <param name="device">Device to run on: the model's (<see cref="DiffusionModel.Device"/>, the default).</param>
    /// <param name="observer">Optional hook that sees the predicted clean sample at every observed step.</param>
    /// <param name="progress">Optional progress: number of molecules finished.</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    public IReadOnlyList<Molecule> Sample(SamplingPlan plan, long seed, Device? device = null, ISamplingObserver? observer = null,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var result = new Molecule?[plan.Sizes.Count];
        foreach (var finished in SampleBatches(plan, seed, device, observer, cancellationToken))
        {
            for (int i = 0; i < finished.Molecules.Count; i++) result[finished.Batch.MoleculeIds[i]] = finished.Molecules[i];
            progress?.Report(finished.MoleculesDone);
        }
        return result.Where(m => m is not null).Select(m => m!).ToArray();
    }

    /// <summary>
    /// Samples the plan batch by batch and yields each batch as soon as it is finished (lazily: a batch runs when the
    /// caller asks for it), so that long runs can write their output as they go and a failure in batch k leaves batches
    /// 0..k-1 with the caller. The molecules are the same as <see cref="Sample"/> returns; the plan is checked now.
    /// </summary>
    /// <param name="plan">Sizes, contexts and batches.</param>
    /// <param name="seed">Seed of all noise; molecule i's noise depends only on (seed, i, step).</param>
    /// <param name="device">Device to run on: the model's (<see cref="DiffusionModel.Device"/>, the default).</param>
    /// <param name="observer">Optional hook that sees the predicted clean sample at every observed step.</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    public IEnumerable<SampledBatch> SampleBatches(SamplingPlan plan, long seed, Device? device = null, ISamplingObserver? observer = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Model.ValidateSizes(plan.Sizes);
        int c = Model.ContextCount;
        if (c > 0 && plan.Contexts is null)
            throw new ArgumentException($"The model is conditional ({c} context channels): give every molecule a context in the sampling plan.", nameof(plan));
        if (c == 0 && plan.Contexts is not null)
            throw new ArgumentException("The plan carries contexts but the model is unconditional.", nameof(plan));
        if (c > 0 && plan.Contexts![0].Length != c)
            throw new ArgumentException($"The plan's contexts have {plan.Contexts[0].Length} values, the model expects {c}.", nameof(plan));
        if (Options.FixedNoise && plan.Sizes.Distinct().Count() > 1)
            throw new ArgumentException($"FixedNoise needs molecules of one size; the plan has sizes {string.Join(", ", plan.Sizes.Distinct().Order())}.", nameof(plan));
        return Batches(plan, seed, RunDevice(device), observer, cancellationToken);
    }

    /// <summary>The device to sample on: the model's, which an explicit <paramref name="device"/> must match.</summary>
    private Device RunDevice(Device? device)
    {
        var model = Model.ParameterDevice;
        if (model is null || device is null) return device ?? model ?? CPU;
        if (device.type != model.type || (device.index >= 0 && model.index >= 0 && device.index != model.index))
            throw new ArgumentException($"The model is on {model}, sampling was asked for on {device}: load the model there (DiffusionModel.Load(path, device)) or move it (model.To(device)).", nameof(device));
        return model;
    }

    private IEnumerable<SampledBatch> Batches(SamplingPlan plan, long seed, Device device, ISamplingObserver? observer, CancellationToken ct)
    {
        var noise = Model.CreateNoise(seed);
        int done = 0, total = plan.Batches.Sum(b => b.MoleculeIds.Count);
        for (int k = 0; k < plan.Batches.Count; k++)
        {
            var batch = plan.Batches[k];
            int index = k, before = done;
            Action<int>? stepDone = StepProgress is { } sp
                ? step => sp.Report(new SamplingProgress(index, plan.Batches.Count, batch, step, Grid.Count - 1, before, total))
                : null;
            var molecules = InEvalMode(() => SampleBatch(batch, noise, device, observer, stepDone, ct));
            done += molecules.Length;
            yield return new SampledBatch(k, plan.Batches.Count, batch, molecules, done, total);
        }
    }

    /// <summary>
    /// Runs <paramref name="run"/> without gradients and with every part in eval mode, restoring the parts' modes after
    /// (per batch, so that the caller's code between two yielded batches runs in its own modes).
    /// </summary>
    private T InEvalMode<T>(Func<T> run)
    {
        var modules = Model.Parts.Select(p => p.Module).ToArray();
        var wasTraining = modules.Select(m => m.training).ToArray();
        foreach (var m in modules) m.eval();
        try
        {
            using var noGrad = no_grad();
            return run();
        }
        finally
        {
            for (int i = 0; i < modules.Length; i++) if (wasTraining[i]) modules[i].train();
        }
    }

    private Molecule[] SampleBatch(SamplingBatch batch, MoleculeNoise noise, Device device, ISamplingObserver? observer, Action<int>? stepDone, CancellationToken ct)
    {
        var schedule = Model.Schedule;
        int b = batch.Sizes.Count, n = batch.PaddedSize, L = Model.Codec.LatentFeatureCount;
        var streams = batch.MoleculeIds.Select(i => Options.FixedNoise ? 0L : i).ToArray();
        using var outer = NewDisposeScope();
        // Per-batch constants, made once on the device: mask, atom counts, context, and the noise's gamma_N and keys.
        using var batchNoise = noise.ForBatch(batch.Sizes, n, L, streams, device);
        var mask = batchNoise.Mask;
        var counts = tensor(batch.Sizes.Select(s => (long)s).ToArray(), device: device);
        var context = ContextTensor(batch, mask, device);
        LatentBatch Draw(long step) => batchNoise.Draw(NoisePurpose.Sampling, step);
        DenoiserOutput PredictAt(LatentBatch latent, int step) =>
            Model.PredictNoise(latent, ScalarOps.Filled(b, (double)step / schedule.Timesteps, ScalarType.Float32, device), mask, counts, context, batch.Sizes);
        var z = Draw(Grid[0]);

        for (int k = 0; k + 1 < Grid.Count; k++)
        {
            ct.ThrowIfCancellationRequested();
            int t = Grid[k], s = Grid[k + 1];
            using var scope = NewDisposeScope();
            var eps = PredictAt(z, t);
            var step = Options.ReverseStep.Step(new ReverseStepInput(z, eps, t, s, schedule, () => Draw(s), PredictAt));
            Observe(observer, t, step.PredictedClean, mask, counts, batch);
            var next = new LatentBatch(CenterOfMass.Remove(step.Zs.X, mask).MoveToOuterDisposeScope(), (step.Zs.H * mask).MoveToOuterDisposeScope());
            z.X.Dispose(); z.H.Dispose();
            z = next;
            stepDone?.Invoke(k + 1);
        }

        if (Model.Objective.Target == Stp.Objectives.PredictionTarget.Velocity)
        {
            // A flow ends at t = 0: z_0 is the sample (coordinates and features), with no extra network call.
            Observe(observer, 0, z, mask, counts, batch);
            var flowDecoded = Model.Codec.Decode(new LatentBatch(CenterOfMass.Remove(z.X, mask), z.H * mask), mask, batch.Sizes);
            return ToMolecules(flowDecoded, batch);
        }

        // Final step p(x, h | z_0): x ~ N((z_0 - sigma_0 eps_hat) / alpha_0, sigma_0 / alpha_0) with gamma_N-scaled noise
        // (the mean alone for a deterministic sampler). h is read from z_0 itself for EDM's codec, drawn around the
        // prediction for latent codecs.
        var eps0 = Model.PredictNoise(z, zeros(b, ScalarType.Float32, device: device), mask, counts, context, batch.Sizes);
        double a0 = schedule.Alpha(0), s0 = schedule.Sigma(0);
        var x = z.X.PlusScaled(eps0.NoiseX, -s0).DividedBy(a0);
        var h = z.H.PlusScaled(eps0.NoiseH, -s0).DividedBy(a0);
        Observe(observer, 0, new LatentBatch(x, h), mask, counts, batch);
        if (Options.ReverseStep.IsStochastic)
        {
            var f = Draw(FinalStep);
            x = x.PlusScaled(f.X, s0 / a0);
            h = h.PlusScaled(f.H, s0 / a0);
        }
        x = CenterOfMass.Remove(x, mask);
        if (Model.Codec.FinalFeatures == FinalFeatureSource.FromLatent) h = z.H;
        var decoded = Model.Codec.Decode(new LatentBatch(x, h * mask), mask, batch.Sizes);
        return ToMolecules(decoded, batch);
    }

    private Tensor? ContextTensor(SamplingBatch batch, Tensor mask, Device device)
    {
        if (batch.Contexts is null) return null;
        int b = batch.Sizes.Count, c = batch.Contexts[0].Length;
        var flat = batch.Contexts.SelectMany(v => v).ToArray();
        return tensor(flat, new long[] { b, 1, c }, device: device) * mask;
    }

    private void Observe(ISamplingObserver? observer, int t, LatentBatch clean, Tensor mask, Tensor counts, SamplingBatch batch)
    {
        if (observer is null || !observer.Observes(t)) return;
        using var scope = NewDisposeScope();
        var decoded = Model.Codec.Decode(clean, mask, batch.Sizes);
        observer.OnStep(new SamplingStep(t, Model.Schedule.Timesteps, decoded.Positions, decoded.ClassScores, clean, mask, counts, batch.MoleculeIds));
    }

    private Molecule[] ToMolecules(DecodedBatch decoded, SamplingBatch batch)
    {
        var vocabulary = Model.Codec.Features.Vocabulary;
        int b = batch.Sizes.Count, n = batch.PaddedSize;
        var xs = decoded.Positions.cpu().data<float>().ToArray();
        var cls = decoded.ClassScores.argmax(2).cpu().data<long>().ToArray();
        var result = new Molecule[b];
        for (int i = 0; i < b; i++)
        {
            int size = batch.Sizes[i];
            var z = new int[size];
            var pos = new double[3 * size];
            for (int a = 0; a < size; a++)
            {
                int node = i * n + a;
                z[a] = vocabulary.AtomicNumberOf((int)cls[node]);
                for (int d = 0; d < 3; d++) pos[3 * a + d] = xs[node * 3 + d];
            }
            if (pos.Any(v => !double.IsFinite(v)))
                throw new InvalidOperationException($"Sampling produced non-finite coordinates for molecule {batch.MoleculeIds[i]} (N = {size}); the denoiser diverged.");
            var props = new Dictionary<string, string> { ["id"] = batch.MoleculeIds[i].ToString(CultureInfo.InvariantCulture) };
            if (batch.Contexts is not null && Model.Context is { } ctx && ctx.Count == batch.Contexts[i].Length)
            {
                var raw = ctx.Denormalize(batch.Contexts[i]);
                for (int p = 0; p < raw.Length; p++) props[ctx.Names[p]] = raw[p].ToString("R", CultureInfo.InvariantCulture);
            }
            result[i] = new Molecule(z, pos, props);
        }
        return result;
    }
}
