using NUnit.Framework;
using Stp.Chemistry;
using Stp.Diffusion;
using Stp.Sampling;
using Stp.Training;
using static Stp.Core.Tests.EngineSetup;

namespace Stp.Core.Tests;

/// <summary>Codecs other than EDM's train and sample through the same trainer and sampler.</summary>
public class CodecTests
{
    private static readonly List<Molecule> Data = Enumerable.Range(0, 48).Select(i => RandomMolecule(3 + i % 9, 300 + i)).ToList();
    private static float[] Flat(TorchSharp.torch.Tensor t) => t.detach().cpu().data<float>().ToArray();

    [Test]
    public void IdentityCodecTrainsAndSamples()
    {
        var net = new TinyDenoiser(Features.Count, 4);
        var model = new DiffusionModel(net, new ScaledPriorSchedule(new PolynomialSchedule(50), new FuncPriorScaler(Gamma)), new IdentityCodec(Features));
        using var trainer = new DiffusionTrainer(model, Data, new TrainerOptions { BatchSize = 8, LearningRate = 1e-3, EmaDecay = 0.9, Seed = 2 });
        var losses = Enumerable.Range(0, 120).Select(_ => trainer.TrainStep().Loss).ToArray();
        TestContext.Out.WriteLine($"loss {losses.Take(20).Average():F3} -> {losses.Skip(100).Average():F3}");
        Assert.That(losses.Skip(100).Average(), Is.LessThan(0.9 * losses.Take(20).Average()));
        IReadOnlyList<Molecule> mols;
        using (trainer.UseEmaWeights()) mols = new DiffusionSampler(model).Sample(SamplingPlan.Efficient(new[] { 3, 5, 11 }, 2), seed: 1);
        Assert.That(mols.Select(m => m.AtomCount), Is.EqualTo(new[] { 3, 5, 11 }));
        Assert.That(mols.SelectMany(m => m.AtomicNumbers).Distinct(), Is.SubsetOf(new[] { 1, 6, 7 }));
        Assert.That(mols.All(m => m.HasFiniteCoordinates));
    }

    [Test]
    public void TrainableLatentCodecTrainsItsDecoderAndKeepsItsEncoderAtInitialisation()
    {
        var codec = new TinyLatentCodec(Features, latent: 2, seed: 9);
        var net = new TinyDenoiser(2, 5);
        var model = new DiffusionModel(net, new ScaledPriorSchedule(new PolynomialSchedule(50), new FuncPriorScaler(Gamma)), codec);
        Assert.That(model.Parts.Select(p => p.Name), Is.EqualTo(new[] { "denoiser", "codec" }));
        var enc0 = Flat(codec.EncoderWeight);
        var dec0 = Flat(codec.DecoderWeight);
        using var trainer = new DiffusionTrainer(model, Data, new TrainerOptions { BatchSize = 8, LearningRate = 1e-1, EmaDecay = 0, Seed = 2 });
        var aux = new List<double>();
        for (int i = 0; i < 150; i++)
        {
            trainer.TrainStep();
            using var batch = Stp.Data.MoleculeBatch.Create(Data.Take(16).ToList(), Features);
            using var scope = TorchSharp.torch.NewDisposeScope();
            aux.Add(model.TrainingLoss(batch, 5, i).Auxiliary!.mean().item<float>());
        }
        TestContext.Out.WriteLine($"auxiliary (reconstruction) loss {aux[0]:F3} -> {aux[^1]:F3}");
        Assert.That(aux[^1], Is.LessThan(0.85 * aux[0]), "the decoder learns to read the latent");
        double accuracy;
        using (var batch = Stp.Data.MoleculeBatch.Create(Data, Features))
        using (var scope = TorchSharp.torch.NewDisposeScope())
        {
            var decoded = codec.Decode(codec.Encode(batch), batch.NodeMask, batch.Sizes);
            var truth = batch.Features.narrow(2, 0, 3).argmax(2);
            var hit = (decoded.ClassScores.argmax(2) == truth).to_type(TorchSharp.torch.ScalarType.Float32) * batch.NodeMask.squeeze(2);
            accuracy = hit.sum().item<float>() / batch.NodeMask.sum().item<float>();
        }
        TestContext.Out.WriteLine($"decoded atom types: {accuracy:P1} correct");
        Assert.That(accuracy, Is.GreaterThan(0.95));
        Assert.That(Flat(codec.EncoderWeight), Is.EqualTo(enc0), "the latent is detached: the encoder stays at its seeded initialisation");
        Assert.That(Flat(codec.DecoderWeight), Is.Not.EqualTo(dec0));
        var mols = new DiffusionSampler(model, SamplerOptions.Ddim(20)).Sample(SamplingPlan.Efficient(new[] { 4, 9 }, 2), seed: 3);
        Assert.That(mols.Select(m => m.AtomCount), Is.EqualTo(new[] { 4, 9 }));
        Assert.That(mols.SelectMany(m => m.AtomicNumbers).Distinct(), Is.SubsetOf(new[] { 1, 6, 7 }));
    }
}
