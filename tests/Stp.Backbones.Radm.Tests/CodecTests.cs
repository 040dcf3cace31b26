using NUnit.Framework;
using Stp.Codecs;
using Stp.Data;
using Stp.Diffusion;
using Stp.Prior;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Radm.Tests;

/// <summary>The RADM codec: sizes, stages, the stage-1 loss, and what does (not) depend on orientation and padding.</summary>
public class CodecTests
{
    private const double Tolerance = 1e-5;

    internal static RadmAutoencoderOptions Tiny { get; } = RadmAutoencoderOptions.Small(hiddenFeatures: 32, decoderLayers: 2);

    [Test]
    public void ReleasedParameterCountsMatchFacts()
    {
        using var qm9 = new RadmCodec(AtomFeatures.Qm9, RadmAutoencoderOptions.Qm9);
        using var geom = new RadmCodec(AtomFeatures.GeomDrugs, RadmAutoencoderOptions.Geom);
        Assert.That(qm9.ParameterCounts, Is.EqualTo((727_044L, 3_554_066L, 925_451L)));
        Assert.That(geom.ParameterCounts, Is.EqualTo((730_118L, 1_584_407L, 928_011L)));
    }

    [Test]
    public void StagesDecideWhatTrains()
    {
        using var codec = new RadmCodec(AtomFeatures.Qm9, Tiny);
        long Trainable() => codec.Module.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
        var (enc, dec, align) = codec.ParameterCounts;
        Assert.That(codec.Stage, Is.EqualTo(RadmStage.Autoencoder));
        Assert.That(Trainable(), Is.EqualTo(dec + align), "stage 1: decoder + aligner, encoder frozen");
        Assert.That(enc, Is.EqualTo(12_036));
        codec.Stage = RadmStage.Diffusion;
        Assert.That(Trainable(), Is.EqualTo(0), "stage 2: the whole autoencoder frozen");
        using var batch = MoleculeBatch.Create(Molecules.Set(4, 6), AtomFeatures.Qm9);
        using var z = codec.Encode(batch).X;
        Assert.That(codec.AuxiliaryLoss(batch, new LatentBatch(z, zeros(2, 6, 1))), Is.Null);
    }

    [Test]
    public void LatentIsCentredMaskedAndSized()
    {
        using var codec = new RadmCodec(AtomFeatures.Qm9, Tiny);
        using var scope = NewDisposeScope();
        using var batch = MoleculeBatch.Create(Molecules.Set(3, 8, 5), AtomFeatures.Qm9);
        var z = codec.Encode(batch);
        Assert.That(z.X.shape, Is.EqualTo(new long[] { 3, 8, 3 }));
        Assert.That(z.H.shape, Is.EqualTo(new long[] { 3, 8, 1 }));
        Assert.That(z.X.sum(1).abs().max().item<float>(), Is.LessThan(1e-5f), "zero centre of mass");
        Assert.That((z.H * (1 - batch.NodeMask)).abs().max().item<float>(), Is.EqualTo(0f), "zero on padding");
        var d = codec.Decode(z, batch.NodeMask, batch.Sizes);
        Assert.That(d.ClassScores.shape, Is.EqualTo(new long[] { 3, 8, 5 }));
        Assert.That(d.Positions.sum(1).abs().max().item<float>(), Is.LessThan(1e-5f));
        var a = codec.Align(batch);
        AlignerParityTests.AssertProperRotations(a.Rotation);
        var e = Assert.Throws<ArgumentException>(() => codec.Encode(MoleculeBatch.Create(Molecules.Set(3), AtomFeatures.GeomDrugs)));
        Assert.That(e!.Message, Does.Contain("feature channels"));
    }

    [Test]
    public void EncodeAndDecodeDoNotDependOnPaddingOrBatchMates()
    {
        using var codec = new RadmCodec(AtomFeatures.Qm9, Tiny, seed: 4);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var mols = Molecules.Set(4, 11, 7);
        using var batch = MoleculeBatch.Create(mols, AtomFeatures.Qm9, padTo: 13);
        var z = codec.Encode(batch);
        var d = codec.Decode(z, batch.NodeMask, batch.Sizes);
        for (int i = 0; i < mols.Count; i++)
        {
            int n = mols[i].AtomCount;
            using var one = MoleculeBatch.Create([mols[i]], AtomFeatures.Qm9);
            var zi = codec.Encode(one);
            var di = codec.Decode(zi, one.NodeMask, one.Sizes);
            double err = new[]
            {
                Fixture.MaxAbs(zi.X[0], z.X[i, ..n]), Fixture.MaxAbs(zi.H[0], z.H[i, ..n]),
                Fixture.MaxAbs(di.Positions[0], d.Positions[i, ..n]), Fixture.MaxAbs(di.ClassScores[0], d.ClassScores[i, ..n]),
            }.Max();
            TestContext.Out.WriteLine($"molecule {i} ({n} atoms): alone vs padded to 13 with batch mates {err:E2}");
            Assert.That(err, Is.LessThan(Tolerance));
        }
    }

