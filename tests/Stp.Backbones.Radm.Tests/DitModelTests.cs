using NUnit.Framework;
using Stp.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Radm.Tests;

/// <summary>DiT presets, invariances and input checks (random weights: the zero-init output would prove nothing).</summary>
public class DitModelTests
{
    private const double Tolerance = 1e-5;

    [TestCase(DitSize.Base, 1, 129_516_292L)]
    [TestCase(DitSize.Base, 2, 129_517_829L)]
    [TestCase(DitSize.Small, 1, 32_465_284L)]
    [TestCase(DitSize.Tiny, 1, 178_884L)]
    public void PresetParameterCountsMatchFacts(DitSize size, int latent, long expected)
    {
        using var dit = new DitDenoiser(DitOptions.For(size, latent));
        Assert.That(dit.ParameterCount, Is.EqualTo(expected));
    }

    [Test]
    public void PresetShapes()
    {
        Assert.That((DitOptions.Base().Depth, DitOptions.Base().HiddenSize, DitOptions.Base().Heads), Is.EqualTo((12, 768, 12)));
        Assert.That((DitOptions.Small().Depth, DitOptions.Small().HiddenSize, DitOptions.Small().Heads), Is.EqualTo((12, 384, 6)));
        Assert.That(DitOptions.Base(2, 1).InputCount, Is.EqualTo(6));
    }

