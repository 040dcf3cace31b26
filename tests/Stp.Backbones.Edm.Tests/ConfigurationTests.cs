using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Stp.Data;
using Stp.DependencyInjection;
using Stp.Diffusion;
using Stp.Prior;
using Stp.Sampling;
using Stp.Testing;
using Stp.Training;

namespace Stp.Backbones.Edm.Tests;

/// <summary><c>services.AddStp(configuration.GetSection("Stp"))</c>: a JSON configuration binds the model, the trainer and the data; mistakes fail at registration, naming the key.</summary>
public class ConfigurationTests
{
    private static IConfiguration Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    private static string Config(string data, string extra = "") => $$"""
        { "Stp": {
            "Device": "cpu",
            "Denoiser": { "Type": "edm.egnn", "Options": { "HiddenFeatures": 16, "Layers": 2, "FeatureCount": 6 } },
            "Dataset": "qm9",
            "Schedule": { "Kind": "polynomial", "Timesteps": 100, "Power": 2, "Precision": 1e-5 },
            "Prior": "stp",
            "Trainer": { "BatchSize": 4, "LearningRate": 5e-4, "EmaDecay": 0.99, "Seed": 3, "ClipGradients": false },
            "Training": { "Data": "{{data.Replace("\\", "\\\\")}}" }{{extra}}
        } }
        """;

    [Test]
    public void ConfiguredTrainerTrainsAndSamplerSamples()
    {
        using var dir = new TempFolder();
        var data = dir.File("train.xyz");
        XyzFile.Write(data, XyzFile.Read(SharedData.Data("qm9/qm9.xyz.gz")).Take(40));
        var services = new ServiceCollection().AddStp(Json(Config(data)).GetSection("Stp"));
        using var provider = services.BuildServiceProvider();

        var trainer = provider.GetRequiredService<DiffusionTrainer>();
        Assert.That(trainer.Options.BatchSize, Is.EqualTo(4));
        Assert.That(trainer.Options.Seed, Is.EqualTo(3));
        Assert.That(trainer.Options.LearningRate, Is.EqualTo(5e-4));
        Assert.That(trainer.Options.ClipGradients, Is.False);
        var model = provider.GetRequiredService<DiffusionModel>();
        Assert.That(trainer.Model, Is.SameAs(model));
        Assert.That(model.Prior, Is.EqualTo(PriorKind.ScaledPrior));
        Assert.That(model.PriorScale.PriorScale(9), Is.EqualTo(PriorScaleTable.PublishedQm9.PriorScale(9)), "published gamma_N of the configured dataset");
        Assert.That(model.Schedule.Timesteps, Is.EqualTo(100));
        Assert.That(((EgnnDenoiser)model.Denoiser).Options.HiddenFeatures, Is.EqualTo(16));
        Assert.That(model.SizeDistribution!.Counts.Values.Sum(), Is.EqualTo(40), "p(N) from the configured training data");

        var losses = Enumerable.Range(0, 3).Select(_ => trainer.TrainStep().Loss).ToList();
        Assert.That(losses, Has.All.Matches<double>(double.IsFinite));
        var sampler = provider.GetRequiredService<DiffusionSampler>();
        var molecules = sampler.Sample(SamplingPlan.Efficient([5, 9], batchSize: 2), seed: 1);
        Assert.That(molecules.Select(m => m.AtomCount), Is.EqualTo(new[] { 5, 9 }));
    }

    [Test]
    public void TrainedModelFileIsLoadedFromTheConfiguration()
    {
        using var dir = new TempFolder();
        var file = dir.File("model.safetensors");
        using (var saved = DiffusionModel.Create(new EgnnDenoiser(EgnnOptions.Small(AtomFeatures.Qm9.Count, hiddenFeatures: 8, layers: 1)), PriorKind.Unit, null))
            saved.Save(file);
        var json = $$"""{ "Stp": { "Model": "{{file.Replace("\\", "\\\\")}}", "Trainer": { "BatchSize": 2 } } }""";
        using var provider = new ServiceCollection().AddStp(Json(json).GetSection("Stp")).BuildServiceProvider();
        var model = provider.GetRequiredService<DiffusionModel>();
        Assert.That(model.Prior, Is.EqualTo(PriorKind.Unit));
        Assert.That(((EgnnDenoiser)model.Denoiser).Options.HiddenFeatures, Is.EqualTo(8));
        Assert.That(provider.GetService<DiffusionTrainer>(), Is.Null, "no Training:Data, no trainer");
        Assert.That(provider.GetRequiredService<TrainerOptions>().BatchSize, Is.EqualTo(2));
    }

    [TestCase("\"Priors\": \"stp\"", "Stp:Priors is not an Stp setting")]
    [TestCase("\"Trainer\": { \"BatchSize\": 0 }", "Stp:Trainer:BatchSize must be >= 1 (got 0)")]
    [TestCase("\"Trainer\": { \"BatchSize\": \"many\" }", "Stp:Trainer:BatchSize 'many' is not a Int32")]
    [TestCase("\"Trainer\": { \"Momentum\": 0.9 }", "Stp:Trainer:Momentum is not a trainer setting")]
    [TestCase("\"Prior\": \"wide\"", "Stp:Prior 'wide' is not stp, none or normalize")]
    [TestCase("\"Device\": \"tpu\"", "Stp:Device 'tpu' is not cpu, cuda or cuda:N")]
    [TestCase("\"Denoiser\": { \"Type\": \"edm.egnn\", \"Options\": { \"HiddenFeatures\": -4 } }", "HiddenFeatures")]
    [TestCase("\"Denoiser\": { \"Type\": \"no.such.backbone\" }", "no.such.backbone")]
    [TestCase("\"Denoiser\": { \"Options\": { } }", "Stp:Denoiser:Type is required")]
    [TestCase("\"Model\": \"/nonexistent/model.safetensors\"", "Stp:Model file '/nonexistent/model.safetensors' not found")]
    [TestCase("\"Training\": { \"Data\": \"/nonexistent/qm9.xyz\" }", "Stp:Training:Data '/nonexistent/qm9.xyz' not found")]
    [TestCase("\"PriorScale\": \"/nonexistent/gamma.json\"", "Stp:PriorScale '/nonexistent/gamma.json' is not 'published' or a readable gamma_N table")]
    public void MistakesFailAtRegistrationNamingTheKey(string setting, string expected)
    {
        var denoiser = setting.StartsWith("\"Denoiser\"") || setting.StartsWith("\"Model\"") ? "" : "\"Denoiser\": { \"Type\": \"edm.egnn\", \"Options\": { \"HiddenFeatures\": 8, \"Layers\": 1 } }, ";
        var json = $$"""{ "Stp": { {{denoiser}}{{setting}} } }""";
        var e = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddStp(Json(json).GetSection("Stp")))!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.Message, Does.Contain(expected));
    }
}
