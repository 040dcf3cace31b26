using NUnit.Framework;
using Stp.Backbones.Edm;
using Stp.Data;
using Stp.Diffusion;

namespace Stp.Backbones.GeoLdm.Tests;

/// <summary>The released configurations (FACTS 3.3).</summary>
public class PresetTests
{
    [Test]
    public void Qm9ParameterCountsEqualFacts()
    {
        using var model = GeoLdmModel.Create(GeoLdmOptions.Qm9, PriorKind.Unit, null);
        var codec = (GeoLdmCodec)model.Codec;
        Assert.That(codec.EncoderParameterCount, Is.EqualTo(727_044));
        Assert.That(codec.DecoderParameterCount, Is.EqualTo(5_338_127));
        Assert.That(((EgnnDenoiser)model.Denoiser).ParameterCount, Is.EqualTo(5_337_355));
        Assert.That((codec.Features, codec.LatentFeatureCount, model.Denoiser.FeatureCount), Is.EqualTo((AtomFeatures.Qm9, 1, 1)));
    }

    [Test]
    public void GeomParameterCountsEqualFacts()
    {
        using var model = GeoLdmModel.Create(GeoLdmOptions.GeomDrugs, PriorKind.Unit, null);
        var codec = (GeoLdmCodec)model.Codec;
        Assert.That(codec.EncoderParameterCount, Is.EqualTo(730_118));
        Assert.That(codec.DecoderParameterCount, Is.EqualTo(2_376_468));
        Assert.That(((EgnnDenoiser)model.Denoiser).ParameterCount, Is.EqualTo(2_373_383));
        Assert.That((codec.Features, codec.LatentFeatureCount), Is.EqualTo((AtomFeatures.GeomDrugs, 2)));
    }

    [Test]
    public void OptionsRejectUnusableValues()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new GeoLdmOptions { LatentFeatures = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new GeoLdmOptions { EncoderLayers = 0 });
        Assert.Throws<ArgumentNullException>(() => _ = new GeoLdmOptions { Egnn = null! });
        Assert.That(GeoLdmOptions.Qm9.DenoiserOptions, Is.EqualTo(EgnnOptions.Qm9 with { FeatureCount = 1 }));
    }
}
