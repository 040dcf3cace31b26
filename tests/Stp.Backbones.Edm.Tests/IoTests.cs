using System.Text;
using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Stp.Backbones.Edm.IO;
using Stp.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.Tests;

public class IoTests
{
    private static byte[] Npy(string descr, string shape, byte[] data)
    {
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int total = 10 + header.Length + 1;
        header += new string(' ', (64 - total % 64) % 64) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.AddRange([1, 0, (byte)(header.Length & 0xff), (byte)(header.Length >> 8)]);
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    [Test]
    public void ReadsNpyArrays()
    {
        var path = Path.Combine(Path.GetTempPath(), $"stp-npy-{Guid.NewGuid():N}.npy");
        try
        {
            var values = new long[] { 1, -2, 3, 4, 5, 600 };
            File.WriteAllBytes(path, Npy("<i8", "(2, 3)", values.SelectMany(BitConverter.GetBytes).ToArray()));
            using var t = NpyFile.ReadNpy(path);
            Assert.That(t.shape, Is.EqualTo(new long[] { 2, 3 }));
            Assert.That(t.dtype, Is.EqualTo(ScalarType.Int64));
            Assert.That(t.data<long>().ToArray(), Is.EqualTo(values));

            File.WriteAllBytes(path, Npy(">f4", "(1,)", new byte[4]));
            var e = Assert.Throws<FormatException>(() => NpyFile.ReadNpy(path))!;
            Assert.That(e.Message, Does.Contain(path).And.Contain(">f4"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void NonCheckpointFileIsRejectedWithItsName()
    {
        var path = Path.Combine(Path.GetTempPath(), $"stp-bad-{Guid.NewGuid():N}.pt");
        try
        {
            File.WriteAllText(path, "not a checkpoint");
            var e = Assert.Throws<FormatException>(() => StateDictFile.Read(path))!;
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
