using System.Text;
using System.Text.Json;
using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Models;
using Stp.Prior;
using Stp.Sampling;
using Stp.Training;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.Tests;

/// <summary>Model files: save, load, checkpoints as models, the first release's .stp files, and clear errors.</summary>
public class ModelFileTests
{
    private string _dir = "";

    [SetUp]
    public void Folder() { _dir = Path.Combine(Path.GetTempPath(), $"stp-models-{Guid.NewGuid():N}"); Directory.CreateDirectory(_dir); }

    [TearDown]
    public void Cleanup() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private static DiffusionModel Tiny(long seed = 5, PriorKind prior = PriorKind.ScaledPrior)
    {
        manual_seed(seed);
        var model = DiffusionModel.Create(new EgnnDenoiser(EgnnOptions.Small(AtomFeatures.Qm9.Count, hiddenFeatures: 16, layers: 2)), prior,
            prior == PriorKind.Unit ? null : PriorScaleTable.PublishedQm9, AtomFeatures.Qm9, new PolynomialSchedule(100));
        model.SizeDistribution = new SizeDistribution(new Dictionary<int, long> { [5] = 2, [9] = 3 });
        return model;
    }

    private static float[] Flat(DiffusionModel m) => m.Parts.SelectMany(p => p.Module.parameters()).SelectMany(t => t.detach().cpu().data<float>().ToArray()).ToArray();

    private static double[] Sample(DiffusionModel m) =>
        new DiffusionSampler(m, SamplerOptions.Ddim(10)).Sample(SamplingPlan.Efficient(new[] { 5, 9 }, 2), seed: 3).SelectMany(x => x.Positions).ToArray();

    [TestCase(PriorKind.ScaledPrior)]
    [TestCase(PriorKind.NormalizedCoordinates)]
    [TestCase(PriorKind.Unit)]
    public void SavedModelsLoadWithTheSameWeightsDescriptionAndSamples(PriorKind prior)
    {
        using var model = Tiny(prior: prior);
        var path = Path.Combine(_dir, "m");
        model.Save(path);
        Assert.That(File.Exists(path + ".safetensors") && File.Exists(path + ".json"));
        var json = JsonDocument.Parse(File.ReadAllText(path + ".json")).RootElement;
        Assert.That(json.GetProperty("denoiser").GetProperty("type").GetString(), Is.EqualTo("edm.egnn"));
        Assert.That(json.GetProperty("prior").GetProperty("kind").GetString(), Is.EqualTo(prior.ToString()));
        using var back = DiffusionModel.Load(path + ".safetensors");
        Assert.That(back.Prior, Is.EqualTo(prior));
        Assert.That(back.Schedule.Timesteps, Is.EqualTo(100));
        Assert.That(back.SizeDistribution!.Counts, Is.EqualTo(model.SizeDistribution!.Counts));
        Assert.That(Flat(back), Is.EqualTo(Flat(model)));
        Assert.That(Sample(back), Is.EqualTo(Sample(model)));
        using var viaJson = DiffusionModel.Load(path + ".json");
        Assert.That(Flat(viaJson), Is.EqualTo(Flat(model)), "the JSON path names the same model");
    }

    [Test]
    public void ATrainingCheckpointLoadsAsAModelWithItsEmaWeights()
    {
        using var model = Tiny();
        var data = Enumerable.Range(0, 8).Select(i => new Molecule(Enumerable.Range(0, 5 + i % 2 * 4).Select(a => a % 3 == 0 ? 6 : 1).ToArray(),
            Enumerable.Range(0, 3 * (5 + i % 2 * 4)).Select(k => Math.Sin(k * 1.3 + i)).ToArray())).ToList();
        using var trainer = new DiffusionTrainer(model, data, new TrainerOptions { BatchSize = 4, EmaDecay = 0.5, LearningRate = 1e-2, Seed = 2 });
        for (int i = 0; i < 3; i++) trainer.TrainStep();
        var ckpt = Path.Combine(_dir, "checkpoint.safetensors");
        trainer.SaveCheckpoint(ckpt);
        float[] ema;
        using (trainer.UseEmaWeights()) ema = Flat(model);
        using var loaded = DiffusionModel.Load(ckpt);
        Assert.That(Flat(loaded), Is.EqualTo(ema));
        Assert.That(Flat(loaded), Is.Not.EqualTo(Flat(model)), "the live weights differ from the EMA");
        var exported = Path.Combine(_dir, "exported");
        loaded.Save(exported);
        Assert.That(new FileInfo(exported + ".safetensors").Length, Is.LessThan(new FileInfo(ckpt).Length), "no optimizer state, no live weights");
        Assert.That(() => trainer.LoadCheckpoint(exported + ".safetensors"), Throws.InstanceOf<DataFileException>().With.Message.Contains("inference-only"));
    }

