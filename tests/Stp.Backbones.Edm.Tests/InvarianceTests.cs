using NUnit.Framework;
using Stp.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.Tests;

/// <summary>E(3) equivariance, permutation equivariance and batching invariance, on the reference fixture's weights and molecules.</summary>
public class InvarianceTests
{
    private const double Tolerance = 1e-5;

    private static EgnnFixture _fx = null!;
    private static EgnnDenoiser _model = null!;

    [OneTimeSetUp]
    public void SetUp()
    {
        _fx = EgnnFixture.Small();
        _model = _fx.LoadFromNpz();
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        _model?.Dispose();
        _fx?.Dispose();
    }

    /// <summary>A random orthogonal 3x3 matrix (QR of a Gaussian, sign-fixed); a reflection when <paramref name="reflect"/>.</summary>
    private static Tensor RandomOrthogonal(Generator gen, bool reflect)
    {
        var a = torch.randn(3, 3, dtype: ScalarType.Float64, generator: gen);
        var (q, r) = torch.linalg.qr(a);
        q = q * r.diagonal().sign().unsqueeze(0);
        var det = torch.linalg.det(q).item<double>();
        if ((det < 0) != reflect) q = q * torch.tensor(new double[] { -1, 1, 1 }).unsqueeze(0);
        Assert.That(torch.linalg.det(q).item<double>(), Is.EqualTo(reflect ? -1.0 : 1.0).Within(1e-9));
        return q.to(ScalarType.Float32);
    }

    private static double MaxAbs(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    [TestCase(1, false)]
    [TestCase(2, false)]
    [TestCase(3, true)]
    [TestCase(4, true)]
    public void RotationTranslationEquivariance(int seed, bool reflect)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var gen = new Generator((ulong)seed);
        var input = _fx.Input();
        var q = RandomOrthogonal(gen, reflect);
        // Per-molecule translation (kept on real atoms only, as the contract zeroes padding).
        var shift = torch.randn(input.Positions.shape[0], 1, 3, generator: gen) * 5f;
        var x2 = (input.Positions.matmul(q.t()) + shift) * input.NodeMask;
        var moved = input with { Positions = x2 };

        var a = _model.Predict(input);
        var b = _model.Predict(moved);
        var errX = MaxAbs(b.NoiseX, a.NoiseX.matmul(q.t()));
        var errH = MaxAbs(b.NoiseH, a.NoiseH);
        TestContext.Out.WriteLine($"seed {seed} reflect {reflect}: eps_x equivariance error {errX:E2}, eps_h invariance error {errH:E2}");
        Assert.That(errX, Is.LessThan(Tolerance));
        Assert.That(errH, Is.LessThan(Tolerance));
    }

    [Test]
    public void PermutationEquivariance()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var input = _fx.Input();
        long b = input.Positions.shape[0], n = input.Positions.shape[1];
        var counts = input.AtomCounts.data<long>().ToArray();
        var rng = new Random(7);
        // Permute the real atoms of each molecule; padding stays at the end.
        var perm = new long[b * n];
        for (int m = 0; m < b; m++)
        {
            var p = Enumerable.Range(0, (int)counts[m]).OrderBy(_ => rng.Next()).ToList();
            for (int i = 0; i < n; i++) perm[m * n + i] = m * n + (i < counts[m] ? p[i] : i);
        }
        var idx = torch.tensor(perm);
        Tensor Permute(Tensor t) => t.reshape(b * n, -1).index_select(0, idx).reshape(t.shape);
        var permuted = input with { Positions = Permute(input.Positions), Features = Permute(input.Features), NodeMask = Permute(input.NodeMask) };

        var a = _model.Predict(input);
        var c = _model.Predict(permuted);
        var errX = MaxAbs(c.NoiseX, Permute(a.NoiseX));
        var errH = MaxAbs(c.NoiseH, Permute(a.NoiseH));
        TestContext.Out.WriteLine($"permutation: eps_x error {errX:E2}, eps_h error {errH:E2}");
        Assert.That(errX, Is.LessThan(Tolerance));
        Assert.That(errH, Is.LessThan(Tolerance));
    }

    [Test]
    public void BatchingInvariance()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var input = _fx.Input();
        var full = _model.Predict(input);
        var counts = input.AtomCounts.data<long>().ToArray();
        double worst = 0;
        for (int m = 0; m < counts.Length; m++)
        {
            long n = counts[m];
            foreach (long pad in new[] { n, n + 7, 40 })
            {
                var alone = Slice(input, m, n, pad);
                var outAlone = _model.Predict(alone);
                var errX = MaxAbs(outAlone.NoiseX.narrow(1, 0, n), full.NoiseX[m].narrow(0, 0, n).unsqueeze(0));
                var errH = MaxAbs(outAlone.NoiseH.narrow(1, 0, n), full.NoiseH[m].narrow(0, 0, n).unsqueeze(0));
                worst = Math.Max(worst, Math.Max(errX, errH));
                Assert.That(errX, Is.LessThan(Tolerance), $"molecule {m} padded to {pad}");
                Assert.That(errH, Is.LessThan(Tolerance), $"molecule {m} padded to {pad}");
                Assert.That(outAlone.NoiseX.narrow(1, n, pad - n).abs().sum().item<float>(), Is.Zero);
                Assert.That(outAlone.NoiseH.narrow(1, n, pad - n).abs().sum().item<float>(), Is.Zero);
            }
        }
        // Other molecules in the batch (reversed order, garbage in padding slots) change nothing either.
        var rev = torch.tensor(new long[] { 3, 2, 1, 0 });
        var garbage = (1 - input.NodeMask) * 3.5f;
        var reordered = new DenoiserInput(
            (input.Positions + garbage).index_select(0, rev), (input.Features + garbage).index_select(0, rev),
            input.Time.index_select(0, rev), input.NodeMask.index_select(0, rev), input.AtomCounts.index_select(0, rev));
        var outRev = _model.Predict(reordered);
        var errRx = MaxAbs(outRev.NoiseX.index_select(0, rev), full.NoiseX);
        var errRh = MaxAbs(outRev.NoiseH.index_select(0, rev), full.NoiseH);
        worst = Math.Max(worst, Math.Max(errRx, errRh));
        TestContext.Out.WriteLine($"batching invariance: worst error {worst:E2}");
        Assert.That(errRx, Is.LessThan(Tolerance));
        Assert.That(errRh, Is.LessThan(Tolerance));
    }

    /// <summary>Molecule <paramref name="m"/> alone, padded to <paramref name="pad"/> slots.</summary>
    private static DenoiserInput Slice(DenoiserInput input, int m, long n, long pad)
    {
        Tensor Pad(Tensor t)
        {
            var real = t[m].narrow(0, 0, n);
            var zeros = torch.zeros(pad - n, t.shape[2]);
            return torch.cat([real, zeros], 0).unsqueeze(0);
        }
        return new DenoiserInput(Pad(input.Positions), Pad(input.Features), input.Time.narrow(0, m, 1), Pad(input.NodeMask),
            torch.tensor(new long[] { n }));
    }
}
