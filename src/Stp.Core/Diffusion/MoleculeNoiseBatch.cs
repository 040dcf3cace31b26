using Stp.Codecs;
using Stp.Randomness;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Diffusion;

/// <summary>
/// The noise of one padded batch (<see cref="MoleculeNoise.ForBatch"/>): its node mask, gamma_N per molecule and, for
/// the device generator, the stream keys and index hashes are per-batch constants made once on the batch's device
/// and owned here, so a draw is a few kernels and no host-to-device copy. On the CPU the host generator fills the
/// values (<see cref="MoleculeNoise.GeneratesOn"/>); both give the same values (<see cref="CounterRandomTensors"/>).
/// </summary>
internal sealed class MoleculeNoiseBatch : IDisposable
{
    private readonly MoleculeNoise _noise;
    private readonly IReadOnlyList<int> _sizes;
    private readonly long[] _streams;
    private readonly int _paddedSize, _channels;
    private readonly Device _device;
    private readonly bool _onDevice;
    private Tensor? _gamma, _streamKeys, _indexHashes;

    public MoleculeNoiseBatch(MoleculeNoise noise, IReadOnlyList<int> sizes, int paddedSize, int featureCount, IReadOnlyList<long> streams, Device device)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(streams);
        if (streams.Count != sizes.Count) throw new ArgumentException($"{streams.Count} streams for {sizes.Count} molecules.", nameof(streams));
        _noise = noise;
        _sizes = sizes.ToArray();
        _streams = streams.ToArray();
        _paddedSize = paddedSize;
        _channels = 3 + featureCount;
        _device = device;
        _onDevice = MoleculeNoise.GeneratesOn(device);
        int b = sizes.Count;
        var mask = new float[b * paddedSize];
        for (int i = 0; i < b; i++)
        {
            if (sizes[i] < 1 || sizes[i] > paddedSize)
                throw new ArgumentOutOfRangeException(nameof(sizes), sizes[i], $"Molecule {i}: atom count outside 1..{paddedSize}.");
            for (int a = 0; a < sizes[i]; a++) mask[i * paddedSize + a] = 1f;
        }
        Mask = tensor(mask, new long[] { b, paddedSize, 1 }, device: device).DetachFromDisposeScope();
    }

    /// <summary>[B, N, 1] float32 node mask of the batch.</summary>
    public Tensor Mask { get; }

    /// <summary>Whether the values are generated on the device (else on the host and copied).</summary>
    public bool OnDevice => _onDevice;

    /// <summary>
    /// Draws eps_x [B, N, 3] (times gamma_N unless <paramref name="purpose"/> is <see cref="NoisePurpose.Latent"/>,
    /// centre of mass removed, zero on padding) and eps_h [B, N, F] (zero on padding), as <see cref="MoleculeNoise.Draw"/>.
    /// </summary>
    public LatentBatch Draw(NoisePurpose purpose, long step)
    {
        var domain = purpose switch
        {
            NoisePurpose.ForwardProcess => RandomDomain.ForwardProcess,
            NoisePurpose.Sampling => RandomDomain.Sampling,
            _ => RandomDomain.Latent,
        };
        var gamma = purpose == NoisePurpose.Latent ? null : Gamma();
        using var scope = NewDisposeScope();
        var all = _onDevice ? DeviceNormals(domain, step) : HostNormals(domain, step);
        var x = all[.., .., ..3];
        // Multiplying by gamma_N = 1 is exact, so the latent noise skips it.
        var ex = CenterOfMass.Remove(gamma is null ? x : x * gamma, Mask);
        var eh = all[.., .., 3..] * Mask;
        return new LatentBatch(ex.MoveToOuterDisposeScope(), eh.MoveToOuterDisposeScope());
    }

    private Tensor HostNormals(RandomDomain domain, long step)
    {
        int b = _sizes.Count, n = _paddedSize, d = _channels;
        var buf = new float[(long)b * n * d];
        for (int i = 0; i < b; i++)
            CounterRandom.FillNormal(buf.AsSpan(i * n * d, _sizes[i] * d), domain, _noise.Seed, _streams[i], step);
        return tensor(buf, new long[] { b, n, d }, device: _device);
    }

    // Values beyond a molecule's sizes[i] * d are generated too (the row is generated whole) and masked away by the
    // caller exactly as the host's zeros are: the masked sums and products are the same.
    private Tensor DeviceNormals(RandomDomain domain, long step)
    {
        long perMolecule = (long)_paddedSize * _channels;
        if (_streamKeys is null)
        {
            using var streams = tensor(_streams, device: _device);
            _streamKeys = CounterRandomTensors.StreamKeys(_noise.Seed, streams).DetachFromDisposeScope();
            _indexHashes = CounterRandomTensors.IndexHashes((perMolecule + 1) / 2 * 2, _device).DetachFromDisposeScope();
        }
        using var keys = CounterRandomTensors.Keys(domain, _streamKeys, step);
        return CounterRandomTensors.Normal(keys, _indexHashes!, perMolecule).view(_sizes.Count, _paddedSize, _channels);
    }

    private Tensor Gamma()
    {
        if (_gamma is null)
        {
            var scale = _sizes.Select(n => (float)_noise.CheckedScale(n)).ToArray();
            _gamma = tensor(scale, new long[] { scale.Length, 1, 1 }, device: _device).DetachFromDisposeScope();
        }
        return _gamma;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Mask.Dispose();
        _gamma?.Dispose();
        _streamKeys?.Dispose();
        _indexHashes?.Dispose();
    }
}
