using NUnit.Framework;
using Stp.Backbones.GeoLdm.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.GeoLdm.Tests;

/// <summary>GeoLDM's decoder (EGNN_decoder_QM9) against the reference fixture, and the seeded initialisation of both networks.</summary>
public class DecoderParityTests
{
    private const double Tolerance = 1e-5;

    [Test]
    public void DecoderOutputsMatchReference()
    {
        using var fx = new AutoencoderFixture();
        using var decoder = fx.Decoder();
        using var graph = fx.Graph();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var z = fx["z"];
        var (x, h) = decoder.Decode(z.narrow(2, 0, 3), z.narrow(2, 3, AutoencoderFixture.LatentFeatures), graph);
        double errX = AutoencoderFixture.MaxAbs(x, fx["x_rec"]), errH = AutoencoderFixture.MaxAbs(h, fx["h_rec"]);
        double errX64 = AutoencoderFixture.MaxAbs(x, fx["x_rec_f64"].to(ScalarType.Float32)), errH64 = AutoencoderFixture.MaxAbs(h, fx["h_rec_f64"].to(ScalarType.Float32));
        TestContext.Out.WriteLine($"decoder: x_rec max abs error {errX:E2} (vs float64 {errX64:E2}), h_rec {errH:E2} (vs float64 {errH64:E2})");
        Assert.That(errX, Is.LessThan(Tolerance));
        Assert.That(errH, Is.LessThan(Tolerance));
        Assert.That(errX64, Is.LessThan(Tolerance));
        Assert.That(errH64, Is.LessThan(Tolerance));
        Assert.That(decoder.parameters().Sum(p => p.numel()), Is.EqualTo(19_496));
    }

    [Test]
    public void SeededInitialisationMatchesPyTorch()
    {
        // torch.manual_seed(0), then GeoLDM's get_autoencoder: the encoder is built first, then the decoder.
        using var fx = new AutoencoderFixture();
        torch.manual_seed(0);
        using var encoder = new EquivariantEncoder("encoder", AutoencoderFixture.Network, AutoencoderFixture.FeatureCount, AutoencoderFixture.LatentFeatures);
        using var decoder = new EquivariantDecoder("decoder", AutoencoderFixture.Network, AutoencoderFixture.LatentFeatures, AutoencoderFixture.FeatureCount);
        var ours = encoder.named_parameters().Select(p => ("encoder." + p.name, p.parameter))
            .Concat(decoder.named_parameters().Select(p => ("decoder." + p.name, p.parameter))).ToList();
        Assert.That(ours.Select(p => p.Item1), Is.EquivalentTo(fx.Parameters.Keys.Where(k => k != "buffer")));
        double worst = ours.Max(p => (double)(p.parameter - fx.Parameters[p.Item1]).abs().max().item<float>());
        TestContext.Out.WriteLine($"seeded init vs reference: max abs difference {worst:E2}");
        Assert.That(worst, Is.EqualTo(0.0));
    }
}
