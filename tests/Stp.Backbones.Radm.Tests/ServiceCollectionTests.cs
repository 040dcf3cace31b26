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
    }
}
