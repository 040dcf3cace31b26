using NUnit.Framework;
using Stp.Backbones.Edm.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.Tests;

public class ParityTests
{
    private const double Tolerance = 1e-5;

    [TestCase("small", false)]
    [TestCase("small", true)]
    [TestCase("cond", false)]
    [TestCase("cond", true)]
    public void OutputMatchesReference(string name, bool fromPt)
    {
        using var fx = name == "small" ? EgnnFixture.Small() : EgnnFixture.Conditional();
        using var denoiser = new EgnnDenoiser(fx.Options);
        denoiser.LoadStateDict(fromPt ? fx.StateDictPath : fx.ParamsPath);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var output = EgnnFixture.Concat(denoiser.Predict(fx.Input()));
        Assert.That(output.shape, Is.EqualTo(fx.Output.shape));
        double err = (output - fx.Output).abs().max().item<float>();
        TestContext.Out.WriteLine($"{name} ({(fromPt ? ".pt" : ".npz")}): max abs error {err:E2}");
        Assert.That(err, Is.LessThan(Tolerance));
    }

    [Test]
    public void PtAndNpzHoldTheSameTensors()
    {
        using var fx = EgnnFixture.Small();
        var npz = StateDictFile.Read(fx.ParamsPath);
        var pt = StateDictFile.Read(fx.StateDictPath);
        Assert.That(pt.Keys.Order(), Is.EqualTo(npz.Keys.Order()));
        foreach (var (k, v) in npz)
            { Assert.That(pt[k].shape, Is.EqualTo(v.shape), k); Assert.That(torch.equal(v, pt[k]).all().item<bool>(), Is.True, k); }
    }

    [Test]
    public void ParameterCountsMatchFixtures()
    {
        using var small = new EgnnDenoiser(EgnnFixture.SmallOptions);
        using var cond = new EgnnDenoiser(EgnnFixture.ConditionalOptions);
        Assert.That(small.ParameterCount, Is.EqualTo(19_689));
        Assert.That(cond.ParameterCount, Is.EqualTo(113_866));
    }
}