    [Test]
    public void TheFirstReleasesStpFilesAreRead()
    {
        using var model = Tiny();
        var den = (EgnnDenoiser)model.Denoiser;
        var legacy = Path.Combine(_dir, "old.stp");
        File.WriteAllBytes(legacy, LegacyStp(den, PriorScaleTable.PublishedQm9.Gammas, new Dictionary<string, long> { ["5"] = 2, ["9"] = 3 }, timesteps: 100));
        using var back = DiffusionModel.Load(legacy);
        Assert.That(Flat(back), Is.EqualTo(Flat(model)));
        Assert.That(back.Prior, Is.EqualTo(PriorKind.ScaledPrior));
        Assert.That(Sample(back), Is.EqualTo(Sample(model)));
        Assert.That(((EgnnDenoiser)back.Denoiser).Options, Is.EqualTo(den.Options));
    }

    /// <summary>A first-release .stp file of an EGNN (the CLI's ModelSpec JSON, the weights, no EMA weights).</summary>
    internal static byte[] LegacyStp(EgnnDenoiser den, IEnumerable<double> gammas, Dictionary<string, long> sizes, int timesteps)
    {
        var spec = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["Backbone"] = "edm", ["Egnn"] = den.Options, ["Prior"] = "ScaledPrior", ["Dataset"] = "qm9", ["IncludeAtomicNumber"] = true,
            ["PriorScales"] = gammas, ["SizeHistogram"] = sizes, ["Timesteps"] = timesteps,
        }, new JsonSerializerOptions { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } });
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(LegacyModelFile.Magic);
            w.Write(JsonSerializer.Serialize(new Dictionary<string, string> { ["model"] = spec, ["step"] = "12", ["inference_only"] = "true" }));
            TensorStore.Write(w, den.Module.state_dict());
            TensorStore.Write(w, new Dictionary<string, Tensor>());
            w.Write(0);
        }
        return ms.ToArray();
    }

    [Test]
    public void TheShippedModelLoads()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Stp.sln"))) dir = dir.Parent;
        var path = Path.Combine(dir!.FullName, "samples", "Stp.Cli", "Models", "qm9-stp-small.safetensors");
        using var model = DiffusionModel.Load(path);
        Assert.That(model.Prior, Is.EqualTo(PriorKind.ScaledPrior));
        Assert.That(((EgnnDenoiser)model.Denoiser).ParameterCount, Is.EqualTo(151_499));
        Assert.That(model.PriorScale.PriorScale(19), Is.EqualTo(PriorScaleTable.PublishedQm9.PriorScale(19)));
        Assert.That(model.SizeDistribution!.MaxAtoms, Is.EqualTo(29));
    }

    [Test]
    public void BadModelFilesGiveErrorsThatNameTheFile()
    {
        using var model = Tiny();
        var path = Path.Combine(_dir, "m.safetensors");
        model.Save(path);
        var bytes = File.ReadAllBytes(path);
        var truncated = Path.Combine(_dir, "truncated.safetensors");
        File.WriteAllBytes(truncated, bytes.Take(bytes.Length - 100).ToArray());
        Assert.That(() => DiffusionModel.Load(truncated), Throws.InstanceOf<DataFileException>().With.Message.Contains(truncated));
        var garbage = Path.Combine(_dir, "garbage.safetensors");
        File.WriteAllText(garbage, "not a model");
        Assert.That(() => DiffusionModel.Load(garbage), Throws.InstanceOf<DataFileException>().With.Message.Contains(garbage));
        Assert.That(() => DiffusionModel.Load(Path.Combine(_dir, "absent.safetensors")), Throws.InstanceOf<FileNotFoundException>().With.Message.Contains("absent"));
        // A description naming a component nobody registered.
        var json = File.ReadAllText(Path.ChangeExtension(path, ".json")).Replace("edm.egnn", "acme.unknown");
        var unknown = ModelDescription.FromJson(json, "x.json");
        Assert.That(() => unknown.Build(CPU), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("acme.unknown"));
        var missingAssembly = unknown with { Denoiser = unknown.Denoiser with { Assembly = "Acme.Backbones" } };
        Assert.That(() => missingAssembly.Build(CPU), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("dotnet add package Acme.Backbones"));
        // Weights of another shape.
        using var bigger = DiffusionModel.Create(new EgnnDenoiser(EgnnOptions.Small(AtomFeatures.Qm9.Count, hiddenFeatures: 32, layers: 2)), PriorKind.Unit, null, AtomFeatures.Qm9);
        var shapes = ModelDescription.Of(bigger);
        Assert.That(() => StateDict.Load(bigger.Denoiser.Module, new Dictionary<string, Tensor> { ["egnn.embedding.weight"] = zeros(16, 7) }, "", "w.safetensors"),
            Throws.InstanceOf<StateDictMismatchException>().With.Message.Contains("w.safetensors"));
        Assert.That(shapes.Denoiser.Options!["hiddenFeatures"]!.GetValue<int>(), Is.EqualTo(32));
    }
}
