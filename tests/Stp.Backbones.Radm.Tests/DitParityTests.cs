using NUnit.Framework;
using Stp.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Radm.Tests;

/// <summary>Parity of the DiT with RADM's phi on ../shared/fixtures/dit_tiny_* (fixtures README section 3).</summary>
public class DitParityTests
{
    private const double Tolerance = 1e-5;

    private static DenoiserInput Input(Fixture io) =>
        new(io["z"].narrow(2, 0, 3), io["z"].narrow(2, 3, 1), io["t"].reshape(-1), io["node_mask"], io["n_atoms"]);

    private static DitDenoiser Load(string paramsFile)
    {
        var dit = new DitDenoiser(DitOptions.Tiny());
        dit.LoadStateDict(Stp.Testing.SharedData.Fixture(paramsFile));
        return dit;
    }

    [Test]
    public void OutputMatchesReference()
    {
        using var io = new Fixture("dit_tiny_io.npz");
        using var dit = Load("dit_tiny_params.npz");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var o = dit.Predict(Input(io));
        var output = cat([o.NoiseX, o.NoiseH], 2);
        double err = Fixture.MaxAbs(output, io["output"]);
        double err64 = Fixture.MaxAbs(output, io["output_f64"]);
        TestContext.Out.WriteLine($"DiT tiny output: max abs error {err:E2} (vs float64 reference {err64:E2})");
        Assert.That(err, Is.LessThan(Tolerance));
    }

    [Test]
    public void IntermediatesMatchReference()
    {
        using var io = new Fixture("dit_tiny_io.npz");
        using var dit = Load("dit_tiny_params.npz");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var z = dit.Tokens(Input(io), out var t, out var mask, out _);
        Assert.That(mask, Is.Not.Null);
        Assert.That(equal(mask!, io["attn_mask"]).all().item<bool>(), Is.True, "attention mask = edge_mask + I");
        var net = dit.Network;
        var checks = new List<(string Key, Tensor Value)>
        {
            ("dbg_t_freq", Modules.TimestepEmbedder.Frequencies(t)),
            ("dbg_t_emb", net.Condition(t)),
            ("dbg_x_embed", net.Embed(z)),
        };
        var c = net.Condition(t);
        var x = net.Embed(z);
        for (int i = 0; i < net.Depth; i++)
        {
            x = net.Block(i, x, c, mask);
            checks.Add(($"dbg_block{i}_out", x));
        }
        checks.Add(("dit_raw_output", net.Final(x, c)));
        foreach (var (key, value) in checks)
        {
            double err = Fixture.MaxAbs(value, io[key]);
            TestContext.Out.WriteLine($"{key}: max abs error {err:E2}");
            Assert.That(err, Is.LessThan(Tolerance), key);
        }
    }

    [Test]
    public void InitialParametersGiveZeroOutput()
    {
        using var io = new Fixture("dit_tiny_io.npz");
        using var dit = Load("dit_tiny_init_params.npz");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var o = dit.Predict(Input(io));
        Assert.That(o.NoiseX.abs().max().item<float>(), Is.EqualTo(0f));
        Assert.That(o.NoiseH.abs().max().item<float>(), Is.EqualTo(0f));
        Assert.That(io["output_init_params"].abs().max().item<float>(), Is.EqualTo(0f));
    }

    [Test]
    public void SeededInitialisationMatchesRadm()
    {
        using var reference = new Fixture("dit_tiny_init_params.npz");
        using var dit = new DitDenoiser(DitOptions.Tiny(), seed: 0);
        var ours = dit.Module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.That(ours.Keys, Is.EquivalentTo(reference.Arrays.Keys));
        double worst = ours.Max(kv => Fixture.MaxAbs(kv.Value, reference[kv.Key]));
        TestContext.Out.WriteLine($"seeded init vs RADM's torch.manual_seed(0) init: max abs difference {worst:E2}");
        Assert.That(worst, Is.EqualTo(0.0));
    }
}
