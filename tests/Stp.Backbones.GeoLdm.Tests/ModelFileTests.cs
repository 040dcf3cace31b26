using NUnit.Framework;
using Stp.Data;
using Stp.Diffusion;
using Stp.Models;
using Stp.Testing;
using Stp.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.GeoLdm.Tests;

/// <summary>GeoLDM models saved and loaded through Core's model files, and trained through Core's trainer with resume.</summary>
public class ModelFileTests
{
    private static Dictionary<string, Tensor> Weights(DiffusionModel m) => m.Parts
        .SelectMany(p => p.Module.named_parameters().Select(q => (p.Name + "." + q.name, q.parameter.detach().clone())))
        .ToDictionary(t => t.Item1, t => t.Item2);

    private static double MaxDifference(Dictionary<string, Tensor> a, Dictionary<string, Tensor> b)
    {
        Assert.That(b.Keys, Is.EquivalentTo(a.Keys));
        return a.Max(kv => (double)(kv.Value - b[kv.Key]).abs().max().item<float>());
    }

    [Test]
    public void SaveLoadRebuildsTheModel()
    {
        using var dir = new TempFolder();
        using var model = TinyGeoLdm.Model(11, options: TinyGeoLdm.Options(latent: 2));
        var path = Path.Combine(dir.Path, "geoldm");
        model.Save(path);
        using var loaded = DiffusionModel.Load(path);
        var description = ModelDescription.FromJson(File.ReadAllText(path + ".json"), path);
        Assert.That(description.Codec.Type, Is.EqualTo(GeoLdmCodecFactory.TypeId));
        Assert.That(description.Denoiser.Type, Is.EqualTo(Edm.EgnnDenoiserFactory.TypeId));
        var codec = (GeoLdmCodec)loaded.Codec;
        Assert.That(codec.Options, Is.EqualTo(((GeoLdmCodec)model.Codec).Options));
        Assert.That(codec.LatentNoise, Is.EqualTo(model.Codec.LatentNoise));
        Assert.That(loaded.Prior, Is.EqualTo(PriorKind.ScaledPrior));
        Assert.That(MaxDifference(Weights(model), Weights(loaded)), Is.Zero);
        Assert.That(codec.Module.named_parameters().Where(p => p.name.StartsWith("encoder.")).All(p => !p.parameter.requires_grad), "encoder frozen after loading");
        Assert.That(File.ReadAllText(path + ".json"), Does.Contain("\"latentFeatures\": 2"));

        using var scope = NewDisposeScope();
        using var batch = MoleculeBatch.Create(TinyGeoLdm.Molecules(5, 2), AtomFeatures.Qm9);
        var a = model.Codec.Encode(batch);
        var b = loaded.Codec.Encode(batch);
        Assert.That(AutoencoderFixture.MaxAbs(a.H, b.H), Is.Zero);
        var la = model.TrainingLoss(batch, 1, 2);
        var lb = loaded.TrainingLoss(batch, 1, 2);
        Assert.That(AutoencoderFixture.MaxAbs(la.PerMolecule, lb.PerMolecule), Is.Zero);
    }

    [Test]
    public void TrainedCheckpointKeepsTheSeededEncoderAndResumesExactly()
    {
        using var dir = new TempFolder();
        var train = TinyGeoLdm.Molecules(24, 3);
        var options = new TrainerOptions { BatchSize = 8, LearningRate = 1e-3, EmaDecay = 0.9, Seed = 5 };
        using var straight = TinyGeoLdm.Model(21);
        var initial = Weights(straight);
        using var t1 = new DiffusionTrainer(straight, train, options);
        var lossesStraight = Enumerable.Range(0, 4).Select(_ => t1.TrainStep().Loss).ToList();
        // The trainer optimises and EMA-averages the parameters that require a gradient: the decoder's, not the encoder's.
        Assert.That(straight.Codec.Module!.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name), Has.All.StartsWith("decoder."));

