using NUnit.Framework;
using Stp.Chemistry;
using Stp.Metrics.Chemistry;
using Stp.Metrics.Reports;

namespace Stp.Metrics.Tests;

/// <summary>Metric summaries are counts and sets: those of disjoint parts merge into the whole's, and survive JSON.</summary>
public class MetricSummaryTests
{
    [Test]
    public void SummariesOfPartsMergeIntoTheWholeEvaluation()
    {
        var fx = FixtureSet.Load("qm9");
        var mols = fx.Molecules;
        var reference = NoveltyReference.FromMolecules(mols.Where(m => fx.Kinds[m.Id!] == "orig").Take(200).ToList(), AtomVocabulary.Qm9, BondRule.Qm9);
        var evaluator = new MetricsEvaluator(AtomVocabulary.Qm9, BondRule.Qm9, reference);
        var whole = evaluator.Evaluate(mols);
        // Three interleaved parts (every part has molecules of many sizes; SMILES repeat across parts).
        var parts = Enumerable.Range(0, 3).Select(k => evaluator.Evaluate(mols.Where((_, i) => i % 3 == k).ToList())).ToList();
        var merged = MetricSummary.Merge(parts.Select(MetricSummary.From).Select(s => MetricSummary.FromJson(s.ToJson(), "part")));
        Assert.That(merged.ToJson(), Is.EqualTo(MetricSummary.From(whole).ToJson()));
        var a = merged.ToReport(); var b = SizeReport.From(whole);
        Assert.That(a.ToCsv(), Is.EqualTo(b.ToCsv()));
        Assert.That(a.Overall.Novelty, Is.EqualTo(whole.Novelty));
        Assert.That(a.Overall.ValidAndUnique, Is.EqualTo(whole.ValidAndUnique));
        Assert.That(parts.Sum(p => p.UniqueCount), Is.GreaterThan(whole.UniqueCount), "SMILES shared between parts are counted once after the merge");
        // Without novelty in one part the merge drops novelty rather than reporting a partial figure.
        var plain = new MetricsEvaluator(AtomVocabulary.Qm9, BondRule.Qm9).Evaluate(mols.Take(10).ToList());
        Assert.That(MetricSummary.Merge(new[] { MetricSummary.From(parts[0]), MetricSummary.From(plain) }).HasNovelty, Is.False);
    }

    [Test]
    public void InconsistentSummariesAreRefused()
    {
        Assert.That(() => MetricSummary.FromJson("{", "x.json"), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("x.json"));
        const string bad = """{"by_size":[{"atom_count":5,"molecules":2,"atoms":10,"stable_atoms":11,"stable_molecules":0,"valid":0,"unique_smiles":[]}]}""";
        Assert.That(() => MetricSummary.FromJson(bad, "y.json"), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("N = 5"));
        Assert.That(() => MetricSummary.Merge(Array.Empty<MetricSummary>()), Throws.ArgumentException);
    }
}

/// <summary>Wilson's interval against values computed by hand from its formula.</summary>
public class BinomialIntervalTests
{
    [Test]
    public void WilsonMatchesHandComputedValues()
    {
        // 10 of 100 at z = 1.96: centre (0.1 + 0.019208) / 1.038416 = 0.114798, half 1.96 / 1.038416 * sqrt(0.0009 + 0.0000960) = 0.059569.
        var (lo, hi) = BinomialInterval.Wilson(10, 100);
        Assert.That(lo, Is.EqualTo(0.0552285).Within(1e-6));
        Assert.That(hi, Is.EqualTo(0.1743673).Within(1e-6));
        var (lo0, hi0) = BinomialInterval.Wilson(0, 50);
        Assert.That(lo0, Is.EqualTo(0));
        Assert.That(hi0, Is.EqualTo(3.8416 / 53.8416).Within(1e-9), "at 0 successes the upper bound is z^2 / (n + z^2)");
        Assert.That(() => BinomialInterval.Wilson(5, 4), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
