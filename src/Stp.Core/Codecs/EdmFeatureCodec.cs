using Stp.Runtime;
using Stp.Data;
using Stp.Diffusion;
using Stp.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Codecs;

/// <summary>
/// EDM's data-space codec (FACTS 1.3): z_x = x / PositionNorm (zero CoM), z_h = [one-hot / CategoricalNorm,
/// Z / AtomicNumberNorm]; decoding multiplies back and the atom class is the argmax over all K one-hot channels (no
/// class is dropped, unlike EDM's slicing quirk, FACTS 1.14). Released norms: [1, 4, 10]; conditional: [1, 8, 1].
/// The final sampling step reads h from z_0 itself (<see cref="FinalFeatureSource.FromLatent"/>), as EDM does.
/// </summary>
public sealed class EdmFeatureCodec : IMoleculeCodec, IDescribedComponent
{
    /// <summary>Creates the codec.</summary>
    /// <param name="features">Atom feature layout (one-hot over the vocabulary, optionally the Z channel).</param>
    /// <param name="positionNorm">EDM norm_values[0] (default 1).</param>
    /// <param name="categoricalNorm">EDM norm_values[1] (default 4: a hot entry becomes 0.25).</param>
    /// <param name="atomicNumberNorm">EDM norm_values[2] (default 10).</param>
    public EdmFeatureCodec(AtomFeatures features, double positionNorm = 1.0, double categoricalNorm = 4.0, double atomicNumberNorm = 10.0)
    {
        Features = features ?? throw new ArgumentNullException(nameof(features));
        PositionNorm = Positive(positionNorm, nameof(positionNorm));
        CategoricalNorm = Positive(categoricalNorm, nameof(categoricalNorm));
        AtomicNumberNorm = Positive(atomicNumberNorm, nameof(atomicNumberNorm));
    }

    /// <summary>EDM's released QM9 codec: 5 one-hot + Z, norms [1, 4, 10].</summary>
    public static EdmFeatureCodec Qm9 { get; } = new(AtomFeatures.Qm9);

    /// <inheritdoc />
    public AtomFeatures Features { get; }

    /// <summary>Coordinates are divided by this (EDM norm_values[0]).</summary>
    public double PositionNorm { get; }

    /// <summary>The one-hot block is divided by this (EDM norm_values[1]).</summary>
    public double CategoricalNorm { get; }

    /// <summary>The atomic-number channel is divided by this (EDM norm_values[2]).</summary>
    public double AtomicNumberNorm { get; }

    /// <inheritdoc />
    public int LatentFeatureCount => Features.Count;

    /// <inheritdoc />
    public nn.Module? Module => null;

    /// <inheritdoc />
    public double LatentNoise => 0;

    /// <inheritdoc />
    public FinalFeatureSource FinalFeatures => FinalFeatureSource.FromLatent;

    /// <inheritdoc />
    public LatentBatch Encode(MoleculeBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        var x = CenterOfMass.Remove(batch.Positions, batch.NodeMask).DividedBy(PositionNorm);
        var h = batch.Features * FeatureScale(batch.Features.device) * batch.NodeMask;
        return new LatentBatch(x.MoveToOuterDisposeScope(), h.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public DecodedBatch Decode(LatentBatch latent, Tensor nodeMask, IReadOnlyList<int> sizes)
    {
        ArgumentNullException.ThrowIfNull(latent);
        using var scope = NewDisposeScope();
        var x = latent.X.Times(PositionNorm) * nodeMask;
        var scores = latent.H.narrow(2, 0, Features.Vocabulary.Count).Times(CategoricalNorm) * nodeMask;
        return new DecodedBatch(x.MoveToOuterDisposeScope(), scores.MoveToOuterDisposeScope());
    }

    /// <summary>EDM's safety check: 8 sigma_0 must not exceed 1 / max(categorical norm, atomic-number norm).</summary>
    public void Validate(INoiseSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        double sigma0 = schedule.Sigma(0);
        double maxNorm = Math.Max(CategoricalNorm, Features.IncludeAtomicNumber ? AtomicNumberNorm : 0);
        if (8 * sigma0 > 1 / maxNorm)
            throw new ArgumentException($"Feature normalisation too coarse for this schedule: 8 sigma_0 = {8 * sigma0:G4} > 1/{maxNorm} (EDM's safety check).", nameof(schedule));
    }

    /// <inheritdoc />
    public ComponentDescription Describe() => EdmFeatureCodecFactory.Describe(this);

    /// <summary>Unnormalised features [B, N, F] of a latent z_h (one-hot block times CategoricalNorm, Z times AtomicNumberNorm).</summary>
    public Tensor Unnormalize(Tensor h) => h / FeatureScale(h.device);

    // The per-channel scale, made once per device (a model constant: not copied from the host on every training step).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Tensor> _featureScale = new(StringComparer.Ordinal);

    private Tensor FeatureScale(Device device) => _featureScale.GetOrAdd(device.ToString(), _ =>
    {
        int k = Features.Vocabulary.Count;
        var s = new float[Features.Count];
        for (int i = 0; i < k; i++) s[i] = (float)(1.0 / CategoricalNorm);
        if (Features.IncludeAtomicNumber) s[k] = (float)(1.0 / AtomicNumberNorm);
        return tensor(s, device: device).DetachFromDisposeScope();
    });

    private static double Positive(double v, string name) =>
        v > 0 && double.IsFinite(v) ? v : throw new ArgumentOutOfRangeException(name, v, "A normalisation factor must be positive and finite.");
}
