using NUnit.Framework;
using Stp.Models;
using Stp.Backbones.Edm.Graphs;
using Stp.Backbones.Edm.IO;
using Stp.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.Tests;

public class ModelTests
{
    [Test]
    public void ReleasedPresetParameterCounts()
    {
        using var qm9 = new EgnnDenoiser(EgnnOptions.Qm9);
        using var geom = new EgnnDenoiser(EgnnOptions.Geom);
        using var cond = new EgnnDenoiser(EgnnOptions.Qm9Conditional());
        Assert.That(qm9.ParameterCount, Is.EqualTo(5_339_920));
        Assert.That(geom.ParameterCount, Is.EqualTo(2_380_565));
        Assert.That(cond.ParameterCount, Is.EqualTo(3_009_616));
        Assert.That((EgnnOptions.Geom.FeatureCount, EgnnOptions.Geom.Layers, EgnnOptions.Geom.HiddenFeatures), Is.EqualTo((16, 4, 256)));
    }

    [Test]
    public void StateDictKeysFollowPyTorchNames()
    {
        using var fx = EgnnFixture.Small();
        using var model = new EgnnDenoiser(fx.Options);
        var ours = model.Module.named_parameters().Select(p => p.name).ToHashSet();
        var reference = StateDictFile.Read(fx.ParamsPath).Keys.Where(k => k.StartsWith("dynamics.", StringComparison.Ordinal))
            .Select(k => k["dynamics.".Length..]).ToHashSet();
        Assert.That(ours, Is.EquivalentTo(reference));
        Assert.That(ours, Does.Contain("egnn.e_block_1.gcl_equiv.coord_mlp.4.weight"));
        Assert.That(ours, Does.Not.Contain("egnn.e_block_1.gcl_equiv.coord_mlp.4.bias"));
    }

    [Test]
    public void SeededInitialisationMatchesPyTorch()
    {
        // Same construction order and init calls as EDM's get_model after torch.manual_seed(0).
        using var fx = EgnnFixture.Small();
        torch.manual_seed(0);
        using var model = new EgnnDenoiser(fx.Options);
        var reference = StateDictFile.Read(fx.ParamsPath);
        double worst = model.Module.named_parameters()
            .Max(p => (double)(p.parameter - reference["dynamics." + p.name]).abs().max().item<float>());
        TestContext.Out.WriteLine($"seeded init vs reference: max abs difference {worst:E2}");
        Assert.That(worst, Is.EqualTo(0.0));
    }

    private static Dictionary<string, Tensor> Params(EgnnFixture fx) => StateDictFile.Read(fx.ParamsPath);

    [Test]
    public void MissingKeyIsNamed()
    {
        using var fx = EgnnFixture.Small();
        using var model = new EgnnDenoiser(fx.Options);
        var sd = Params(fx);
        sd.Remove("dynamics.egnn.e_block_1.gcl_0.att_mlp.0.bias");
        var e = Assert.Throws<StateDictMismatchException>(() => model.LoadStateDict(sd))!;
        Assert.That(e.Kind, Is.EqualTo(StateDictMismatchKind.MissingKey));
        Assert.That(e.Key, Is.EqualTo("dynamics.egnn.e_block_1.gcl_0.att_mlp.0.bias"));
        Assert.That(e.Message, Does.Contain("dynamics.egnn.e_block_1.gcl_0.att_mlp.0.bias"));
    }

    [Test]
    public void UnexpectedKeyIsNamed()
    {
        using var fx = EgnnFixture.Small();
        using var model = new EgnnDenoiser(fx.Options);
        var sd = Params(fx);
        sd["dynamics.egnn.e_block_2.gcl_0.edge_mlp.0.weight"] = torch.zeros(32, 66);
        var e = Assert.Throws<StateDictMismatchException>(() => model.LoadStateDict(sd))!;
        Assert.That(e.Kind, Is.EqualTo(StateDictMismatchKind.UnexpectedKey));
        Assert.That(e.Key, Is.EqualTo("dynamics.egnn.e_block_2.gcl_0.edge_mlp.0.weight"));
        // Entries outside the dynamics prefix (buffer, gamma.gamma) are not part of the denoiser and are ignored.
        sd.Remove(e.Key);
        Assert.DoesNotThrow(() => model.LoadStateDict(sd));
    }

    [Test]
    public void WrongShapeIsNamedAndNothingIsCopied()
    {
        using var fx = EgnnFixture.Small();
        using var model = new EgnnDenoiser(EgnnOptions.Small(featureCount: 6, hiddenFeatures: 32, layers: 2, contextCount: 1));
        var before = model.Module.named_parameters().First(p => p.name == "egnn.e_block_0.gcl_0.edge_mlp.2.weight").parameter.clone();
        var e = Assert.Throws<StateDictMismatchException>(() => model.LoadStateDict(fx.ParamsPath))!;
        Assert.That(e.Kind, Is.EqualTo(StateDictMismatchKind.ShapeMismatch));
        Assert.That(e.Key, Is.EqualTo("dynamics.egnn.embedding.weight"));
        Assert.That(e.Message, Does.Contain("[32, 7]").And.Contain("[32, 8]"));
        var after = model.Module.named_parameters().First(p => p.name == "egnn.e_block_0.gcl_0.edge_mlp.2.weight").parameter;
        Assert.That(torch.equal(before, after).all().item<bool>(), Is.True);
    }

