using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Sampling;
using Stp.Training;
using static Stp.Core.Tests.EngineSetup;

namespace Stp.Core.Tests;

public class BadInputTests
{
    [Test]
    public void BatchesSamplersAndModelsRejectBadInputClearly()
    {
        var nan = new Molecule(new[] { 6, 1 }, new[] { 0, 0, 0, double.NaN, 0, 0 });
        Assert.That(() => MoleculeBatch.Create(new[] { nan }, Features), Throws.ArgumentException.With.Message.Contains("NaN"));
        var empty = new Molecule(Array.Empty<int>(), Array.Empty<double>());
        Assert.That(() => MoleculeBatch.Create(new[] { empty }, Features), Throws.ArgumentException.With.Message.Contains("zero atoms"));
        var fluorine = new Molecule(new[] { 9 }, new double[3]);
        Assert.That(() => MoleculeBatch.Create(new[] { fluorine }, Features), Throws.ArgumentException.With.Message.Contains("Z=9"));
        Assert.That(() => new Molecule(new[] { 6 }, new double[4]), Throws.ArgumentException.With.Message.Contains("positions"));
        Assert.That(() => SamplingPlan.Efficient(new[] { 3, 0 }, 10), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("impossible size"));
        Assert.That(() => SamplingPlan.DatasetPadding(new[] { 30 }, 10, 29), Throws.InstanceOf<ArgumentOutOfRangeException>());
        var noScale = DiffusionModel.Create(new ZeroDenoiser(Features.Count), PriorKind.ScaledPrior,
            new FuncPriorScaler(n => n > 29 ? throw new ArgumentOutOfRangeException(nameof(n), n, $"N = {n} is outside the prior table") : 1.0), Features);
        Assert.That(() => new DiffusionSampler(noScale).Sample(SamplingPlan.Efficient(new[] { 35 }, 1), 1), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("35"));
        Assert.That(() => new DiffusionSampler(noScale, new SamplerOptions { Steps = 1001 }), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("1..1000"));
        Assert.That(() => new SamplerOptions { Steps = 0 }, Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void ConditionalModelsNeedContextEverywhere()
    {
        var model = DiffusionModel.Create(new ZeroDenoiser(Features.Count, context: 2), PriorKind.Unit, null, Features);
        var sizes = new[] { 4, 5 };
        Assert.That(() => new DiffusionSampler(model).Sample(SamplingPlan.Efficient(sizes, 2), 1), Throws.ArgumentException.With.Message.Contains("context"));
        Assert.That(() => new DiffusionSampler(model).Sample(SamplingPlan.Efficient(sizes, 2, contexts: new[] { new[] { 1f }, new[] { 2f } }), 1),
            Throws.ArgumentException.With.Message.Contains("expects 2"));
        var mols = new[] { RandomMolecule(4, 1), RandomMolecule(5, 2) };
        Assert.That(() => new DiffusionTrainer(model, mols), Throws.ArgumentException.With.Message.Contains("TrainerOptions.Context"));
        Assert.That(() => new DiffusionTrainer(model, mols, new TrainerOptions { Context = m => new[] { 1f } }),
            Throws.ArgumentException.With.Message.Contains("molecule 0").And.Message.Contains("expects 2"));
        var unconditional = DiffusionModel.Create(new ZeroDenoiser(Features.Count), PriorKind.Unit, null, Features);
        Assert.That(() => new DiffusionSampler(unconditional).Sample(SamplingPlan.Efficient(sizes, 2, contexts: new[] { new[] { 1f }, new[] { 2f } }), 1),
            Throws.ArgumentException.With.Message.Contains("unconditional"));
    }

    [Test]
    public void ContextPropertiesNormaliseWithTheMeanAbsoluteDeviation()
    {
        var mols = new[] { 1.0, 2.0, 6.0 }.Select((v, i) => new Molecule(new[] { 6 }, new double[3],
            new Dictionary<string, string> { ["alpha"] = v.ToString(System.Globalization.CultureInfo.InvariantCulture), ["id"] = i.ToString() })).ToList();
        var c = ContextProperties.FromMolecules(new[] { "alpha" }, mols);
        Assert.That(c.Means[0], Is.EqualTo(3.0));
        Assert.That(c.Mads[0], Is.EqualTo((2 + 1 + 3) / 3.0), "MAD = mean |v - mean|");
        Assert.That(c.Normalize(mols[2])[0], Is.EqualTo((6 - 3) / 2.0).Within(1e-6));
        Assert.That(c.Denormalize(new[] { 1.5f })[0], Is.EqualTo(6.0).Within(1e-6));
        var missing = new Molecule(new[] { 6 }, new double[3], new Dictionary<string, string> { ["id"] = "m7" });
        Assert.That(() => c.Normalize(missing), Throws.ArgumentException.With.Message.Contains("m7").And.Message.Contains("alpha"));
    }
}
