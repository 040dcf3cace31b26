using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Sampling;
using Stp.Testing;
using Stp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.GeoLdm.Tests;

/// <summary>GeoLDM-StP end to end on real QM9 molecules: a tiny model trained through the Core trainer, then sampled.</summary>
public class TrainingIntegrationTests
{
    /// <summary>Diffusion and reconstruction loss of a fixed batch, averaged over <paramref name="draws"/> seeded draws of t and noise.</summary>
    private static (double Diffusion, double Reconstruction) Losses(DiffusionModel model, MoleculeBatch batch, int draws = 8)
    {
        double diffusion = 0, reconstruction = 0;
        using var noGrad = no_grad();
        for (int k = 0; k < draws; k++)
        {
            using var scope = NewDisposeScope();
            var loss = model.TrainingLoss(batch, seed: 99, step: k);
            reconstruction += loss.Auxiliary!.mean().item<float>();
            diffusion += (loss.PerMolecule - loss.Auxiliary).mean().item<float>();
        }
        return (diffusion / draws, reconstruction / draws);
    }

    /// <summary>Fraction of atoms whose decoded class (decoder on the encoder means) is the true class.</summary>
    private static double TypeAccuracy(GeoLdmCodec codec, MoleculeBatch batch)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var decoded = codec.Decode(codec.Encode(batch), batch.NodeMask, batch.Sizes);
        var predicted = decoded.ClassScores.argmax(2);
        var truth = batch.Features.narrow(2, 0, codec.Features.Vocabulary.Count).argmax(2);
        var mask = batch.NodeMask.squeeze(2);
        return ((predicted == truth).to(ScalarType.Float32) * mask).sum().item<float>() / mask.sum().item<float>();
    }

    [Test]
    public void TinyGeoLdmStpLearnsOnQm9AndSamplesWellFormedMolecules()
    {
        var path = SharedData.Data("qm9/qm9.xyz.gz");
        var train = XyzFile.Read(path).Where(m => !m.Properties.ContainsKey("split")).Take(600).ToList();
        using var model = TinyGeoLdm.Model(7, options: GeoLdmOptions.Small(AtomFeatures.Qm9, latentFeatures: 1, hiddenFeatures: 32, layers: 2));
        var codec = (GeoLdmCodec)model.Codec;
        using var probe = MoleculeBatch.Create(train.Take(64).ToList(), AtomFeatures.Qm9);
        var before = Losses(model, probe);
        double accuracyBefore = TypeAccuracy(codec, probe);
        double latentDifference = codec.RelativeCoordinateDifference(train);

        using var trainer = new DiffusionTrainer(model, train, new TrainerOptions { BatchSize = 16, LearningRate = 2e-3, EmaDecay = 0.99, Seed = 7 });
        var losses = Enumerable.Range(0, 200).Select(_ => trainer.TrainStep().Loss).ToList();
        (double Diffusion, double Reconstruction) after;
        double accuracy;
        IReadOnlyList<Molecule> molecules;
        var sizes = new[] { 5, 9, 17, 19, 23 };
        using (trainer.UseEmaWeights())
        {
            after = Losses(model, probe);
            accuracy = TypeAccuracy(codec, probe);
            molecules = new DiffusionSampler(model, new SamplerOptions { Steps = 50 }).Sample(SamplingPlan.Efficient(sizes, 3), seed: 1);
        }
        var counts = train.Take(64).SelectMany(m => m.AtomicNumbers).GroupBy(z => z).ToDictionary(g => g.Key, g => g.Count());
        double chance = counts.Values.Max() / (double)counts.Values.Sum();
        TestContext.Out.WriteLine($"diffusion loss {before.Diffusion:F4} -> {after.Diffusion:F4}; reconstruction loss {before.Reconstruction:F4} -> {after.Reconstruction:F4}; " +
            $"type accuracy {accuracyBefore:P1} -> {accuracy:P1} (majority class {chance:P1}); training loss median first 20 {Stats.Median(losses.Take(20)):F4}, last 50 {Stats.Median(losses.TakeLast(50)):F4}; " +
            $"relative l2 coordinate-latent difference {latentDifference:P2}");
        Assert.That(after.Diffusion, Is.LessThan(0.6 * before.Diffusion), "the diffusion loss falls well below its starting value");
        Assert.That(after.Reconstruction, Is.LessThan(0.3 * before.Reconstruction), "the reconstruction loss falls well below its starting value");
        Assert.That(accuracy, Is.GreaterThan(chance), "the decoder reconstructs atom types better than chance");
        Assert.That(latentDifference, Is.LessThan(0.2), "the frozen encoder stays close to the identity on coordinates");

        Assert.That(molecules.Select(m => m.AtomCount), Is.EqualTo(sizes));
        Assert.That(molecules.SelectMany(m => m.AtomicNumbers).Distinct(), Is.SubsetOf(new[] { 1, 6, 7, 8, 9 }));
        Assert.That(molecules.All(m => m.HasFiniteCoordinates));
        foreach (var m in molecules)
        {
            var c = Enumerable.Range(0, 3).Select(d => Enumerable.Range(0, m.AtomCount).Average(i => m.Positions[3 * i + d])).ToArray();
            Assert.That(c.Max(Math.Abs), Is.LessThan(1e-3 * Math.Max(1, m.Positions.Max(Math.Abs))), "zero centre of mass");
        }
    }
}
