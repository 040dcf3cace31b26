using NUnit.Framework;
using Stp.Chemistry;
using Stp.Metrics.Alignment;
using Stp.Metrics.Plotting;
using Stp.Metrics.Structure;
using Stp.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Metrics.Tests;

[TestFixture]
public class AlignmentAndStructureTests
{
    // Molecule 0: 3 atoms, x0 rows e1, e2, e3; x_t = s_t * x0 + e (t > 0) with <e, x0> = 0, so gamma_t = s_t.
    // Molecule 1: 2 atoms (third row is padding), x_t = r_t * x0.
    private static readonly float[] X0Mol0 = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
    private static readonly float[] EMol0 = { 0, 1, 0, 1, 0, 0, 0, 0, 0 };
    private static readonly float[] X0Mol1 = { 2, 0, 0, -2, 0, 0 };

    private static SamplingStep Step(int t, float s, float r, int[] types0, int[] types1, IReadOnlyList<int> ids)
    {
        const int b = 2, n = 3, k = 3, f = k + 1;
        var x = new float[b * n * 3];
        for (int i = 0; i < 9; i++) x[i] = s * X0Mol0[i] + (t == 0 ? 0 : EMol0[i]);
        for (int i = 0; i < 6; i++) x[9 + i] = r * X0Mol1[i];
        x[15] = 99; x[16] = 99; x[17] = 99; // padding row: must be ignored
        var h = new float[b * n * f];
        for (int a = 0; a < 3; a++) { h[(0 * n + a) * f + types0[a]] = 1; h[(0 * n + a) * f + k] = 50; }
        for (int a = 0; a < 2; a++) { h[(1 * n + a) * f + types1[a]] = 1; h[(1 * n + a) * f + k] = 50; }
        var xt = torch.tensor(x, new long[] { b, n, 3 });
        var ht = torch.tensor(h, new long[] { b, n, f });
        return new SamplingStep(t, 2, xt, ht, new Stp.Codecs.LatentBatch(xt, ht), torch.ones(b, n, 1), torch.tensor(new long[] { 3, 2 }), ids);
    }

    [Test]
    public void Alignment_SyntheticSteps_GiveAnalyticGammaAndBeta()
    {
        var obs = new GenerationAlignmentObserver(atomClassCount: 3);
        var ids = new[] { 10, 11 };
        using (NewDisposeScope())
        {
            obs.OnStep(Step(2, 0.5f, -0.25f, new[] { 0, 1, 2 }, new[] { 2, 2 }, ids));
            obs.OnStep(Step(1, 0.8f, 0.5f, new[] { 0, 1, 1 }, new[] { 2, 0 }, ids));
            obs.OnStep(Step(0, 1.0f, 1.0f, new[] { 0, 1, 1 }, new[] { 1, 0 }, ids));
        }
        var res = obs.Compute();
        Assert.That(res.Sizes, Is.EqualTo(new[] { 2, 3 }));
        AlignmentPoint P(int n, int t) => (n == 0 ? res.Overall : res.BySize).Single(p => p.AtomCount == n && p.Step == t);
        Assert.Multiple(() =>
        {
            Assert.That(P(3, 2).Gamma, Is.EqualTo(0.5).Within(1e-6));
            Assert.That(P(3, 1).Gamma, Is.EqualTo(0.8).Within(1e-6));
            Assert.That(P(3, 0).Gamma, Is.EqualTo(1.0).Within(1e-6));
            Assert.That(P(2, 2).Gamma, Is.EqualTo(-0.25).Within(1e-6));
            Assert.That(P(3, 2).Beta, Is.EqualTo(2.0 / 3).Within(1e-12));
            Assert.That(P(3, 1).Beta, Is.EqualTo(1.0));
            Assert.That(P(2, 2).Beta, Is.EqualTo(0.0));
            Assert.That(P(2, 1).Beta, Is.EqualTo(0.5));
            Assert.That(P(0, 2).Gamma, Is.EqualTo((0.5 - 0.25) / 2).Within(1e-6));
            Assert.That(P(0, 2).Beta, Is.EqualTo((2.0 / 3 + 0) / 2).Within(1e-12));
            Assert.That(P(0, 0).Molecules, Is.EqualTo(2));
        });

        var dir = Path.Combine(Path.GetTempPath(), "stp-align-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            res.WriteCsv(Path.Combine(dir, "align.csv"));
            res.WritePlot(Path.Combine(dir, "gamma.png"));
            res.WritePlot(Path.Combine(dir, "beta.png"), beta: true);
            var lines = File.ReadAllLines(Path.Combine(dir, "align.csv"));
            Assert.That(lines[0], Is.EqualTo("step,n_atoms,molecules,gamma,beta"));
            Assert.That(lines, Has.Length.EqualTo(1 + 6 + 3));
            Assert.That(new FileInfo(Path.Combine(dir, "gamma.png")).Length, Is.GreaterThan(5000));
        }
        finally
        {
            if (Environment.GetEnvironmentVariable("STP_KEEP_TEST_OUTPUT") is null) Directory.Delete(dir, true);
            else TestContext.Out.WriteLine($"output kept in {dir}");
        }
    }

