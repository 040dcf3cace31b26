using NUnit.Framework;
using Stp.Chemistry;
using Stp.Codecs;
using Stp.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.GeoLdm.Tests;

/// <summary>The codec against the fixture (encode from molecules, decode, decode()'s features), and its symmetries.</summary>
public class CodecTests
{
    private const double Tolerance = 1e-5;

    [Test]
    public void EncodeDecodeMatchReference()
    {
        using var fx = new AutoencoderFixture();
        using var codec = fx.Codec();
        using var scope = torch.NewDisposeScope();
        using var batch = MoleculeBatch.Create(fx.Molecules(), AtomFeatures.Qm9, padTo: AutoencoderFixture.PaddedSize);
        var z = codec.Encode(batch);
        double errX = AutoencoderFixture.MaxAbs(z.X, fx["z_x_mean"]), errH = AutoencoderFixture.MaxAbs(z.H, fx["z_h_mean"]);
        var zRef = new LatentBatch(fx["z"].narrow(2, 0, 3), fx["z"].narrow(2, 3, AutoencoderFixture.LatentFeatures));
        var decoded = codec.Decode(zRef, batch.NodeMask, batch.Sizes);
        double errRec = AutoencoderFixture.MaxAbs(decoded.Positions, fx["x_rec"]);
        double errLogits = AutoencoderFixture.MaxAbs(decoded.ClassScores, fx["h_rec"].narrow(2, 0, 5));
        var features = codec.DecodeFeatures(zRef, batch.NodeMask, batch.Sizes);
        TestContext.Out.WriteLine($"codec: z_x {errX:E2}, z_h {errH:E2}, x_rec {errRec:E2}, logits {errLogits:E2}");
        Assert.That(errX, Is.LessThan(Tolerance));
        Assert.That(errH, Is.LessThan(Tolerance));
        Assert.That(errRec, Is.LessThan(Tolerance));
        Assert.That(errLogits, Is.LessThan(Tolerance));
        Assert.That(AutoencoderFixture.MaxAbs(features.narrow(2, 0, 5), fx["decode_one_hot"]), Is.Zero, "decode() one-hot");
        Assert.That(AutoencoderFixture.MaxAbs(features.narrow(2, 5, 1), fx["decode_charges"]), Is.Zero, "decode() rounded Z");
        Assert.That(codec.EncoderParameterCount, Is.EqualTo(12_102));
        Assert.That(codec.DecoderParameterCount, Is.EqualTo(19_496));
        Assert.That(codec.Module.parameters().Where(p => p.requires_grad).Sum(p => p.numel()), Is.EqualTo(19_496), "only the decoder trains");
    }

    [TestCase(1, false)]
    [TestCase(2, false)]
    [TestCase(3, true)]
    [TestCase(4, true)]
    public void LatentAndReconstructionAreEquivariant(int seed, bool reflect)
    {
        using var fx = new AutoencoderFixture();
        using var codec = fx.Codec();
        using var scope = torch.NewDisposeScope();
        var q = Rotations.Random(seed, reflect);
        var rng = new Random(seed);
        var molecules = fx.Molecules();
        var moved = molecules.Select(m => Rotations.Apply(m, q, (rng.NextDouble() * 10 - 5, rng.NextDouble() * 10 - 5, rng.NextDouble() * 10 - 5))).ToList();
        using var a = MoleculeBatch.Create(molecules, AtomFeatures.Qm9);
        using var b = MoleculeBatch.Create(moved, AtomFeatures.Qm9);
        var za = codec.Encode(a);
        var zb = codec.Encode(b);
        double errZx = AutoencoderFixture.MaxAbs(zb.X, Rotations.Rotate(za.X, q)), errZh = AutoencoderFixture.MaxAbs(zb.H, za.H);
        using var noGrad = torch.no_grad();
        var (xa, ha) = codec.Reconstruct(za, a.Sizes);
        var (xb, hb) = codec.Reconstruct(new LatentBatch(Rotations.Rotate(za.X, q), za.H), a.Sizes);
        double errRec = AutoencoderFixture.MaxAbs(xb, Rotations.Rotate(xa, q)), errLogits = AutoencoderFixture.MaxAbs(hb, ha);
        TestContext.Out.WriteLine($"seed {seed} reflect {reflect}: z_x {errZx:E2}, z_h {errZh:E2}, x_rec {errRec:E2}, h_rec {errLogits:E2}");
        Assert.That(errZx, Is.LessThan(Tolerance));
        Assert.That(errZh, Is.LessThan(Tolerance));
        Assert.That(errRec, Is.LessThan(Tolerance));
        Assert.That(errLogits, Is.LessThan(Tolerance));
    }