    [Test]
    public void EveryFeatureChannelIsPredictedWithoutChargeColumn()
    {
        // FACTS 1.14: EDM drops the last class when there is no charge column; nothing here may assume one.
        using var model = new EgnnDenoiser(EgnnOptions.Geom with { HiddenFeatures = 16, Layers = 1 });
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var mask = torch.ones(2, 5, 1);
        var o = model.Predict(new DenoiserInput(torch.randn(2, 5, 3), torch.rand(2, 5, 16), torch.rand(2), mask, torch.tensor(new long[] { 5, 5 })));
        Assert.That(o.NoiseH.shape, Is.EqualTo(new long[] { 2, 5, 16 }));
        Assert.That(o.NoiseH.narrow(2, 15, 1).abs().sum().item<float>(), Is.GreaterThan(0f));
    }

    [Test]
    public void GraphHasRealPairsOnly()
    {
        using var g = MolecularGraph.Build([3, 0, 2], 4, CPU);
        Assert.That(g.NodeCount, Is.EqualTo(5));
        Assert.That(g.EdgeCount, Is.EqualTo(3 * 2 + 2 * 1));
        Assert.That(g.NodeIndex.data<long>().ToArray(), Is.EqualTo(new long[] { 0, 1, 2, 8, 9 }));
        Assert.That(g.Row.data<long>().ToArray(), Is.EqualTo(new long[] { 0, 0, 1, 1, 2, 2, 3, 4 }));
        Assert.That(g.Col.data<long>().ToArray(), Is.EqualTo(new long[] { 1, 2, 0, 2, 0, 1, 4, 3 }));
    }

    [Test]
    public void EdgeListsAreCachedBySignature()
    {
        using var model = new EgnnDenoiser(EgnnOptions.Small(hiddenFeatures: 8, layers: 1));
        using var scope = torch.NewDisposeScope();
        DenoiserInput Batch(long[] counts)
        {
            int b = counts.Length, n = (int)counts.Max();
            var mask = torch.zeros(b, n, 1);
            for (int i = 0; i < b; i++) mask[i, TensorIndex.Slice(0, counts[i])] = torch.ones(counts[i], 1);
            return new DenoiserInput(torch.randn(b, n, 3) * mask, torch.randn(b, n, 6) * mask, torch.rand(b), mask, torch.tensor(counts));
        }
        model.Predict(Batch([3, 5]));
        model.Predict(Batch([3, 5]));
        Assert.That(model.CachedGraphCount, Is.EqualTo(1));
        model.Predict(Batch([5, 3]));
        Assert.That(model.CachedGraphCount, Is.EqualTo(2));
    }

    [Test]
    public void BackwardReachesEveryParameter()
    {
        using var fx = EgnnFixture.Conditional();
        using var model = fx.LoadFromNpz();
        using var scope = torch.NewDisposeScope();
        var o = model.Predict(fx.Input());
        var loss = o.NoiseX.square().sum() + o.NoiseH.square().sum();
        loss.backward();
        foreach (var (name, p) in model.Module.named_parameters())
        {
            var g = p.grad;
            Assert.That(g, Is.Not.Null, name);
            Assert.That(g!.isfinite().all().item<bool>(), Is.True, name);
            Assert.That(g.abs().sum().item<float>(), Is.GreaterThan(0f), name);
        }
    }

    [Test]
    public void GradientsMatchFiniteDifferencesInFloat64()
    {
        // The split first Linear and the edge-list aggregation must give the exact gradient, not only the exact value.
        using var fx = EgnnFixture.Small();
        using var model = fx.LoadFromNpz();
        model.Module.to(ScalarType.Float64);
        using var scope = torch.NewDisposeScope();
        var input = fx.Input();
        input = input with { Positions = input.Positions.to(ScalarType.Float64), Features = input.Features.to(ScalarType.Float64) };
        var w = model.Module.named_parameters().First(p => p.name == "egnn.e_block_0.gcl_equiv.coord_mlp.0.weight").parameter;
        Tensor Loss() { var o = model.Predict(input); return o.NoiseX.square().sum() + o.NoiseH.square().sum(); }
        Loss().backward();
        var analytic = w.grad!.clone();
        foreach (var (r, c) in new[] { (0, 0), (3, 20), (7, 64), (31, 65) })
        {
            double h = 1e-6, orig;
            using (torch.no_grad())
            {
                orig = w[r, c].item<double>();
                w[r, c] = orig + h; var up = Loss().item<double>();
                w[r, c] = orig - h; var down = Loss().item<double>();
                w[r, c] = orig;
                var numeric = (up - down) / (2 * h);
                Assert.That(analytic[r, c].item<double>(), Is.EqualTo(numeric).Within(1e-5 * Math.Max(1, Math.Abs(numeric))), $"({r},{c})");
            }
        }
    }
}
