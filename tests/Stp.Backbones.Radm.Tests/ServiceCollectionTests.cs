using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Stp.Codecs;
using Stp.Data;
using Stp.Diffusion;

namespace Stp.Backbones.Radm.Tests;

public class ServiceCollectionTests
{
    [Test]
    public void RegistersTheDitAndTheCodecWithoutOverridingExistingOnes()
    {
        using var provider = new ServiceCollection()
            .AddStpDitDenoiser(DitOptions.Tiny())
            .AddStpDitDenoiser(DitOptions.Tiny(2))
            .AddStpRadmCodec(AtomFeatures.Qm9, CodecTests.Tiny)
            .BuildServiceProvider();
        var dit = (DitDenoiser)provider.GetRequiredService<IDenoiser>();
        Assert.That(dit.FeatureCount, Is.EqualTo(1), "TryAdd keeps the first registration");
        var codec = (RadmCodec)provider.GetRequiredService<IMoleculeCodec>();
        Assert.That(codec.Stage, Is.EqualTo(RadmStage.Diffusion));
        Assert.That(codec.LatentFeatureCount, Is.EqualTo(dit.FeatureCount));
        Assert.That(dit.Module.parameters().Concat(codec.Module!.parameters()).All(p => p.device_type == TorchSharp.DeviceType.CPU), "no options: the CPU");
    }

    [Test]
    public void TheDitAndTheCodecAreBuiltOnTheOptionsDevice()
    {
        using var provider = new ServiceCollection()
            .AddStpDitDenoiser(DitOptions.Tiny())
            .AddStpRadmCodec(AtomFeatures.Qm9, CodecTests.Tiny)
            .AddStpDiffusion(o => { o.Device = "cuda:0"; o.Prior = PriorKind.Unit; })
            .BuildServiceProvider();
        if (TorchSharp.torch.cuda.is_available())
        {
            Assert.That(provider.GetRequiredService<DiffusionModel>().Device.type, Is.EqualTo(TorchSharp.DeviceType.CUDA));
            return;
        }
        Assert.That(() => provider.GetRequiredService<IDenoiser>(), Throws.ArgumentException.With.Message.Contains("cuda:0"));
        Assert.That(() => provider.GetRequiredService<IMoleculeCodec>(), Throws.ArgumentException.With.Message.Contains("CUDA is not available"));
    }
}
