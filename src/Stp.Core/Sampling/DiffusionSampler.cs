using Stp.Chemistry;
using Stp.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Sampling;

/// <summary>
/// EDM's ancestral sampler (FACTS 1.8) over all T steps, honouring the StP prior (every coordinate-noise draw scaled by
/// gamma_N through the schedule) and the "-N" ablation (coordinates multiplied back by gamma_N). The only place where
/// denoiser and schedule meet at sampling time. Each reverse step runs in its own dispose scope.
/// </summary>
public sealed class DiffusionSampler
{
    private const long FinalStep = -1;

    /// <summary>Creates a sampler for <paramref name="model"/>.</summary>
    public DiffusionSampler(EquivariantDiffusion model) => Model = model ?? throw new ArgumentNullException(nameof(model));

    /// <summary>The diffusion model.</summary>
    public EquivariantDiffusion Model { get; }

    /// <summary>Samples one molecule per entry of the plan; returns them in molecule-id order.</summary>
    /// <param name="plan">Sizes and batches.</param>
    /// <param name="seed">Seed of all noise; molecule i's noise depends only on (seed, i, step).</param>
    /// <param name="device">Device to run on (default CPU).</param>
    /// <param name="observer">Optional hook that sees (x_hat_t, h_hat_t) at every step.</param>
    /// <param name="progress">Optional progress: number of molecules finished.</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    public IReadOnlyList<Molecule> Sample(SamplingPlan plan, long seed, Device? device = null, ISamplingObserver? observer = null,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Model.ValidateSizes(plan.Sizes);
        var dev = device ?? CPU;
        var result = new Molecule[plan.Sizes.Count];
        var module = Model.Denoiser.Module;
        bool wasTraining = module.training;
        module.eval();
        int done = 0;
        try
        {
            using var noGrad = no_grad();
            foreach (var batch in plan.Batches)
            {
                var molecules = SampleBatch(batch, seed, dev, observer, cancellationToken);
                for (int i = 0; i < molecules.Length; i++) result[batch.MoleculeIds[i]] = molecules[i];
                done += molecules.Length;
                progress?.Report(done);
            }
        }
        finally
        {
            if (wasTraining) module.train();
        }
        return result;
    }

    private Molecule[] SampleBatch(SamplingBatch batch, long seed, Device device, ISamplingObserver? observer, CancellationToken ct)
    {
        var schedule = Model.Schedule;
        int T = schedule.Timesteps, b = batch.Sizes.Count, n = batch.PaddedSize;
        var streams = batch.MoleculeIds.Select(i => (long)i).ToArray();
        using var outer = NewDisposeScope();
        var maskArr = new float[b * n];
        for (int i = 0; i < b; i++) for (int a = 0; a < batch.Sizes[i]; a++) maskArr[i * n + a] = 1f;
        var mask = tensor(maskArr, new long[] { b, n, 1 }, device: device);
        var counts = tensor(batch.Sizes.Select(s => (long)s).ToArray(), device: device);
        var (zx, zh) = Model.SampleNoise(batch.Sizes, n, seed, streams, T, device);

        for (int s = T - 1; s >= 0; s--)
        {
            ct.ThrowIfCancellationRequested();
            int t = s + 1;
            using var scope = NewDisposeScope();
            var tTensor = full(b, (long)t, ScalarType.Int64, device: device);
            var eps = Model.PredictNoise(zx, zh, tTensor, mask, counts);
            observer?.OnStep(Observe(t, zx, zh, eps, mask, counts, batch));
            double gs = schedule.Gamma(s), gt = schedule.Gamma(t);
            var (sigma2ts, alphats) = NoiseScheduleMath.Transition(gs, gt);
            double sigmaT = schedule.Sigma(t), sigmaS = schedule.Sigma(s);
            double c = sigma2ts / alphats / sigmaT;
            double stdev = Math.Sqrt(sigma2ts) * sigmaS / sigmaT;
            var (nx, nh) = Model.SampleNoise(batch.Sizes, n, seed, streams, s, device);
            var newX = CenterOfMass.Remove(zx / alphats - c * eps.NoiseX + stdev * nx, mask);
            var newH = (zh / alphats - c * eps.NoiseH + stdev * nh) * mask;
            zx.Dispose(); zh.Dispose();
            zx = newX.MoveToOuterDisposeScope();
            zh = newH.MoveToOuterDisposeScope();
        }

        // Final step p(x, h | z_0): x ~ N((z_0 - sigma_0 eps_hat)/alpha_0, sigma_0/alpha_0) with StP-scaled noise;
        // h is read from z_0 itself (argmax over all K classes; no class is dropped).
        var t0 = zeros(b, ScalarType.Int64, device: device);
        var eps0 = Model.PredictNoise(zx, zh, t0, mask, counts);
        observer?.OnStep(Observe(0, zx, zh, eps0, mask, counts, batch));
        double a0 = schedule.Alpha(0), s0 = schedule.Sigma(0);
        var (fx, _) = Model.SampleNoise(batch.Sizes, n, seed, streams, FinalStep, device);
        var x = CenterOfMass.Remove((zx - s0 * eps0.NoiseX) / a0 + (s0 / a0) * fx, mask);
        x = Model.UnnormalizePositions(x, batch.Sizes);
        var h = Model.UnnormalizeFeatures(zh);
        return Decode(x, h, batch);
    }

    private SamplingStep Observe(int t, Tensor zx, Tensor zh, DenoiserOutput eps, Tensor mask, Tensor counts, SamplingBatch batch)
    {
        double alpha = Model.Schedule.Alpha(t), sigma = Model.Schedule.Sigma(t);
        var xHat = Model.UnnormalizePositions((zx - sigma * eps.NoiseX) / alpha, batch.Sizes);
        var hHat = Model.UnnormalizeFeatures((zh - sigma * eps.NoiseH) / alpha) * mask;
        return new SamplingStep(t, Model.Schedule.Timesteps, xHat, hHat, mask, counts, batch.MoleculeIds);
    }

    private Molecule[] Decode(Tensor x, Tensor h, SamplingBatch batch)
    {
        var features = Model.Options.Features;
        int b = batch.Sizes.Count, n = batch.PaddedSize, f = features.Count;
        var xs = x.cpu().data<float>().ToArray();
        var hs = h.cpu().data<float>().ToArray();
        var result = new Molecule[b];
        for (int i = 0; i < b; i++)
        {
            int size = batch.Sizes[i];
            var z = new int[size];
            var pos = new double[3 * size];
            for (int a = 0; a < size; a++)
            {
                int node = i * n + a;
                z[a] = features.Decode(hs.AsSpan(node * f, f));
                for (int d = 0; d < 3; d++) pos[3 * a + d] = xs[node * 3 + d];
            }
            if (pos.Any(v => !double.IsFinite(v)))
                throw new InvalidOperationException($"Sampling produced non-finite coordinates for molecule {batch.MoleculeIds[i]} (N = {size}); the denoiser diverged.");
            result[i] = new Molecule(z, pos, new Dictionary<string, string> { ["id"] = batch.MoleculeIds[i].ToString() });
        }
        return result;
    }
}