    [Test]
    public void PermutationAndBatchingInvariance()
    {
        using var fx = new AutoencoderFixture();
        using var codec = fx.Codec();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var molecules = fx.Molecules();
        using var all = MoleculeBatch.Create(molecules, AtomFeatures.Qm9);
        var z = codec.Encode(all);
        var (xRec, hRec) = codec.Reconstruct(z, all.Sizes);
        double worst = 0;
        var rng = new Random(3);
        for (int m = 0; m < molecules.Count; m++)
        {
            int n = molecules[m].AtomCount;
            var perm = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).ToArray();
            var permuted = new Molecule(perm.Select(i => molecules[m].AtomicNumbers[i]).ToArray(),
                perm.SelectMany(i => molecules[m].Positions.Skip(3 * i).Take(3)).ToArray());
            foreach (int pad in new[] { n, n + 7, 40 })
            {
                // Molecule m alone (atoms permuted), padded to `pad`, beside a smaller one.
                using var alone = MoleculeBatch.Create(new[] { permuted, molecules[0] }, AtomFeatures.Qm9, padTo: pad);
                var za = codec.Encode(alone);
                var (xa, ha) = codec.Reconstruct(za, alone.Sizes);
                var idx = torch.tensor(perm.Select(i => (long)i).ToArray());
                Tensor Ref(Tensor t) => t[m].narrow(0, 0, n).index_select(0, idx);
                foreach (var (ours, reference) in new[] { (za.X, z.X), (za.H, z.H), (xa, xRec), (ha, hRec) })
                {
                    double err = AutoencoderFixture.MaxAbs(ours[0].narrow(0, 0, n), Ref(reference));
                    worst = Math.Max(worst, err);
                    Assert.That(err, Is.LessThan(Tolerance), $"molecule {m} padded to {pad}");
                    Assert.That(ours[0].narrow(0, n, pad - n).abs().sum().item<float>(), Is.Zero, "zero on padding");
                }
            }
        }
        TestContext.Out.WriteLine($"permutation + batching invariance: worst error {worst:E2}");
    }

    [Test]
    public void GeomCodecKeepsEveryClassAndHasNoZChannel()
    {
        // Without a Z channel the reference's decode() slices h[:, :, 3:-1] and drops the last class (Bi); ours keeps all 16.
        manual_seed(4);
        using var codec = new GeoLdmCodec(GeoLdmOptions.Small(AtomFeatures.GeomDrugs, latentFeatures: 2, hiddenFeatures: 16, layers: 1));
        var molecules = new[] { new Molecule(new[] { 6, 83, 1, 35 }, new double[] { 0, 0, 0, 1.5, 0, 0, 0, 1.1, 0, -1.9, 0, 0 }) };
        using var scope = NewDisposeScope();
        using var batch = MoleculeBatch.Create(molecules, AtomFeatures.GeomDrugs, padTo: 6);
        var z = codec.Encode(batch);
        var decoded = codec.Decode(z, batch.NodeMask, batch.Sizes);
        Assert.That(decoded.ClassScores.shape, Is.EqualTo(new long[] { 1, 6, 16 }));
        Assert.That(codec.DecodeFeatures(z, batch.NodeMask, batch.Sizes).shape, Is.EqualTo(new long[] { 1, 6, 16 }));
        // Reconstruction error: coordinates + cross-entropy over all 6 slots (2 padding slots add log 16), no Z term, / (3 + 16) * 6.
        var (xRec, hRec) = codec.Reconstruct(z, batch.Sizes);
        var ce = nn.functional.cross_entropy(hRec.reshape(6, 16), batch.Features.argmax(2).reshape(6), reduction: nn.Reduction.Sum);
        var expected = ((xRec - batch.Positions).square().sum() + ce) / (19.0 * 6);
        Assert.That(codec.ReconstructionLoss(batch, z).item<float>(), Is.EqualTo(expected.item<float>()).Within(1e-5));
    }

    [Test]
    public void NormalizedCoordinatesAblationWrapsTheCodec()
    {
        using var model = TinyGeoLdm.Model(6, Stp.Diffusion.PriorKind.NormalizedCoordinates);
        using var batch = MoleculeBatch.Create(TinyGeoLdm.Molecules(4, 2), AtomFeatures.Qm9);
        using var scope = NewDisposeScope();
        var loss = model.TrainingLoss(batch, 1, 0);
        Assert.That(double.IsFinite(loss.Loss.item<float>()) && loss.Auxiliary is not null);
        using var dir = new Stp.Testing.TempFolder();
        model.Save(dir.File("m"));
        using var loaded = Stp.Diffusion.DiffusionModel.Load(dir.File("m"));
        Assert.That(loaded.Prior, Is.EqualTo(Stp.Diffusion.PriorKind.NormalizedCoordinates));
        Assert.That(((NormalizedCoordinatesCodec)loaded.Codec).Inner, Is.TypeOf<GeoLdmCodec>());
    }
}
