using NUnit.Framework;
using Stp.Codecs;
using Stp.Data;
using Stp.Diffusion;
using Stp.Objectives;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.GeoLdm.Tests;

/// <summary>GeoLDM's joint objective (FACTS 3.1, 3.2) through Core's <see cref="DiffusionModel.TrainingLoss"/>.</summary>
public class LossTests
{
    [Test]
    public void ReconstructionLossIsGeoLdmsNormalisedError()
    {
        using var fx = new AutoencoderFixture();
        using var codec = fx.Codec();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var molecules = fx.Molecules();
        using var batch = MoleculeBatch.Create(molecules, AtomFeatures.Qm9);
        var z = codec.Encode(batch);
        var loss = codec.ReconstructionLoss(batch, z).data<float>().ToArray();
        var (xRec, hRec) = codec.Reconstruct(z, batch.Sizes);
        int n = batch.PaddedSize;
        var xr = xRec.data<float>().ToArray();
        var hr = hRec.data<float>().ToArray();
        var x = batch.Positions.data<float>().ToArray();
        for (int b = 0; b < molecules.Count; b++)
        {
            var m = molecules[b];
            double err = 0;
            for (int a = 0; a < n; a++)
            {
                int node = b * n + a;
                var logits = Enumerable.Range(0, 5).Select(k => (double)hr[node * 6 + k]).ToArray();
                double lse = Math.Log(logits.Sum(Math.Exp));
                if (a >= m.AtomCount) { err += lse; continue; } // padding: zero logits vs class 0 -> log 5
                for (int d = 0; d < 3; d++) err += Math.Pow(xr[node * 3 + d] - x[node * 3 + d], 2);
                err += lse - logits[AtomFeatures.Qm9.Vocabulary.ClassOf(m.AtomicNumbers[a])];
                err += Math.Pow(hr[node * 6 + 5] - m.AtomicNumbers[a], 2);
            }
            double expected = err / ((3 + 6) * n);
            Assert.That(loss[b], Is.EqualTo(expected).Within(1e-5 * expected), $"molecule {b}");
        }

        // Padding slots add exactly log K each to the unnormalised error, as in the reference.
        using var padded = MoleculeBatch.Create(molecules, AtomFeatures.Qm9, padTo: n + 10);
        var lossPadded = codec.ReconstructionLoss(padded, codec.Encode(padded)).data<float>().ToArray();
        for (int b = 0; b < molecules.Count; b++)
            Assert.That(lossPadded[b] * 9.0 * (n + 10), Is.EqualTo(loss[b] * 9.0 * n + 10 * Math.Log(5)).Within(1e-4), $"molecule {b}");
    }

    [TestCase(PriorKind.ScaledPrior)]
    [TestCase(PriorKind.Unit)]
    public void TrainingLossAddsTheReconstructionOfTheNoisyDetachedLatent(PriorKind prior)
    {
        using var model = TinyGeoLdm.Model(3, prior);
        var codec = (GeoLdmCodec)model.Codec;
        var molecules = TinyGeoLdm.Molecules(12, 1);
        using var batch = MoleculeBatch.Create(molecules, AtomFeatures.Qm9);
        using var scope = torch.NewDisposeScope();
        const long seed = 4, step = 7;
        var loss = model.TrainingLoss(batch, seed, step);

        // z = encoder mean + sigma_0 eps (eps CoM-free, never gamma_N-scaled), detached; the same z feeds both terms.
        var noise = model.CreateNoise(seed);
        var mean = codec.Encode(batch);
        var eps = noise.Draw(NoisePurpose.Latent, batch.Sizes, batch.PaddedSize, codec.LatentFeatureCount,
            Enumerable.Range(0, batch.Count).Select(i => (long)i).ToArray(), step, CPU);
        var z = new LatentBatch(mean.X + codec.LatentNoise * eps.X, mean.H + codec.LatentNoise * eps.H);
        var recon = codec.ReconstructionLoss(batch, z);
        var diffusion = EpsilonObjective.Instance.Loss(model, new ObjectiveInput(z, batch.NodeMask, batch.AtomCounts, batch.Sizes, null, noise, step));
        Assert.That(codec.LatentNoise, Is.EqualTo(0.0031623).Within(1e-7), "sigma_0 of polynomial_2");
        Assert.That(AutoencoderFixture.MaxAbs(loss.Auxiliary!, recon), Is.LessThan(1e-6));
        Assert.That(AutoencoderFixture.MaxAbs(loss.PerMolecule, diffusion.PerMolecule + recon), Is.LessThan(1e-6));
        Assert.That(loss.Loss.item<float>(), Is.EqualTo(loss.PerMolecule.mean().item<float>()).Within(1e-6));

        // Gradients reach the decoder and the latent EGNN, never the encoder.
        loss.Loss.backward();
        var encoder = codec.Module.named_parameters().Where(p => p.name.StartsWith("encoder.")).ToList();
        var decoder = codec.Module.named_parameters().Where(p => p.name.StartsWith("decoder.")).ToList();
        Assert.That(encoder.All(p => p.parameter.grad is null && !p.parameter.requires_grad), "encoder frozen");
        Assert.That(decoder.Any(p => p.parameter.grad is { } g && g.abs().sum().item<float>() > 0), "decoder trained");
        Assert.That(model.Denoiser.Module.parameters().Any(p => p.grad is { } g && g.abs().sum().item<float>() > 0), "dynamics trained");
    }

    [Test]
    public void LatentNoiseMustBeTheSchedulesSigmaZero()
    {
        using var codec = new GeoLdmCodec(TinyGeoLdm.Options(), latentNoise: 0.01);
        var e = Assert.Throws<ArgumentException>(() => _ = new DiffusionModel(new Edm.EgnnDenoiser(codec.Options.DenoiserOptions), PolynomialSchedule.Edm, codec))!;
        Assert.That(e.ParamName, Is.EqualTo("schedule"));
        Assert.That(e.Message, Does.Contain("sigma_0"));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new GeoLdmCodec(TinyGeoLdm.Options(), latentNoise: -1));
    }

    [Test]
    public void BatchesWithOtherFeaturesAreRejected()
    {
        using var codec = new GeoLdmCodec(TinyGeoLdm.Options());
        using var batch = MoleculeBatch.Create(TinyGeoLdm.Molecules(2, 1), new AtomFeatures(AtomFeatures.Qm9.Vocabulary, false));
        var e = Assert.Throws<ArgumentException>(() => codec.Encode(batch))!;
        Assert.That(e.ParamName, Is.EqualTo("batch"));
        Assert.That(e.Message, Does.Contain("expects 6"));
    }
}