    /// <summary>A DiT whose every parameter is perturbed (seeded), so that the output is not identically zero.</summary>
    internal static DitDenoiser Perturbed(DitOptions options, long seed = 3)
    {
        var dit = new DitDenoiser(options, seed: seed);
        using var g = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var p in dit.Module.parameters()) p.add_(randn(p.shape, generator: g) * 0.05);
        return dit;
    }

    internal static (Tensor X, Tensor H, Tensor Mask, Tensor Counts) Batch(int[] sizes, int padded, int features, long seed)
    {
        using var scope = NewDisposeScope();
        using var g = new Generator((ulong)seed);
        int b = sizes.Length;
        var mask = zeros(b, padded, 1);
        for (int i = 0; i < b; i++) mask[i, ..sizes[i]] = 1;
        var x = CenterOfMass.Remove(randn(new long[] { b, padded, 3 }, generator: g) * 1.5, mask);
        var h = randn(new long[] { b, padded, features }, generator: g) * mask;
        var counts = tensor(sizes.Select(s => (long)s).ToArray());
        return (x.MoveToOuterDisposeScope(), h.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope(), counts.MoveToOuterDisposeScope());
    }

    [Test]
    public void PermutingAtomsPermutesTheOutput()
    {
        using var dit = Perturbed(DitOptions.Tiny(2));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (x, h, mask, counts) = Batch([7], 7, 2, 11);
        var t = tensor(new[] { 0.3f });
        var perm = tensor(new long[] { 3, 0, 6, 1, 5, 2, 4 });
        var a = dit.Predict(new DenoiserInput(x, h, t, mask, counts));
        var b = dit.Predict(new DenoiserInput(x.index_select(1, perm), h.index_select(1, perm), t, mask, counts));
        double ex = Fixture.MaxAbs(a.NoiseX.index_select(1, perm), b.NoiseX), eh = Fixture.MaxAbs(a.NoiseH.index_select(1, perm), b.NoiseH);
        TestContext.Out.WriteLine($"permutation equivariance: eps_x {ex:E2}, eps_h {eh:E2}");
        Assert.That(Math.Max(ex, eh), Is.LessThan(Tolerance));
    }

    [Test]
    public void MoleculeOutputDoesNotDependOnPaddingOrBatchMates()
    {
        using var dit = Perturbed(DitOptions.Tiny(1));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int[] sizes = [5, 12, 9];
        var (x, h, mask, counts) = Batch(sizes, 16, 1, 5);
        var t = tensor(new[] { 0.1f, 0.6f, 0.95f });
        var batched = dit.Predict(new DenoiserInput(x, h, t, mask, counts));
        for (int i = 0; i < sizes.Length; i++)
        {
            int n = sizes[i];
            // Alone, unpadded (batch size 1, no attention mask at all).
            var alone = dit.Predict(new DenoiserInput(x[i..(i + 1), ..n], h[i..(i + 1), ..n], t[i..(i + 1)], mask[i..(i + 1), ..n], counts[i..(i + 1)]));
            double err = Math.Max(Fixture.MaxAbs(alone.NoiseX[0], batched.NoiseX[i, ..n]), Fixture.MaxAbs(alone.NoiseH[0], batched.NoiseH[i, ..n]));
            TestContext.Out.WriteLine($"molecule {i} ({n} atoms) alone vs in a padded batch of 3: {err:E2}");
            Assert.That(err, Is.LessThan(Tolerance));
            Assert.That(batched.NoiseX[i, n..].abs().max().item<float>(), Is.EqualTo(0f), "padding rows are zero");
        }
        Assert.That(batched.NoiseX.sum(1).abs().max().item<float>(), Is.LessThan(1e-5f), "eps_x has zero centre of mass");
    }

    [Test]
    public void HostSizesGiveTheSameOutputAsTheMask()
    {
        // With DenoiserInput.Sizes the DiT decides from the host whether the batch is padded (no device synchronisation).
        using var dit = Perturbed(DitOptions.Tiny(1));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var sizes in new[] { new[] { 5, 12, 9 }, new[] { 12, 12 } })
        {
            var (x, h, mask, counts) = Batch(sizes, 12, 1, 7);
            var t = full(sizes.Length, 0.4f);
            var fromMask = dit.Predict(new DenoiserInput(x, h, t, mask, counts));
            var fromSizes = dit.Predict(new DenoiserInput(x, h, t, mask, counts, Sizes: sizes));
            Assert.That(Fixture.MaxAbs(fromSizes.NoiseX, fromMask.NoiseX) + Fixture.MaxAbs(fromSizes.NoiseH, fromMask.NoiseH), Is.EqualTo(0.0), string.Join(",", sizes));
        }
    }

    [Test]
    public void ScalarTimeIsBroadcastAndBatchOfOneWorks()
    {
        using var dit = Perturbed(DitOptions.Tiny(1));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (x, h, mask, counts) = Batch([4, 6], 6, 1, 2);
        var a = dit.Predict(new DenoiserInput(x, h, tensor(0.5f), mask, counts));
        var b = dit.Predict(new DenoiserInput(x, h, tensor(new[] { 0.5f, 0.5f }), mask, counts));
        Assert.That(Fixture.MaxAbs(a.NoiseX, b.NoiseX), Is.EqualTo(0.0));
        var one = dit.Predict(new DenoiserInput(x[..1], h[..1], tensor(new[] { 0.5f }).reshape(1, 1), mask[..1], counts[..1]));
        Assert.That(one.NoiseX.shape, Is.EqualTo(new long[] { 1, 6, 3 }));
    }

    [Test]
    public void ConditionalDitUsesAndDropsTheContext()
    {
        using var dit = Perturbed(DitOptions.Tiny(1, contextCount: 1));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (x, h, mask, counts) = Batch([5], 5, 1, 9);
        var t = tensor(new[] { 0.4f });
        var a = dit.Predict(new DenoiserInput(x, h, t, mask, counts, full(1, 5, 1, -1.0f) * mask));
        var b = dit.Predict(new DenoiserInput(x, h, t, mask, counts, full(1, 5, 1, 2.0f) * mask));
        Assert.That(a.NoiseH.shape, Is.EqualTo(new long[] { 1, 5, 1 }));
        Assert.That(Fixture.MaxAbs(a.NoiseX, b.NoiseX), Is.GreaterThan(1e-4));
        Assert.Throws<ArgumentException>(() => dit.Predict(new DenoiserInput(x, h, t, mask, counts)));
    }

    [Test]
    public void BadInputsAreRejectedWithTheShape()
    {
        using var dit = new DitDenoiser(DitOptions.Tiny(1));
        using var scope = NewDisposeScope();
        var (x, h, mask, counts) = Batch([3, 4], 4, 1, 1);
        var t = tensor(new[] { 0.1f, 0.2f });
        var e = Assert.Throws<ArgumentException>(() => dit.Predict(new DenoiserInput(x, cat([h, h], 2), t, mask, counts)));
        Assert.That(e!.Message, Does.Contain("[B, N, 1]"));
        Assert.Throws<ArgumentException>(() => dit.Predict(new DenoiserInput(x, h, tensor(new[] { 0.1f, 0.2f, 0.3f }), mask, counts)));
        Assert.Throws<ArgumentException>(() => dit.Predict(new DenoiserInput(x, h, t, mask, counts, zeros(2, 4, 1))));
        var bad = Assert.Throws<ArgumentException>(() => new DitDenoiser(DitOptions.Tiny() with { Heads = 5 }));
        Assert.That(bad!.Message, Does.Contain("not divisible"));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = DitOptions.Tiny() with { Depth = 0 });
    }

    [Test]
    public void GradientsReachEveryParameterAfterOneStep()
    {
        using var dit = Perturbed(DitOptions.Tiny(1));
        using var scope = NewDisposeScope();
        var (x, h, mask, counts) = Batch([3, 5], 5, 1, 4);
        var o = dit.Predict(new DenoiserInput(x, h, tensor(new[] { 0.2f, 0.7f }), mask, counts));
        (o.NoiseX.square().sum() + o.NoiseH.square().sum()).backward();
        var missing = dit.Module.named_parameters().Where(p => p.parameter.grad is null || p.parameter.grad.abs().sum().item<float>() == 0).Select(p => p.name).ToList();
        Assert.That(missing, Is.Empty);
    }
}
