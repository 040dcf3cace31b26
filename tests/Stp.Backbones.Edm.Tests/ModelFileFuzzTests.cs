using System.Text;
using System.Text.Json;
using NUnit.Framework;
using Stp.Backbones.Edm.IO;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Models;
using Stp.Prior;
using Stp.Testing;
using Stp.Training;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.Tests;

/// <summary>
/// Seeded mutation fuzzing (see <see cref="ReaderFuzz"/>) of the readers that need a backbone: model files (the
/// safetensors weights and the JSON description in their header), training checkpoints (weights, optimizer state and the
/// trainer-state JSON), the first release's .stp files and PyTorch .pt state dicts. Plus the crafted descriptions of
/// issue 13: sizes that do not fit the weights fail before the model is built.
/// </summary>
public class ModelFileFuzzTests : TempFolderFixture
{
    private static DiffusionModel Tiny()
    {
        manual_seed(5);
        var model = DiffusionModel.Create(new EgnnDenoiser(EgnnOptions.Small(AtomFeatures.Qm9.Count, hiddenFeatures: 4, layers: 1)), PriorKind.ScaledPrior,
            PriorScaleTable.PublishedQm9, AtomFeatures.Qm9, new PolynomialSchedule(20));
        model.SizeDistribution = new SizeDistribution(new Dictionary<int, long> { [3] = 2, [5] = 3 });
        return model;
    }


    private static void LoadModel(string path)
    {
        using var model = DiffusionModel.Load(path);
    }

    [Test]
    public void ModelFileBytes()
    {
        using var model = Tiny();
        var path = Dir.File("valid.safetensors");
        model.Save(path);
        ReaderFuzz.Run("model file (safetensors bytes)", File.ReadAllBytes(path), seed: 11, budget: 400, ReaderFuzz.Files(Dir, "m.safetensors"), LoadModel);
    }

    /// <summary>
    /// Mutations of the JSON held in header entry <paramref name="key"/> of the file at <paramref name="path"/>, each
    /// written back into a well-formed file (so that they reach that JSON's parser and checks).
    /// </summary>
    private void FuzzHeaderJson(string reader, string path, string key, int seed, int budget, Action<string> read)
    {
        var (meta, tensors) = SafetensorsFile.Read(path);
        int n = 0;
        try
        {
            ReaderFuzz.Run(reader, Encoding.UTF8.GetBytes(meta[key]), seed, budget, bytes =>
            {
                var mutated = Dir.File($"{n++}-header.safetensors");
                SafetensorsFile.Write(mutated, tensors, new Dictionary<string, string>(meta) { [key] = Encoding.UTF8.GetString(bytes) });
                return (mutated, mutated);
            }, read);
        }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }

    [Test]
    public void ModelFileDescription()
    {
        using var model = Tiny();
        var path = Dir.File("valid.safetensors");
        model.Save(path);
        FuzzHeaderJson("model file (description JSON)", path, ModelFile.ModelKey, seed: 12, budget: 250, LoadModel);
    }

    private static List<Molecule> Data() => Enumerable.Range(0, 4).Select(i => new Molecule(Enumerable.Range(0, 3 + i % 2 * 2).Select(a => a % 3 == 0 ? 6 : 1).ToArray(),
        Enumerable.Range(0, 3 * (3 + i % 2 * 2)).Select(k => Math.Sin(k * 1.3 + i)).ToArray())).ToList();

    [Test]
    public void CheckpointBytesAndTrainerState()
    {
        using var model = Tiny();
        using var trainer = new DiffusionTrainer(model, Data(), new TrainerOptions { BatchSize = 2, Seed = 2 });
        trainer.TrainStep();
        var path = Dir.File("valid.safetensors");
        trainer.SaveCheckpoint(path);
        void Resume(string p) => trainer.LoadCheckpoint(p);
        ReaderFuzz.Run("checkpoint (safetensors bytes)", File.ReadAllBytes(path), seed: 13, budget: 300, ReaderFuzz.Files(Dir, "c.safetensors"), Resume);
        FuzzHeaderJson("checkpoint (trainer state JSON)", path, ModelFile.TrainerKey, seed: 14, budget: 120, Resume);
    }

