using Stp.Data;
using Stp.Diffusion;
using Stp.Prior;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Codecs;

/// <summary>
/// The paper's "-N" ablation as a codec decorator: the coordinates of a molecule with N atoms are divided by gamma_N
/// after encoding and multiplied back before decoding, while every noise draw stays unit (StP authors' --data_norm,
/// FACTS 7). It decorates any codec, so the ablation exists for latent models too.
/// </summary>
public sealed class NormalizedCoordinatesCodec : IMoleculeCodec
{
    /// <summary>Wraps <paramref name="inner"/>, normalising its coordinates by <paramref name="priorScale"/>'s gamma_N.</summary>
    public NormalizedCoordinatesCodec(IMoleculeCodec inner, IPriorScaler priorScale)
    {
        Inner = inner ?? throw new ArgumentNullException(nameof(inner));
        PriorScale = priorScale ?? throw new ArgumentNullException(nameof(priorScale));
    }

    /// <summary>The decorated codec.</summary>
    public IMoleculeCodec Inner { get; }

    /// <summary>gamma_N used as the coordinate normaliser.</summary>
    public IPriorScaler PriorScale { get; }

    /// <inheritdoc />
    public AtomFeatures Features => Inner.Features;

    /// <inheritdoc />
    public int LatentFeatureCount => Inner.LatentFeatureCount;

    /// <inheritdoc />
    public nn.Module? Module => Inner.Module;

    /// <inheritdoc />
    public double LatentNoise => Inner.LatentNoise;

    /// <inheritdoc />
    public FinalFeatureSource FinalFeatures => Inner.FinalFeatures;

    /// <inheritdoc />
    public LatentBatch Encode(MoleculeBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var z = Inner.Encode(batch);
        using var g = Gammas(batch.Sizes, z.X.device);
        var x = z.X / g;
        z.X.Dispose();
        return z with { X = x };
    }

    /// <inheritdoc />
    public DecodedBatch Decode(LatentBatch latent, Tensor nodeMask, IReadOnlyList<int> sizes)
    {
        ArgumentNullException.ThrowIfNull(latent);
        using var scope = NewDisposeScope();
        var x = latent.X * Gammas(sizes, latent.X.device);
        var decoded = Inner.Decode(latent with { X = x }, nodeMask, sizes);
        return new DecodedBatch(decoded.Positions.MoveToOuterDisposeScope(), decoded.ClassScores.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public Tensor? AuxiliaryLoss(MoleculeBatch batch, LatentBatch latent)
    {
        using var scope = NewDisposeScope();
        var loss = Inner.AuxiliaryLoss(batch, latent with { X = latent.X * Gammas(batch.Sizes, latent.X.device) });
        return loss?.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Validate(INoiseSchedule schedule) => Inner.Validate(schedule);

    /// <inheritdoc />
    public void ValidateSize(int atomCount)
    {
        Inner.ValidateSize(atomCount);
        double g = PriorScale.PriorScale(atomCount);
        if (!(g > 0) || !double.IsFinite(g))
            throw new ArgumentOutOfRangeException(nameof(atomCount), atomCount, $"The -N coordinate normaliser has no usable scale for N = {atomCount} atoms (gamma_N = {g}).");
    }

    private Tensor Gammas(IReadOnlyList<int> sizes, Device device) =>
        tensor(sizes.Select(n => (float)PriorScale.PriorScale(n)).ToArray(), new long[] { sizes.Count, 1, 1 }, device: device);
}