    [Test]
    public void TheFrozenEncoderIsRotationEquivariantOnAlignedCoordinates()
    {
        using var codec = new RadmCodec(AtomFeatures.Qm9, Tiny, seed: 2);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var batch = MoleculeBatch.Create(Molecules.Set(6, 9), AtomFeatures.Qm9);
        var graph = codec.Network.Graph(batch.Sizes, batch.PaddedSize, CPU);
        var q = tensor(Molecules.Rotation().Cast<double>().Select(v => (float)v).ToArray(), new long[] { 3, 3 });
        var (x1, h1) = codec.Network.Encode(batch.Positions, batch.Features, graph);
        var (x2, h2) = codec.Network.Encode(batch.Positions.matmul(q), batch.Features, graph);
        double ex = Fixture.MaxAbs(x1.matmul(q), x2), eh = Fixture.MaxAbs(h1, h2);
        TestContext.Out.WriteLine($"encoder: z_x equivariance {ex:E2}, z_h invariance {eh:E2}");
        Assert.That(Math.Max(ex, eh), Is.LessThan(Tolerance));
    }

    [Test]
    public void RotatingTheInputDoesNotChangeTheStage1LossAfterTheAligner()
    {
        // RADM is not equivariant by construction: what it guarantees is that everything after the aligner sees the
        // molecule only through x R. A molecule rotated by Q and aligned by Q^T R gives the same aligned coordinates,
        // latent, reconstruction and loss, so the pipeline's distribution does not depend on the data's orientation
        // once the aligner follows it.
        using var codec = new RadmCodec(AtomFeatures.Qm9, Tiny, seed: 5);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var mols = Molecules.Set(5, 9, 12);
        var qd = Molecules.Rotation();
        using var batch = MoleculeBatch.Create(mols, AtomFeatures.Qm9);
        using var rotated = MoleculeBatch.Create(mols.Select(m => Molecules.Rotated(m, qd)).ToList(), AtomFeatures.Qm9);
        var q = tensor(qd.Cast<double>().Select(v => (float)v).ToArray(), new long[] { 3, 3 });
        var r = codec.Align(batch).Rotation;
        var noise = new MoleculeNoise(UnitPriorScaler.Instance, 3).Draw(NoisePurpose.Latent, batch.Sizes, batch.PaddedSize, 1, [0, 1, 2], 0, CPU);
        Assert.That(Fixture.MaxAbs(batch.Positions, rotated.Positions), Is.GreaterThan(0.1), "the inputs differ");
        Assert.That(Fixture.MaxAbs(codec.Align(rotated).Positions, codec.Align(batch).Positions), Is.GreaterThan(1e-3), "the aligner is not equivariant");
        var loss = codec.LossForRotation(batch, r, noise);
        var lossRotated = codec.LossForRotation(rotated, q.t().matmul(r), noise);
        double err = Fixture.MaxAbs(loss, lossRotated);
        double alignedErr = Fixture.MaxAbs(bmm(batch.Positions, r), bmm(rotated.Positions, q.t().matmul(r)));
        TestContext.Out.WriteLine($"aligned coordinates of the two inputs differ by {alignedErr:E2}");
        TestContext.Out.WriteLine($"stage-1 loss {string.Join(", ", loss.data<float>().ToArray().Select(v => v.ToString("F5")))}; rotated input: max difference {err:E2}");
        Assert.That(err, Is.LessThan(Tolerance * Math.Max(1, loss.abs().max().item<float>())));
    }

    [Test]
    public void Stage1LossIsTheReferenceFormulaAndReachesTheAligner()
    {
        using var codec = new RadmCodec(AtomFeatures.Qm9, Tiny, seed: 1);
        using var scope = NewDisposeScope();
        using var batch = MoleculeBatch.Create(Molecules.Set(4, 7, 6), AtomFeatures.Qm9);
        var noise = new MoleculeNoise(UnitPriorScaler.Instance, 9).Draw(NoisePurpose.Latent, batch.Sizes, batch.PaddedSize, 1, [0, 1, 2], 0, CPU);
        var z = codec.Encode(batch);
        var latent = new LatentBatch((z.X + RadmCodec.LatentSigma * noise.X).detach(), (z.H + RadmCodec.LatentSigma * noise.H).detach());
        var cached = codec.AuxiliaryLoss(batch, latent)!;                 // uses the means kept by Encode
        var recomputed = codec.AuxiliaryLoss(batch, latent)!;             // recomputes them
        Assert.That(Fixture.MaxAbs(cached, recomputed), Is.LessThan(1e-6));

        // The reference's dist_loss + node_loss, written out with means over all B x N_pad slots.
        using (no_grad())
        {
            var aligned = codec.Align(batch).Positions;
            var graph = codec.Network.Graph(batch.Sizes, batch.PaddedSize, CPU);
            var (xr, hr) = codec.Network.Decode(latent.X, latent.H, graph);
            var m = batch.NodeMask;
            var dist = ((xr - aligned).square().sum(2, keepdim: true) * m).mean();
            var logits = hr.narrow(2, 0, 5).reshape(-1, 5);
            var ce = nn.functional.cross_entropy(logits, batch.Features.narrow(2, 0, 5).argmax(2).reshape(-1));
            var charge = ((hr.narrow(2, 5, 1) - batch.Features.narrow(2, 5, 1)).square() * m).mean();
            double reference = (dist + ce + charge).item<float>();
            TestContext.Out.WriteLine($"stage-1 loss: ours {cached.mean().item<float>():F6}, reference formula {reference:F6}");
            Assert.That(cached.mean().item<float>(), Is.EqualTo(reference).Within(1e-5 * Math.Abs(reference)));
        }

        cached.mean().backward();
        foreach (var part in codec.Network.Aligner.Append(codec.Network.Decoder))
            Assert.That(part.parameters().Sum(p => p.grad is null ? 0 : p.grad.abs().sum().item<float>()), Is.GreaterThan(0), "gradient reaches " + part.GetName());
        Assert.That(codec.Network.Encoder.parameters().All(p => p.grad is null), "the encoder gets no gradient");
    }
}