    [Test]
    public void LegacyStpFile()
    {
        using var model = Tiny();
        var legacy = ModelFileTests.LegacyStp((EgnnDenoiser)model.Denoiser, PriorScaleTable.PublishedQm9.Gammas.Take(8), new Dictionary<string, long> { ["5"] = 2 }, timesteps: 20);
        ReaderFuzz.Run("legacy .stp", legacy, seed: 15, budget: 400, ReaderFuzz.Files(Dir, "old.stp"), LoadModel);
    }

    [Test]
    public void PyTorchStateDict()
    {
        var path = Dir.File("valid.pt");
        using (var module = nn.Linear(3, 2)) module.save_py(path);
        ReaderFuzz.Run(".pt state dict", File.ReadAllBytes(path), seed: 16, budget: 300, ReaderFuzz.Files(Dir, "m.pt"), p =>
        {
            foreach (var t in StateDictFile.Read(p).Values) t.Dispose();
        });
    }

    /// <summary>
    /// A description whose sizes do not fit the weights (a width of 2048, 2^31-1 layers, T of 2^31-1) fails while
    /// checking the header, naming the option, before anything is built.
    /// </summary>
    [TestCase("\"hiddenFeatures\":4", "\"hiddenFeatures\":2048", "hiddenFeatures = 2048")]
    [TestCase("\"layers\":1", "\"layers\":2147483647", "layers = 2147483647")]
    [TestCase("\"timesteps\":20", "\"timesteps\":2147483647", "timesteps 2147483647 outside")]
    [TestCase("\"kind\":\"ScaledPrior\"", "\"kind\":\"Foo\"", "near $.prior.kind")]
    // A size no factory checks (the sinusoidal distance embedding widens every edge MLP): the shapes-only build on
    // libtorch's meta device finds it.
    [TestCase("\"sinEmbedding\":false", "\"sinEmbedding\":true", "the description builds tensor 'denoiser.egnn.e_block_0.gcl_0.edge_mlp.0.weight' as")]
    public void CraftedDescriptionsFailBeforeTheModelIsBuilt(string from, string to, string expected)
    {
        using var model = Tiny();
        var path = Dir.File("valid.safetensors");
        model.Save(path);
        var (meta, tensors) = SafetensorsFile.Read(path);
        var crafted = Dir.File("crafted.safetensors");
        try
        {
            Assert.That(meta[ModelFile.ModelKey], Does.Contain(from));
            SafetensorsFile.Write(crafted, tensors, new Dictionary<string, string>(meta) { [ModelFile.ModelKey] = meta[ModelFile.ModelKey].Replace(from, to) });
        }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
        var e = Assert.Throws<DataFileException>(() => DiffusionModel.Load(crafted))!;
        Assert.That(e.Message, Does.StartWith(crafted).And.Contain(expected));
    }

    /// <summary>Missing or impossible trainer-state fields are named instead of resuming from step 0 or crashing later.</summary>
    [TestCase("Step", "the trainer state has no 'Step'")]
    [TestCase("ClipHistory", "the trainer state has no 'ClipHistory'")]
    public void CheckpointsWithoutAStepOrClipHistoryAreRefused(string field, string expected)
    {
        using var model = Tiny();
        using var trainer = new DiffusionTrainer(model, Data(), new TrainerOptions { BatchSize = 2, Seed = 2 });
        trainer.TrainStep();
        var path = Dir.File("c.safetensors");
        trainer.SaveCheckpoint(path);
        var (meta, tensors) = SafetensorsFile.Read(path);
        var state = System.Text.Json.Nodes.JsonNode.Parse(meta[ModelFile.TrainerKey])!.AsObject();
        Assert.That(state.Remove(field));
        var bad = Dir.File("bad.safetensors");
        try { SafetensorsFile.Write(bad, tensors, new Dictionary<string, string>(meta) { [ModelFile.TrainerKey] = state.ToJsonString() }); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
        Assert.That(() => trainer.LoadCheckpoint(bad), Throws.InstanceOf<DataFileException>().With.Message.StartsWith(bad).And.Message.Contains(expected));
    }
}
