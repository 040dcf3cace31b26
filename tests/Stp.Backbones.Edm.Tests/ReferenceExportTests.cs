using System.Text.Json.Nodes;
using NUnit.Framework;
using Stp.Backbones.Edm.IO;
using Stp.Data;
using Stp.Diffusion;
using Stp.Models;
using Stp.Objectives;
using Stp.Prior;
using Stp.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.Tests;

/// <summary>
/// Export in the EDM reference layout against the reference's own state dict (the EGNN fixture was written by
/// <c>EnVariationalDiffusion.state_dict()</c> with the polynomial_2 gamma table): same names, same shapes, same bits,
/// read back through TorchSharp.PyBridge.
/// </summary>
public class ReferenceExportTests
{
    private static DiffusionModel FixtureModel(EgnnFixture fx, PriorKind prior = PriorKind.Unit)
    {
        var denoiser = new EgnnDenoiser(fx.Options);
        denoiser.LoadStateDict(fx.ParamsPath);
        return DiffusionModel.Create(denoiser, prior, prior == PriorKind.Unit ? null : PriorScaleTable.PublishedQm9, AtomFeatures.Qm9);
    }

    [TestCase(ReferenceWeightsFormat.Pt)]
    [TestCase(ReferenceWeightsFormat.Safetensors)]
    public void ExportHoldsTheReferenceStateDictBitForBit(ReferenceWeightsFormat format)
    {
        using var fx = EgnnFixture.Small();
        using var model = FixtureModel(fx);
        using var dir = new TempFolder();
        var path = dir.File(format == ReferenceWeightsFormat.Pt ? "generative_model_ema.npy" : "model.safetensors");
        EdmReferenceExport.Write(model, path, format);

        var reference = StateDictFile.Read(fx.ParamsPath);
        var written = format == ReferenceWeightsFormat.Pt ? StateDictFile.ReadTorch(path) : SafetensorsFile.Read(path).Tensors;
        Assert.That(written.Keys.Order(StringComparer.Ordinal), Is.EqualTo(reference.Keys.Order(StringComparer.Ordinal)), "the reference's state_dict names, nothing more or less");
        foreach (var (key, value) in reference)
        {
            Assert.That(written[key].shape, Is.EqualTo(value.shape), key);
            Assert.That(written[key].dtype, Is.EqualTo(ScalarType.Float32), key);
            Assert.That(torch.equal(written[key], value).all().item<bool>(), Is.True, $"{key} differs from the reference's tensor");
        }
    }

    [Test]
    public void ExportedFileLoadsBackAndPredictsTheReferenceOutput()
    {
        using var fx = EgnnFixture.Small();
        using var model = FixtureModel(fx, PriorKind.ScaledPrior);
        using var dir = new TempFolder();
        var path = dir.File("model.pt");
        EdmReferenceExport.Write(model, path);
        using var reloaded = EgnnDenoiser.FromCheckpoint(path, fx.Options);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var output = EgnnFixture.Concat(reloaded.Predict(fx.Input()));
        Assert.That((output - fx.Output).abs().max().item<float>(), Is.LessThan(1e-5));
    }

    [Test]
    public void ArgumentsRebuildTheModelInTheReferenceCode()
    {
        using var fx = EgnnFixture.Small();
        using var model = FixtureModel(fx, PriorKind.ScaledPrior);
        using var dir = new TempFolder();
        var argsPath = EdmReferenceExport.Write(model, dir.File("generative_model_ema.npy"));
        Assert.That(Path.GetFileName(argsPath), Is.EqualTo("generative_model_ema.args.json"));
        var args = JsonNode.Parse(File.ReadAllText(argsPath))!.AsObject();
        Assert.That((int)args["nf"]!, Is.EqualTo(32));
        Assert.That((int)args["n_layers"]!, Is.EqualTo(2));
        Assert.That((bool)args["include_charges"]!, Is.True);
        Assert.That((string)args["diffusion_noise_schedule"]!, Is.EqualTo("polynomial_2"));
        Assert.That((int)args["diffusion_steps"]!, Is.EqualTo(1000));
        Assert.That((string)args["aggregation_method"]!, Is.EqualTo("sum"));
        Assert.That((string)args["dataset"]!, Is.EqualTo("qm9"));
        Assert.That((bool)args["StP"]!, Is.True);
        Assert.That((bool)args["data_norm"]!, Is.False);
        Assert.That(args["normalize_factors"]!.AsArray().Select(v => (double)v!), Is.EqualTo(new[] { 1.0, 4.0, 10.0 }));
    }

    [Test]
    public void ModelsWithoutAnEdmLayoutAreRefusedWithTheReason()
    {
        var options = EgnnOptions.Small(AtomFeatures.Qm9.Count, hiddenFeatures: 8, layers: 1);
        using var flow = DiffusionModel.Create(new EgnnDenoiser(options), PriorKind.Unit, null, AtomFeatures.Qm9, objective: FlowMatchingObjective.Instance);
        var e = Assert.Throws<NotSupportedException>(() => EdmReferenceExport.Write(flow, Path.Combine(Path.GetTempPath(), "never.pt")))!;
        Assert.That(e.Message, Does.Contain("flow-matching"));
        Assert.That(File.Exists(Path.Combine(Path.GetTempPath(), "never.pt")), Is.False);
        using var tabulated = DiffusionModel.Create(new EgnnDenoiser(options), PriorKind.Unit, null, AtomFeatures.Qm9, new TabulatedSchedule("mine", PolynomialSchedule.Edm.GammaTable));
        Assert.That(EdmReferenceExport.Unsupported(tabulated), Does.Contain("no EDM name"));
    }
}
