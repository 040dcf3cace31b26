using NUnit.Framework;
using Stp.Backbones.GeoLdm.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.GeoLdm.Tests;

/// <summary>GeoLDM's encoder (EGNN_encoder_QM9) against the reference fixture, from the npz parameters.</summary>
public class EncoderParityTests
{
    private const double Tolerance = 1e-5;

    [Test]
    public void EncoderMeansMatchReference()
    {
        using var fx = new AutoencoderFixture();
        using var encoder = fx.Encoder();
        using var graph = fx.Graph();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var (zx, zh) = encoder.Encode(fx.Positions, fx.Features, graph);
        double errX = AutoencoderFixture.MaxAbs(zx, fx["z_x_mean"]), errH = AutoencoderFixture.MaxAbs(zh, fx["z_h_mean"]);
        TestContext.Out.WriteLine($"encoder: z_x mean max abs error {errX:E2}, z_h mean {errH:E2}");
        Assert.That(zx.shape, Is.EqualTo(new long[] { 4, AutoencoderFixture.PaddedSize, 3 }));
        Assert.That(zh.shape, Is.EqualTo(new long[] { 4, AutoencoderFixture.PaddedSize, AutoencoderFixture.LatentFeatures }));
        Assert.That(errX, Is.LessThan(Tolerance));
        Assert.That(errH, Is.LessThan(Tolerance));
        Assert.That(AutoencoderFixture.MaxAbs(zx, fx["z_x_mean_f64"].to(ScalarType.Float32)), Is.LessThan(Tolerance));
        Assert.That(AutoencoderFixture.MaxAbs(zh, fx["z_h_mean_f64"].to(ScalarType.Float32)), Is.LessThan(Tolerance));
        Assert.That((zx * (1 - fx.NodeMask)).abs().max().item<float>(), Is.EqualTo(0f), "zero on padding");
    }

    [Test]
    public void DiscardedStdOutputsMatchReference()
    {
        // The reference computes stds from the final MLP and encode() discards them; the head is kept so that
        // checkpoints map and these values can be checked.
        using var fx = new AutoencoderFixture();
        using var encoder = fx.Encoder();
        using var graph = fx.Graph();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var output = encoder.Forward(graph.Gather(fx.Positions), graph.Gather(fx.Features), graph);
        var head = graph.Scatter(output.Head);
        int l = AutoencoderFixture.LatentFeatures;
        var xStd = (0.5 * head.narrow(2, 0, 1).sum(1, keepdim: true)).exp().expand(-1, AutoencoderFixture.PaddedSize, -1);
        var hStd = (0.5 * head.narrow(2, 1 + l, l)).exp();
        double errHead = AutoencoderFixture.MaxAbs(head, fx["dbg_enc_final_mlp"]);
        double errXs = ((xStd - fx["enc_x_std_net"]).abs() / fx["enc_x_std_net"]).max().item<float>();
        double errHs = AutoencoderFixture.MaxAbs(hStd, fx["enc_h_std_net"]);
        TestContext.Out.WriteLine($"final MLP max abs error {errHead:E2}; x std relative error {errXs:E2}; h std abs error {errHs:E2}");
        Assert.That(errHead, Is.LessThan(Tolerance));
        Assert.That(errXs, Is.LessThan(Tolerance));
        Assert.That(errHs, Is.LessThan(Tolerance));
    }

    [Test]
    public void StateDictKeysFollowGeoLdmNames()
    {
        using var fx = new AutoencoderFixture();
        using var encoder = new EquivariantEncoder("encoder", AutoencoderFixture.Network, AutoencoderFixture.FeatureCount, AutoencoderFixture.LatentFeatures);
        var ours = encoder.named_parameters().Select(p => "encoder." + p.name).ToHashSet();
        var reference = fx.Parameters.Keys.Where(k => k.StartsWith("encoder.", StringComparison.Ordinal)).ToHashSet();
        Assert.That(ours, Is.EquivalentTo(reference));
        Assert.That(encoder.parameters().Sum(p => p.numel()), Is.EqualTo(12_102));
    }

    [Test]
    public void FrozenEncoderHasNoTrainableParameters()
    {
        using var encoder = new EquivariantEncoder("encoder", AutoencoderFixture.Network, AutoencoderFixture.FeatureCount, AutoencoderFixture.LatentFeatures);
        encoder.Freeze();
        Assert.That(encoder.parameters().Any(p => p.requires_grad), Is.False);
    }
}