    [Test]
    public void Alignment_StrideKeepsEveryKthStepAndTheFinalOne()
    {
        var obs = new GenerationAlignmentObserver(3, stride: 2);
        using (NewDisposeScope())
        {
            obs.OnStep(Step(3, 0.1f, 0.1f, new[] { 0, 0, 0 }, new[] { 0, 0 }, new[] { 0, 1 }));
            obs.OnStep(Step(2, 0.5f, 0.5f, new[] { 0, 0, 0 }, new[] { 0, 0 }, new[] { 0, 1 }));
            obs.OnStep(Step(1, 0.7f, 0.7f, new[] { 0, 0, 0 }, new[] { 0, 0 }, new[] { 0, 1 }));
            obs.OnStep(Step(0, 1f, 1f, new[] { 0, 0, 0 }, new[] { 0, 0 }, new[] { 0, 1 }));
        }
        Assert.That(obs.Compute().Overall.Select(p => p.Step), Is.EqualTo(new[] { 2, 0 }));
    }

    [Test]
    public void Alignment_CsvRoundTripsAndSettlingStepsStopAtTheFirstDip()
    {
        // N = 10: gamma >= 0.9 for t <= 40, dips to 0.85 at t = 50, back to 0.95 at t = 60, low above: settles at 40.
        //         beta is 1 everywhere: settles at the first recorded step, 100.
        // N = 20: gamma 0.8 at t = 0 (never settles at 0.9); beta 0.9 exactly for t <= 20 (the threshold counts).
        var steps = Enumerable.Range(0, 11).Select(i => 100 - 10 * i).ToArray();
        double G10(int t) => t <= 40 ? 0.95 : t == 50 ? 0.85 : t == 60 ? 0.95 : 0.5;
        var bySize = steps.Select(t => new AlignmentPoint(t, 10, 4, G10(t), 1.0))
            .Concat(steps.Select(t => new AlignmentPoint(t, 20, 3, 0.8, t <= 20 ? 0.9 : 0.3))).ToArray();
        var overall = steps.Select(t => new AlignmentPoint(t, 0, 7, 0.5, 0.5)).ToArray();
        var result = new AlignmentResult(bySize, overall);
        var path = Path.Combine(Path.GetTempPath(), $"stp-align-{Guid.NewGuid():N}.csv");
        try
        {
            result.WriteCsv(path);
            var back = AlignmentResult.Read(path);
            Assert.That(back.BySize, Is.EqualTo(bySize));
            Assert.That(back.Overall, Is.EqualTo(overall));
            Assert.That(back.SettlingSteps(0.9), Is.EqualTo(new[] { new AlignmentSettling(10, 4, 40, 100), new AlignmentSettling(20, 3, null, 20) }));
            Assert.That(back.SettlingSteps(0.5), Is.EqualTo(new[] { new AlignmentSettling(10, 4, 100, 100), new AlignmentSettling(20, 3, 100, 20) }));
            // Spread between the two sizes: gamma |G10(t) - 0.8| averaged over the 11 steps; beta |1 - B20(t)|.
            double gammaApart = steps.Average(t => Math.Abs(G10(t) - 0.8)), betaApart = steps.Average(t => t <= 20 ? 0.1 : 0.7);
            Assert.That(back.MeanSpread(), Is.EqualTo(gammaApart).Within(1e-12));
            Assert.That(back.MeanSpread(beta: true), Is.EqualTo(betaApart).Within(1e-12));
            Assert.That(new AlignmentResult(bySize.Where(p => p.AtomCount == 10).ToArray(), overall).MeanSpread(), Is.NaN, "one size has no spread");
            Assert.Throws<ArgumentOutOfRangeException>(() => back.SettlingSteps(0));
            Assert.Throws<ArgumentOutOfRangeException>(() => back.SettlingSteps(double.NaN));

            var lines = File.ReadAllLines(path);
            lines[3] = "90,10,4,abc,1";
            File.WriteAllLines(path, lines);
            var e = Assert.Throws<InvalidDataException>(() => AlignmentResult.Read(path));
            Assert.That(e!.Message, Does.Contain(path).And.Contain("line 4"));
            File.WriteAllText(path, "step,gamma\n1,2\n");
            Assert.That(Assert.Throws<InvalidDataException>(() => AlignmentResult.Read(path))!.Message, Does.Contain("line 1"));
        }
        finally { File.Delete(path); }
        Assert.Throws<FileNotFoundException>(() => AlignmentResult.Read(path));
    }

