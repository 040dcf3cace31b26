using Stp.Data;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Stp.Backbones.Edm.IO;
using Stp.Diffusion;
using Stp.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.Tests;

public class IoTests
{
    [Test]
    public void ReadsNpzStateDictsThroughCoresNpyReaderAndRejectsSingleArrays()
    {
        using var dir = new TempFolder();
        var npz = dir.File("params.npz");
        NpyBytes.WriteNpz(npz, compressed: true,
            ("dynamics.w", NpyBytes.Of("<f4", "(2, 3)", new[] { 1f, -2, 3, 4, 5, 0.25f })),
            ("steps", NpyBytes.Of("<i8", "(1,)", new long[] { 600 })));
        var sd = StateDictFile.Read(npz);
        Assert.That(sd.Keys, Is.EquivalentTo(new[] { "dynamics.w", "steps" }));
        Assert.That(sd["dynamics.w"].dtype, Is.EqualTo(ScalarType.Float32));
        Assert.That(sd["dynamics.w"].shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(sd["dynamics.w"].data<float>().ToArray(), Is.EqualTo(new[] { 1f, -2, 3, 4, 5, 0.25f }));
        Assert.That(sd["steps"].item<long>(), Is.EqualTo(600));
        foreach (var t in sd.Values) t.Dispose();

        var single = dir.Write("generative_model.npy", NpyBytes.Of("<f4", "(1,)", new[] { 1f }));
        var e = Assert.Throws<DataFileException>(() => StateDictFile.Read(single))!;
        Assert.That(e.Message, Does.Contain(single).And.Contain("single .npy array"));

        var bigEndian = dir.File("be.npz");
        NpyBytes.WriteNpz(bigEndian, compressed: false, ("w", NpyBytes.Raw(">f4", "(1,)", new byte[4])));
        var e2 = Assert.Throws<DataFileException>(() => StateDictFile.Read(bigEndian))!;
        Assert.That(e2.Message, Does.Contain(bigEndian + ":w.npy").And.Contain(">f4"));
    }

    [Test]
    public void NonCheckpointFileIsRejectedWithItsName()
    {
        var path = Path.Combine(Path.GetTempPath(), $"stp-bad-{Guid.NewGuid():N}.pt");
        try
        {
            File.WriteAllText(path, "not a checkpoint");
            var e = Assert.Throws<DataFileException>(() => StateDictFile.Read(path))!;
            Assert.That(e.Message, Does.Contain(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void ServiceCollectionRegistersTheDenoiser()
    {
        using var fx = EgnnFixture.Small();
        var services = new ServiceCollection().AddStpEgnnDenoiser(fx.Options, fx.StateDictPath);
        using var provider = services.BuildServiceProvider();
        var denoiser = provider.GetRequiredService<IDenoiser>();
        Assert.That(denoiser, Is.InstanceOf<EgnnDenoiser>());
        Assert.That(denoiser.FeatureCount, Is.EqualTo(6));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var err = (EgnnFixture.Concat(denoiser.Predict(fx.Input())) - fx.Output).abs().max().item<float>();
        Assert.That(err, Is.LessThan(1e-5));
        // TryAdd: a second registration does not replace the first.
        services.AddStpEgnnDenoiser(EgnnOptions.Geom);
        Assert.That(services.Count(d => d.ServiceType == typeof(IDenoiser)), Is.EqualTo(1));
    }
}
