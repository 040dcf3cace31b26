using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Testing;

namespace Stp.Core.Tests;

/// <summary>EDM's GEOM-Drugs split rule: permute the conformers, validation = first int(0.1 M), test = next int(0.1 M), train = rest.</summary>
public class GeomSplitTests
{
    private static List<Molecule> Conformers(int m) =>
        Enumerable.Range(0, m).Select(i => new Molecule([6], [i, 0, 0], new Dictionary<string, string> { ["id"] = i.ToString() })).ToList();

    private static IEnumerable<string?> Ids(IEnumerable<Molecule> ms) => ms.Select(m => m.Id);

    [Test]
    public void GivenPermutationSplitsAsEdm()
    {
        var all = Conformers(25);
        var perm = Enumerable.Range(0, 25).Select(i => (i * 7 + 3) % 25).ToArray(); // 3, 10, 17, 24, 6, ...
        var (train, valid, test) = MoleculeDatasets.SplitGeom(all, perm);
        // int(0.1 * 25) = 2 for validation and 2 for test.
        Assert.That(Ids(valid), Is.EqualTo(new[] { "3", "10" }));
        Assert.That(Ids(test), Is.EqualTo(new[] { "17", "24" }));
        Assert.That(Ids(train), Is.EqualTo(perm.Skip(4).Select(i => i.ToString())));
    }

    [TestCase(9, 0, 0)]
    [TestCase(10, 1, 1)]
    [TestCase(30, 3, 3)]
    [TestCase(129, 12, 12)]
    public void SizesFollowIntOfTenPercent(int m, int nValid, int nTest)
    {
        var (train, valid, test) = MoleculeDatasets.SplitGeom(Conformers(m), seed: 3);
        Assert.That((valid.Count, test.Count, train.Count), Is.EqualTo((nValid, nTest, m - nValid - nTest)));
        Assert.That(Ids(train.Concat(valid).Concat(test)), Is.EquivalentTo(Ids(Conformers(m))), "every conformer exactly once");
    }

    [Test]
    public void SeededPermutationIsDeterministicAndDependsOnTheSeed()
    {
        var p = MoleculeDatasets.SeededPermutation(1000, seed: 5);
        Assert.That(p.Order(), Is.EqualTo(Enumerable.Range(0, 1000)));
        Assert.That(MoleculeDatasets.SeededPermutation(1000, seed: 5), Is.EqualTo(p));
        Assert.That(MoleculeDatasets.SeededPermutation(1000, seed: 6), Is.Not.EqualTo(p));
        Assert.That(p.Select((v, i) => v == i).Count(x => x), Is.LessThan(10), "not close to the identity");
        var all = Conformers(1000);
        var (_, valid, _) = MoleculeDatasets.SplitGeom(all, seed: 5);
        Assert.That(Ids(valid), Is.EqualTo(p.Take(100).Select(i => i.ToString())));
    }

    [Test]
    public void BadPermutationsAreRejected()
    {
        var all = Conformers(4);
        Assert.That(() => MoleculeDatasets.SplitGeom(all, [0, 1, 2]), Throws.ArgumentException.With.Message.Contains("3 entries, the dataset 4"));
        Assert.That(() => MoleculeDatasets.SplitGeom(all, [0, 1, 1, 3]), Throws.ArgumentException.With.Message.Contains("entry 2 repeats index 1"));
        Assert.That(() => MoleculeDatasets.SplitGeom(all, [0, 1, 4, 3]), Throws.ArgumentException.With.Message.Contains("entry 2 is 4, outside 0..3"));
        Assert.That(() => MoleculeDatasets.SplitGeom(all, [0, 1, 2, 3], 0.6, 0.6), Throws.ArgumentException);
    }

    [Test]
    public void ReadsEdmsPermutationFileBesideTheData()
    {
        using var dir = new TempFolder();
        var data = dir.File("geom_drugs_30.npy");
        Assert.That(MoleculeDatasets.LoadGeomPermutation(data), Is.Null, "no permutation file");
        dir.Write(MoleculeDatasets.GeomPermutationFileName, NpyBytes.Of("<i4", "(4,)", new[] { 2, 0, 3, 1 }));
        Assert.That(MoleculeDatasets.LoadGeomPermutation(data), Is.EqualTo(new[] { 2, 0, 3, 1 }));
        var bad = dir.Write(MoleculeDatasets.GeomPermutationFileName, NpyBytes.Of("<f8", "(2,)", new[] { 1.0, 0.0 }));
        Assert.That(() => MoleculeDatasets.LoadGeomPermutation(data), Throws.InstanceOf<DataFileException>().With.Message.Contains(bad).And.Message.Contains("1-D integer"));
        dir.Write(MoleculeDatasets.GeomPermutationFileName, NpyBytes.Of("<i8", "(2,)", new[] { 1L, -1L }));
        Assert.That(() => MoleculeDatasets.LoadGeomPermutation(data), Throws.InstanceOf<DataFileException>().With.Message.Contains("entry 1 is -1"));
    }
}
