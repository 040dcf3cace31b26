using Stp.Data;
using System.Text;
using NUnit.Framework;
using SharpCompress.Common;
using SharpCompress.Writers;
using Stp.Chemistry;
using Stp.Testing;

namespace Stp.Cli.Tests;

/// <summary>The CLI's dataset additions: QM9's original tarball, the training split and --gamma-reference.</summary>
public class DatasetsTests
{
    private static void WriteTarBz2(string path, params (string Name, string Text)[] entries)
    {
        using var w = WriterFactory.OpenWriter(path, ArchiveType.Tar, WriterOptions.ForTar(CompressionType.BZip2));
        foreach (var (name, text) in entries) w.Write(name, new MemoryStream(Encoding.UTF8.GetBytes(text)), null);
    }

    [Test]
    public void LoadsQm9TarballRecordsInNameOrder()
    {
        using var dir = new TempFolder();
        var path = dir.File("dsgdb9nsd.xyz.tar.bz2");
        WriteTarBz2(path, ("dsgdb9nsd_000002.xyz", Qm9Text.Record(2, "F", 0.9)), ("README", "not a record"), ("dsgdb9nsd_000001.xyz", Qm9Text.Record(1, "O", 1.25)));
        var mols = Datasets.Load(path);
        Assert.That(mols.Select(m => m.Id), Is.EqualTo(new[] { "1", "2" }));
        Assert.That(mols.Select(m => m.Formula), Is.EqualTo(new[] { "HO", "FH" }));
        Assert.That(mols[0].Positions[0], Is.EqualTo(1.25));
        Assert.That(mols[0].Positions[3], Is.EqualTo(0.1), "Mathematica exponent 1.0*^-1");
        Assert.That(mols[1].Properties["smiles"], Is.EqualTo("[H]F"));
    }

    [Test]
    public void MalformedTarballsNameTheFileAndRecord()
    {
        using var dir = new TempFolder();
        var bad = dir.File("bad.tar.bz2");
        WriteTarBz2(bad, ("dsgdb9nsd_000001.xyz", Qm9Text.Record(1, "C", 0)), ("dsgdb9nsd_000007.xyz", Qm9Text.Record(7, "Qq", 0)));
        var e = Assert.Throws<Stp.Data.MoleculeFormatException>(() => Datasets.Load(bad))!;
        Assert.That(e.Message, Does.StartWith(bad + ":dsgdb9nsd_000007.xyz").And.Contain("Qq"));

        var empty = dir.File("empty.tar.bz2");
        WriteTarBz2(empty, ("notes.txt", "nothing here"));
        Assert.That(() => Datasets.Load(empty), Throws.InstanceOf<DataFileException>().With.Message.Contains(empty).And.Message.Contains("no .xyz records"));

        var junk = dir.File("junk.tar.bz2");
        File.WriteAllText(junk, "this is not an archive at all");
        Assert.That(() => Datasets.Load(junk), Throws.InstanceOf<DataFileException>().With.Message.Contains(junk).And.Message.Contains("not a readable QM9 tarball"));

        Assert.That(() => Datasets.Load(dir.File("missing.tar.bz2")), Throws.InstanceOf<FileNotFoundException>());
    }

    private static List<Molecule> Conformers(int m) =>
        Enumerable.Range(0, m).Select(i => new Molecule([6], [i, 0, 0], new Dictionary<string, string> { ["id"] = i.ToString() })).ToList();

    [Test]
    public void GeomTrainingSplitUsesEdmsPermutationBesideTheData()
    {
        using var dir = new TempFolder();
        var data = dir.File("geom_drugs_30.npy");
        var all = Conformers(20);
        var (train, valid, test) = Datasets.Split(all, "geom", data);
        Assert.That((train.Count, valid.Count, test.Count), Is.EqualTo((16, 2, 2)), "seeded permutation without the file");

        var perm = Enumerable.Range(0, 20).Reverse().ToArray();
        dir.Write("geom_permutation.npy", NpyBytes.Of("<i4", "(20,)", perm));
        (train, valid, test) = Datasets.Split(all, "geom", data);
        Assert.That(valid.Select(m => m.Id), Is.EqualTo(new[] { "19", "18" }));
        Assert.That(test.Select(m => m.Id), Is.EqualTo(new[] { "17", "16" }));
        Assert.That(train.Select(m => m.Id).First(), Is.EqualTo("15"));

        Assert.That(() => Datasets.Split(Conformers(21), "geom", data),
            Throws.InstanceOf<InvalidDataException>().With.Message.Contains("geom_permutation.npy").And.Message.Contains("20 entries, the dataset 21"));
    }

    private static List<Molecule> Chains(params int[] sizes) =>
        sizes.Select(n => new Molecule(Enumerable.Repeat(6, n).ToArray(), Enumerable.Range(0, n).SelectMany(i => new[] { 1.5 * i, 0.3 * (i % 2), 0.2 * (i % 3) }).ToArray())).ToList();

    [Test]
    public void GammaReferenceSetsTheSizeNormalisedToOne()
    {
        var train = Chains(4, 5, 6, 8, 8, 10);
        var at8 = TrainCommand.ResolveGamma("data", "qm9", train, referenceSize: 8).Gammas;
        Assert.That(at8, Has.Count.EqualTo(11));
        Assert.That(at8[8], Is.EqualTo(1.0).Within(1e-12));
        Assert.That(at8[4], Is.LessThan(at8[6]));
        Assert.That(at8[10], Is.GreaterThan(1.0));

        var qm9 = TrainCommand.ResolveGamma("data", "qm9", train).Gammas;
        Assert.That(qm9, Has.Count.EqualTo(30), "default reference 29 for qm9: the table extends to it");
        Assert.That(qm9[29], Is.EqualTo(1.0).Within(1e-12));
        Assert.That(qm9[10], Is.LessThan(1.0));
        Assert.That(qm9[8] / qm9[4], Is.EqualTo(at8[8] / at8[4]).Within(1e-12), "only Z changes");
        Assert.That(TrainCommand.ResolveGamma("data", "geom", train).Gammas, Has.Count.EqualTo(95));

        Assert.That(() => TrainCommand.ResolveGamma("published", "qm9", train, referenceSize: 8), Throws.InstanceOf<UsageException>());
        Assert.That(() => TrainCommand.ResolveGamma("data", "qm9", train, referenceSize: 0), Throws.InstanceOf<UsageException>());
        var parsed = TrainCommand.Create().Parse(["--gamma", "data", "--gamma-reference", "12"]);
        Assert.That(parsed.Errors, Is.Empty);
        Assert.That(parsed.GetValue<int?>("--gamma-reference"), Is.EqualTo(12));
    }
}
