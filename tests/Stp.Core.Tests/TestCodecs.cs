using Stp.Codecs;
using Stp.Data;
using Stp.Diffusion;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

/// <summary>The identity codec: raw one-hot features and Angstrom coordinates are the diffusion space.</summary>
internal sealed class IdentityCodec(AtomFeatures features) : IMoleculeCodec
{
    public AtomFeatures Features { get; } = features;
    public int LatentFeatureCount => Features.Count;
    public nn.Module? Module => null;
    public double LatentNoise => 0;
    public FinalFeatureSource FinalFeatures => FinalFeatureSource.FromLatent;
    public LatentBatch Encode(MoleculeBatch batch) => new(CenterOfMass.Remove(batch.Positions, batch.NodeMask), batch.Features * batch.NodeMask);
    public DecodedBatch Decode(LatentBatch latent, Tensor nodeMask, IReadOnlyList<int> sizes) =>
        new(latent.X * nodeMask, latent.H.narrow(2, 0, Features.Vocabulary.Count) * nodeMask);
}

/// <summary>
/// A tiny trainable latent codec in GeoLDM's shape: a linear encoder of the one-hot to L latent channels (frozen at its
/// seeded initialisation because the latent is detached), coordinates passed through, a linear decoder to class logits
/// trained by the auxiliary cross-entropy on the noisy latent.
/// </summary>
internal sealed class TinyLatentCodec : nn.Module, IMoleculeCodec
{
    private readonly Linear encoder;
    private readonly Linear decoder;

    public TinyLatentCodec(AtomFeatures features, int latent, long seed) : base("tiny_codec")
    {
        manual_seed(seed);
        Features = features;
        LatentFeatureCount = latent;
        encoder = nn.Linear(features.Vocabulary.Count, latent);
        decoder = nn.Linear(latent, features.Vocabulary.Count);
        RegisterComponents();
    }

    public AtomFeatures Features { get; }
    public int LatentFeatureCount { get; }
    public nn.Module? Module => this;
    public double LatentNoise => 0.00316;
    public FinalFeatureSource FinalFeatures => FinalFeatureSource.FromPrediction;
    public Tensor EncoderWeight => encoder.weight!;
    public Tensor DecoderWeight => decoder.weight!;

    public LatentBatch Encode(MoleculeBatch batch)
    {
        var k = Features.Vocabulary.Count;
        return new(CenterOfMass.Remove(batch.Positions, batch.NodeMask), encoder.call(batch.Features.narrow(2, 0, k)) * batch.NodeMask);
    }

    public DecodedBatch Decode(LatentBatch latent, Tensor nodeMask, IReadOnlyList<int> sizes) =>
        new(latent.X * nodeMask, decoder.call(latent.H) * nodeMask);

    public Tensor? AuxiliaryLoss(MoleculeBatch batch, LatentBatch latent)
    {
        var k = Features.Vocabulary.Count;
        var logits = decoder.call(latent.H);
        var target = batch.Features.narrow(2, 0, k);
        var ce = -(nn.functional.log_softmax(logits, 2) * target).sum(2, keepdim: true) * batch.NodeMask;
        return ce.sum(new long[] { 1, 2 }) / batch.NodeMask.sum(new long[] { 1, 2 });
    }
}
