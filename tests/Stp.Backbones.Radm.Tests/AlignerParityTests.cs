using NUnit.Framework;
using Stp.Backbones.Radm.Modules;
using Stp.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Radm.Tests;

/// <summary>Parity of the rotation aligner with RADM's NonEquiAE.rotate on ../shared/fixtures/radm_rot_* (README section 6).</summary>
public class AlignerParityTests
{
    private const double Tolerance = 1e-5;

    /// <summary>The fixture's configuration: nf 32, rot_layers 2, decoder 2 layers, latent_nf 1, QM9 features with Z.</summary>
    internal static RadmAutoencoderOptions FixtureOptions { get; } = RadmAutoencoderOptions.Small(hiddenFeatures: 32, decoderLayers: 2, latentFeatures: 1);

    private static AlignedAutoencoder Loaded(Fixture parameters)
    {
        var ae = new AlignedAutoencoder(6, FixtureOptions);
        var modules = ae.Aligner.ToArray();
        StateDict.Load(modules[0], parameters.Arrays, "rot_encoder.", parameters.Path);
        StateDict.Load(modules[1], parameters.Arrays, "rot_head.", parameters.Path);
        return ae;
    }

    [Test]
    public void RotationMatchesReference()
    {
        using var io = new Fixture("radm_rot_io.npz");
        using var parameters = new Fixture("radm_rot_params.npz");
        using var ae = Loaded(parameters);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var xh = io["xh"];
        var sizes = io["n_atoms"].data<long>().Select(n => (int)n).ToArray();
        var graph = ae.Graph(sizes, (int)xh.shape[1], CPU);
        var a = ae.Rotate(xh.narrow(2, 0, 3), xh.narrow(2, 3, 6), graph);
        var checks = new (string Key, Tensor Value)[]
        {
            ("dbg_gnn_out", graph.Scatter(a.Features)), ("dbg_pooled", a.Pooled), ("M", a.Matrix), ("R", a.Rotation), ("x_rot", a.Positions),
        };
        foreach (var (key, value) in checks)
        {
            double err = Fixture.MaxAbs(value, io[key]);
            TestContext.Out.WriteLine($"{key}: max abs error {err:E2} (vs float64 reference {Fixture.MaxAbs(value, io.Arrays.GetValueOrDefault(key + "_f64", io[key])):E2})");
            Assert.That(err, Is.LessThan(Tolerance), key);
        }
        Assert.That(SpecialProcrustes.NeedsFlip(a.Matrix).data<bool>().ToArray(), Is.EqualTo(io["det_flip"].data<bool>().ToArray()));
        AssertProperRotations(a.Rotation);
    }

    [Test]
    public void ProjectionMatchesReferenceOnBothDeterminantBranches()
    {
        using var io = new Fixture("radm_rot_io.npz");
        using var scope = NewDisposeScope();
        var m = io["proj_M_extra"];
        Assert.That(SpecialProcrustes.NeedsFlip(m).data<bool>().ToArray(), Is.EqualTo(new[] { false, false, true, true, true, true }), "det M > 0 for the first two, < 0 for the rest");
        var r32 = SpecialProcrustes.Project(m);
        var r64 = SpecialProcrustes.Project(m.to(ScalarType.Float64));
        double err32 = Fixture.MaxAbs(r32, io["proj_R_extra"]), err64 = Fixture.MaxAbs(r64, io["proj_R_extra_f64"]);
        TestContext.Out.WriteLine($"projection: float32 max abs error {err32:E2}, float64 {err64:E2}");
        Assert.That(err32, Is.LessThan(Tolerance));
        Assert.That(err64, Is.LessThan(1e-12));
        AssertProperRotations(r32);
        // A proper rotation is its own projection; the nearest rotation does not depend on a positive scale.
        Assert.That(Fixture.MaxAbs(SpecialProcrustes.Project(r64), r64), Is.LessThan(1e-12));
        Assert.That(Fixture.MaxAbs(SpecialProcrustes.Project(m.to(ScalarType.Float64) * 3.5), r64), Is.LessThan(1e-12));
        Assert.Throws<ArgumentException>(() => SpecialProcrustes.Project(zeros(2, 3, 4)));
    }

    [Test]
    public void SeededInitialisationMatchesRadm()
    {
        using var parameters = new Fixture("radm_rot_params.npz");
        using var ae = SeededConstruction.Build(0, () => new AlignedAutoencoder(6, FixtureOptions));
        var ours = ae.named_parameters().Where(p => p.name.StartsWith("rot_", StringComparison.Ordinal)).ToDictionary(p => p.name, p => p.parameter);
        Assert.That(ours.Keys, Is.EquivalentTo(parameters.Arrays.Keys));
        double worst = ours.Max(kv => Fixture.MaxAbs(kv.Value, parameters[kv.Key]));
        TestContext.Out.WriteLine($"seeded NonEquiAE construction vs RADM's (encoder, decoder, rot_encoder, rot_head after manual_seed(0)): {worst:E2}");
        Assert.That(worst, Is.EqualTo(0.0));
        Assert.That(ae.parameters().Sum(p => p.numel()), Is.EqualTo(40_442), "whole NonEquiAE of the fixture config");
        Assert.That(ae.Aligner.Sum(m => m.parameters().Sum(p => p.numel())), Is.EqualTo(15_339));
    }

    internal static void AssertProperRotations(Tensor r)
    {
        using var scope = NewDisposeScope();
        var r64 = r.to(ScalarType.Float64);
        var eye = torch.eye(3, dtype: ScalarType.Float64).expand_as(r64);
        double orth = Fixture.MaxAbs(r64.matmul(r64.transpose(1, 2)), eye);
        double det = (torch.linalg.det(r64) - 1).abs().max().item<double>();
        TestContext.Out.WriteLine($"R R^T - I: {orth:E2}; det R - 1: {det:E2}");
        Assert.That(orth, Is.LessThan(1e-5));
        Assert.That(det, Is.LessThan(1e-5));
    }
}
