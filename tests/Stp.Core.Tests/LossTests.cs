using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using static Stp.Core.Tests.EngineSetup;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

/// <summary>EDM's l2 training objective (FACTS 1.5), checked against the formula computed here from the drawn noise.</summary>
public class LossTests
{
    [Test]
    public void TrainingLossIsEdmNormalisedL2IncludingTheTZeroTerm()
    {
        // A denoiser that predicts zero: the loss is 0.5 |eps|^2 / ((3 + F) N_pad) for t >= 1 and 0.5 |eps_x|^2 / ((3 + F) N_pad)
        // at t = 0 (EDM's compute_error divides the t = 0 term too; only x enters it, h is read from z_0).
        var model = DiffusionModel.Create(new ZeroDenoiser(Features.Count), PriorKind.ScaledPrior, new FuncPriorScaler(Gamma), Features);
        var mols = Enumerable.Range(0, 64).Select(i => RandomMolecule(3 + i % 20, i)).ToList();
        using var batch = MoleculeBatch.Create(mols, Features);
        int zeroHits = 0;
        double ratioSum = 0, dofSum = 0;
        for (long step = 0; step < 40; step++)
        {
            using var scope = NewDisposeScope();
            var loss = model.TrainingLoss(batch, seed: 1, step: step);
            var z = model.Diffuse(batch, loss.TimeSteps, 1, step);
            var per = loss.PerMolecule.data<float>().ToArray();
            var ex2 = z.Noise.X.pow(2).sum(new long[] { 1, 2 }).data<float>().ToArray();
            var eh2 = z.Noise.H.pow(2).sum(new long[] { 1, 2 }).data<float>().ToArray();
            double denom = (3 + Features.Count) * batch.PaddedSize;
            for (int i = 0; i < 64; i++)
            {
                double expected = loss.TimeSteps[i] == 0 ? 0.5 * ex2[i] / denom : 0.5 * (ex2[i] + eh2[i]) / denom;
                if (loss.TimeSteps[i] == 0) zeroHits++;
                Assert.That(per[i], Is.EqualTo(expected).Within(1e-5 * Math.Max(1, expected)), $"step {step}, molecule {i}, t = {loss.TimeSteps[i]}");
                ratioSum += ex2[i] / (Gamma(mols[i].AtomCount) * Gamma(mols[i].AtomCount));
                dofSum += 3.0 * (mols[i].AtomCount - 1);
            }
            Assert.That(loss.Loss.item<float>(), Is.EqualTo(per.Average()).Within(1e-5));
        }
        TestContext.Out.WriteLine($"{zeroHits} molecules drew t = 0 in 40 x 64 draws");
        Assert.That(zeroHits, Is.GreaterThan(0), "the test reaches t = 0");
        // The x target is gamma_N-scaled: E|eps_x|^2 = gamma_N^2 * 3 (N - 1).
        Assert.That(ratioSum / dofSum, Is.EqualTo(1.0).Within(0.05));
    }

    [Test]
    public void TheTZeroTermIsNoLongerOutOfScale()
    {
        // Regression for the first release: with a zero predictor the t = 0 molecule's loss was ~160x the others'.
        var model = DiffusionModel.Create(new ZeroDenoiser(6), PriorKind.Unit, null, AtomFeatures.Qm9);
        var qm9Like = Enumerable.Range(0, 64).Select(i => new Molecule(Enumerable.Repeat(6, 18).ToArray(),
            Enumerable.Range(0, 54).Select(k => Math.Sin(k * 0.37 + i)).ToArray())).ToList();
        using var batch = MoleculeBatch.Create(qm9Like, AtomFeatures.Qm9);
        for (long step = 0; step < 200; step++)
        {
            using var scope = NewDisposeScope();
            var loss = model.TrainingLoss(batch, 3, step);
            int i0 = Array.IndexOf(loss.TimeSteps, 0);
            if (i0 < 0) continue;
            var per = loss.PerMolecule.data<float>().ToArray();
            double others = per.Where((_, i) => loss.TimeSteps[i] > 0).Average();
            TestContext.Out.WriteLine($"step {step}: t = 0 loss {per[i0]:F4}, mean of others {others:F4}");
            Assert.That(per[i0], Is.LessThan(others), "the t = 0 term (x only) is smaller than the x + h terms");
            return;
        }
        Assert.Fail("no molecule drew t = 0 in 200 steps");
    }

    [Test]
    public void SameSeedAndStepGiveTheSameDraws()
    {
        var model = DiffusionModel.Create(new ZeroDenoiser(Features.Count), PriorKind.ScaledPrior, new FuncPriorScaler(Gamma), Features);
        var mols = Enumerable.Range(0, 16).Select(i => RandomMolecule(3 + i, i)).ToList();
        using var batch = MoleculeBatch.Create(mols, Features);
        var a = model.TrainingLoss(batch, 1, 77);
        var b = model.TrainingLoss(batch, 1, 77);
        var c = model.TrainingLoss(batch, 1, 78);
        Assert.That(b.TimeSteps, Is.EqualTo(a.TimeSteps));
        Assert.That(b.Loss.item<float>(), Is.EqualTo(a.Loss.item<float>()));
        Assert.That(c.TimeSteps, Is.Not.EqualTo(a.TimeSteps));
    }
}
