using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Randomness;

namespace Stp.Core.Tests;

/// <summary>numpy's legacy permutation reproduced bit for bit, and EDM's QM9 splits (reference values computed with numpy 1.24.2).</summary>
public class EdmQm9SplitTests
{
    [Test]
    public void ReproducesNumpysLegacyGenerator()
    {
        var mt = new NumpyLegacyRandom(5489);
        Assert.That(mt.NextUInt32(), Is.EqualTo(3499211612u), "MT19937 reference output");
        Assert.That(mt.NextUInt32(), Is.EqualTo(581869302u));
        Assert.That(NumpyLegacyRandom.Permutation(10, 7), Is.EqualTo(new[] { 8, 5, 0, 2, 1, 9, 7, 3, 6, 4 }));
        var p = NumpyLegacyRandom.Permutation(100_000, 42);
        Assert.That(p.Take(8), Is.EqualTo(new[] { 75721, 80184, 19864, 76699, 92991, 76434, 84004, 80917 }));
        Assert.That(p.Skip(50_000).Take(4), Is.EqualTo(new[] { 85797, 47354, 6327, 93393 }), "the first molecules of qm9_second_half");
        Assert.That(p.TakeLast(3), Is.EqualTo(new[] { 76820, 860, 15795 }));
        var q = NumpyLegacyRandom.Permutation(130_831, 0);
        Assert.That(q.Take(5), Is.EqualTo(new[] { 130195, 68784, 7957, 25911, 20168 }));
        Assert.That(q.TakeLast(3), Is.EqualTo(new[] { 42613, 43567, 68268 }));
    }

    [Test]
    public void GivesEdmsSplitAndHalves()
    {
        // A stand-in exclusion list of the right size (gdb indices 43, 86, ...); numpy gives these split indices for it.
        var excluded = Enumerable.Range(1, 3054).Select(k => 43 * k).ToArray();
        var (train, valid, test) = EdmQm9Split.Indices(excluded);
        Assert.That((train.Length, valid.Length, test.Length), Is.EqualTo((100_000, 17_748, 13_083)));
        Assert.That(train.Take(4), Is.EqualTo(new[] { 133249, 70421, 8146, 26527 }));
        Assert.That(valid.Take(3), Is.EqualTo(new[] { 70387, 126495, 29351 }));
        Assert.That(test.Take(3), Is.EqualTo(new[] { 118597, 92390, 67986 }));
        Assert.That(test.TakeLast(2), Is.EqualTo(new[] { 44604, 69893 }));
        Assert.Throws<ArgumentException>(() => EdmQm9Split.Indices(excluded.Take(3000).ToArray()));

        var mols = Enumerable.Range(0, 100_000).Select(i => new Molecule(new[] { 6 }, new double[3], new Dictionary<string, string> { ["id"] = i.ToString() })).ToList();
        var (first, second) = EdmQm9Split.Halves(mols);
        Assert.That(first.Take(2).Select(m => m.Id), Is.EqualTo(new[] { "75721", "80184" }));
        Assert.That(second.Take(2).Select(m => m.Id), Is.EqualTo(new[] { "85797", "47354" }));
        Assert.That(first.Count + second.Count, Is.EqualTo(100_000));

        // EDM's protocol validates both halves on QM9's validation split and takes the mean / MAD from it; the seeded
        // halves of a smaller set take them from their training parts.
        var validation = mols.Take(10).ToList();
        var edm = EdmQm9Split.Protocol(mols, validation);
        Assert.That(edm.StatisticsFromValidation, Is.True);
        Assert.That(edm.GeneratorStatistics, Is.SameAs(validation));
        Assert.That(edm.PredictorStatistics, Is.SameAs(validation));
        Assert.That(edm.GeneratorTrain.Select(m => m.Id).Take(2), Is.EqualTo(new[] { "85797", "47354" }));
        var seeded = PropertyHalves.Split(mols.Take(1000).ToList());
        Assert.That(seeded.StatisticsFromValidation, Is.False);
        Assert.That(seeded.GeneratorStatistics, Is.SameAs(seeded.GeneratorTrain));
        Assert.That(seeded.PredictorStatistics, Is.SameAs(seeded.PredictorTrain));
    }
}