        using var first = TinyGeoLdm.Model(21);
        using (var t2 = new DiffusionTrainer(first, train, options))
        {
            t2.TrainStep(); t2.TrainStep();
            t2.SaveCheckpoint(Path.Combine(dir.Path, "ckpt"));
        }
        using var resumed = DiffusionModel.Load(Path.Combine(dir.Path, "ckpt"));
        using var t3 = new DiffusionTrainer(resumed, train, options);
        t3.LoadCheckpoint(Path.Combine(dir.Path, "ckpt"));
        var lossesResumed = Enumerable.Range(0, 2).Select(_ => t3.TrainStep().Loss).ToList();
        Assert.That(lossesResumed, Is.EqualTo(lossesStraight.Skip(2)).Within(1e-6));
        var final = Weights(straight);
        Assert.That(MaxDifference(final, Weights(resumed)), Is.LessThan(1e-6));
        var encoderKeys = initial.Keys.Where(k => k.StartsWith("codec.encoder.")).ToList();
        Assert.That(encoderKeys.Max(k => (double)(initial[k] - final[k]).abs().max().item<float>()), Is.Zero, "encoder stays at its seeded init");
        Assert.That(initial.Keys.Where(k => k.StartsWith("codec.decoder.")).Max(k => (double)(initial[k] - final[k]).abs().max().item<float>()), Is.GreaterThan(0));
    }

    [Test]
    public void GeoLdmCheckpointImports()
    {
        // An EnLatentDiffusion state dict as GeoLDM saves it: buffer, gamma.gamma, dynamics.*, vae.buffer, vae.encoder.*, vae.decoder.*.
        using var dir = new TempFolder();
        using var source = TinyGeoLdm.Model(31, PriorKind.Unit);
        var arrays = new List<(string, byte[])> { ("buffer", Npy(torch.zeros(1))), ("gamma.gamma", Npy(torch.zeros(1001))), ("vae.buffer", Npy(torch.zeros(1))) };
        arrays.AddRange(source.Denoiser.Module.named_parameters().Select(p => ("dynamics." + p.name, Npy(p.parameter))));
        arrays.AddRange(source.Codec.Module!.named_parameters().Select(p => ("vae." + p.name, Npy(p.parameter))));
        var path = dir.File("generative_model_ema.npz");
        NpyBytes.WriteNpz(path, compressed: false, arrays.ToArray());
        using var imported = GeoLdmModel.FromCheckpoint(path, TinyGeoLdm.Options());
        var expected = Weights(source);
        Assert.That(MaxDifference(expected, Weights(imported)), Is.Zero);
    }

    private static byte[] Npy(Tensor t) =>
        NpyBytes.Of("<f4", "(" + string.Join(", ", t.shape) + (t.shape.Length == 1 ? ",)" : ")"), t.detach().contiguous().data<float>().ToArray());

    [Test]
    public void BadCodecOptionsNameTheProblem()
    {
        var factory = new GeoLdmCodecFactory();
        var context = new ModelBuildContext(CPU, new ModelDescription
        {
            Denoiser = new ComponentDescription("edm.egnn"), Codec = new ComponentDescription(GeoLdmCodecFactory.TypeId),
            Schedule = ScheduleDescription.Of(PolynomialSchedule.Edm),
        });
        var e = Assert.Throws<InvalidDataException>(() => factory.Create(new ComponentDescription(GeoLdmCodecFactory.TypeId,
            new System.Text.Json.Nodes.JsonObject { ["vocabulary"] = "qm9", ["includeAtomicNumber"] = true }), context))!;
        Assert.That(e.Message, Does.Contain("latentFeatures"));
        e = Assert.Throws<InvalidDataException>(() => factory.Create(new ComponentDescription(GeoLdmCodecFactory.TypeId,
            new System.Text.Json.Nodes.JsonObject { ["vocabulary"] = "qm9", ["latentFeatures"] = 0, ["egnn"] = new System.Text.Json.Nodes.JsonObject() }), context))!;
        Assert.That(e.Message, Does.Contain("LatentFeatures"));
    }
}
