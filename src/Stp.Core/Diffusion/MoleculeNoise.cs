using Stp.Codecs;
using Stp.Prior;
using Stp.Randomness;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Diffusion;

/// <summary>
/// The noise source of a run, and the one place where Scaling the Prior acts: every coordinate-noise draw of a
/// molecule with N atoms is multiplied by gamma_N (<see cref="PriorScale"/>) before the centre of mass is removed,
/// for the forward process (training target), the prior z_T, every reverse step and the final draw (paper eq. 10).
/// Feature noise and the latent codec's own noise are never scaled. Values are counter-based: molecule i's noise is
/// a pure function of (seed, purpose, stream i, step), never of its batch, padding or device.
/// </summary>
public sealed class MoleculeNoise
{
    /// <summary>Creates the noise source of a run.</summary>
    /// <param name="priorScale">gamma_N (<see cref="UnitPriorScaler"/> for plain EDM).</param>
    /// <param name="seed">The run's seed.</param>
    public MoleculeNoise(IPriorScaler priorScale, long seed)
    {
        PriorScale = priorScale ?? throw new ArgumentNullException(nameof(priorScale));
        Seed = seed;
    }

    /// <summary>gamma_N.</summary>
    public IPriorScaler PriorScale { get; }

    /// <summary>The run's seed.</summary>
    public long Seed { get; }

    /// <summary>
    /// Draws eps_x [B, N, 3] (standard normal on real atoms, times gamma_N unless <paramref name="purpose"/> is
    /// <see cref="NoisePurpose.Latent"/>, centre of mass removed, zero on padding) and eps_h [B, N, F] (standard normal
    /// on real atoms, zero on padding).
    /// </summary>
    /// <param name="purpose">What the noise is for (selects the random namespace and whether gamma_N applies).</param>
    /// <param name="sizes">Atom count of each molecule (real atoms first in every row).</param>
    /// <param name="paddedSize">Node dimension N of the batch.</param>
    /// <param name="featureCount">Feature channels F.</param>
    /// <param name="streams">One random stream per molecule (its id in a sampling run, its slot in a training batch).</param>
    /// <param name="step">The step (time step in sampling, training step in training).</param>
    /// <param name="device">Device of the returned tensors.</param>
    public LatentBatch Draw(NoisePurpose purpose, IReadOnlyList<int> sizes, int paddedSize, int featureCount,
        IReadOnlyList<long> streams, long step, Device device)
    {
        using var batch = ForBatch(sizes, paddedSize, featureCount, streams, device);
        return batch.Draw(purpose, step);
    }

    /// <summary>
    /// The noise of one batch (sizes, padding, streams and device fixed), with its per-batch constants (mask, gamma_N,
    /// stream keys) made once on the device: the sampler draws every step of a batch from it. Checks the sizes now.
    /// </summary>
    internal MoleculeNoiseBatch ForBatch(IReadOnlyList<int> sizes, int paddedSize, int featureCount, IReadOnlyList<long> streams, Device device) =>
        new(this, sizes, paddedSize, featureCount, streams, device);

    /// <summary>
    /// Within the returned scope (on this async flow), draws use the device generator (true) or the host generator
    /// (false) whatever the device; for tests that compare the two on the CPU.
    /// </summary>
    internal static IDisposable UseDeviceGenerator(bool device)
    {
        var previous = ForcedGenerator.Value;
        ForcedGenerator.Value = device;
        return new Restore(() => ForcedGenerator.Value = previous);
    }

    /// <summary>Whether draws for <paramref name="device"/> are generated there: on every device but the CPU, where the
    /// host generator is faster (benchmarks/README.md, "Noise generation"); both give the same values.</summary>
    internal static bool GeneratesOn(Device device) => ForcedGenerator.Value ?? device.type != DeviceType.CPU;

    private static readonly AsyncLocal<bool?> ForcedGenerator = new();

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    /// <summary>A training time step t_int ~ U{0, ..., <paramref name="timesteps"/>} for batch slot <paramref name="slot"/> at training step <paramref name="step"/>.</summary>
    public int DrawTimeStep(int slot, long step, int timesteps) =>
        CounterRandom.NextInt(RandomDomain.TrainingTime, Seed, slot, step, timesteps + 1);

    /// <summary>A continuous training time t ~ U(0, 1) for batch slot <paramref name="slot"/> at training step <paramref name="step"/> (flow matching).</summary>
    public double DrawTime(int slot, long step) => CounterRandom.Uniform(RandomDomain.TrainingTime, Seed, slot, step, 0);

    /// <summary>gamma_N, checked to be a positive finite number (throws naming the size otherwise).</summary>
    public double CheckedScale(int atomCount)
    {
        double g = PriorScale.PriorScale(atomCount);
        if (!(g > 0) || !double.IsFinite(g))
            throw new ArgumentOutOfRangeException(nameof(atomCount), atomCount, $"The prior has no usable scale for N = {atomCount} atoms (gamma_N = {g}).");
        return g;
    }
}