    [Test]
    public void JensenShannon_AnalyticValues()
    {
        Assert.That(JensenShannon.Divergence(new double[] { 1, 0 }, new double[] { 0, 1 }), Is.EqualTo(Math.Log(2)).Within(1e-15));
        Assert.That(JensenShannon.Divergence(new double[] { 3, 1 }, new double[] { 6, 2 }), Is.EqualTo(0).Within(1e-15));
        Assert.That(JensenShannon.Divergence(new double[] { 1, 1 }, new double[] { 1, 0 }), Is.EqualTo(0.75 * Math.Log(4.0 / 3)).Within(1e-15));
        Assert.That(JensenShannon.Divergence(new double[] { 0, 0 }, new double[] { 1, 0 }), Is.EqualTo(Math.Log(2)));
        Assert.Throws<ArgumentException>(() => JensenShannon.Divergence(new double[] { 1 }, new double[] { 1, 2 }));
    }

    [Test]
    public void GeometryHistograms_Water_AndSelfDivergenceIsZero()
    {
        var water = new Molecule(new[] { 8, 1, 1 }, new[] { 0, 0, 0, 0.965, 0, 0, 0.965 * Math.Cos(104.5 * Math.PI / 180), 0.965 * Math.Sin(104.5 * Math.PI / 180), 0 });
        var h = GeometryHistograms.FromMolecules(new[] { water }, MetricsEvaluator.ForQm9());
        Assert.That(h.MoleculeCount, Is.EqualTo(1));
        const int bondBin = 36; // (0.965 - 0.6) / 1.8 * 180 = 36.5
        Assert.That(h.BondLengthsByPair["H~O"][bondBin], Is.EqualTo(2));
        Assert.That(h.BondLengthsByType["H-O"].Sum(), Is.EqualTo(2));
        Assert.That(h.BondAngles["H-O-H"][104], Is.EqualTo(1));

        var fx = FixtureSet.Load("qm9");
        var ev = MetricsEvaluator.ForQm9();
        var orig = GeometryHistograms.FromMolecules(fx.Molecules.Where(m => fx.Kinds[m.Id!] == "orig"), ev);
        var noisy = GeometryHistograms.FromMolecules(fx.Molecules.Where(m => fx.Kinds[m.Id!] == "noise"), ev);
        var self = orig.CompareTo(orig);
        Assert.That(self.BondLengthsByPair.All(e => e.Divergence == 0), Is.True);
        Assert.That(self.BondAngles.Count, Is.GreaterThan(3));
        var cmp = noisy.CompareTo(orig);
        var allBonds = cmp.BondLengthsByPair.Single(e => e.Key == "all");
        Assert.That(allBonds.Divergence, Is.InRange(0.01, Math.Log(2)));
        Assert.That(cmp.ToCsv(), Does.StartWith("family,key,reference_count,generated_count,jsd\nbond_length_pair,all,"));
    }
}
