using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using Stp.Chemistry;
using Stp.Codecs;
using Stp.Data;
using Stp.Diffusion;
using Stp.Prior;
using Stp.Sampling;

namespace Stp.Core.Tests;

public class CompositionTests
{
    private static readonly AtomFeatures Features = new(new AtomVocabulary("toy", new[] { 1, 6, 7 }), true);

    [Test]
    public void DependencyInjectionComposesStpAroundTheSchedule()
    {
        var services = new ServiceCollection()
            .AddSingleton<IDenoiser>(new TinyDenoiser(Features.Count, 1))
            .AddSingleton<IPriorScaler>(new FuncPriorScaler(n => n / 29.0))
            .AddStpDiffusion(o => { o.Features = Features; o.Schedule = new PolynomialSchedule(100); });
        using var sp = services.BuildServiceProvider();
        var model = sp.GetRequiredService<DiffusionModel>();
        Assert.That(model.Schedule, Is.InstanceOf<ScaledPriorSchedule>());
        Assert.That(model.PriorScale.PriorScale(29), Is.EqualTo(1.0));
        Assert.That(model.Schedule.Timesteps, Is.EqualTo(100));
        Assert.That(model.Codec, Is.InstanceOf<EdmFeatureCodec>());
        Assert.That(sp.GetRequiredService<DiffusionSampler>().Model, Is.SameAs(model));

        var unit = new ServiceCollection().AddSingleton<IDenoiser>(new TinyDenoiser(Features.Count, 1))
            .AddStpDiffusion(o => { o.Prior = PriorKind.Unit; o.Features = Features; })
            .BuildServiceProvider().GetRequiredService<DiffusionModel>();
        Assert.That(unit.Schedule, Is.SameAs(PolynomialSchedule.Edm));
        Assert.That(unit.Prior, Is.EqualTo(PriorKind.Unit));

        var codec = new IdentityCodec(Features);
        var custom = new ServiceCollection().AddSingleton<IDenoiser>(new TinyDenoiser(Features.Count, 1)).AddSingleton<IMoleculeCodec>(codec)
            .AddStpDiffusion(o => o.Prior = PriorKind.Unit).BuildServiceProvider().GetRequiredService<DiffusionModel>();
        Assert.That(custom.Codec, Is.SameAs(codec), "a registered codec replaces EDM's");

        var missing = new ServiceCollection().AddStpDiffusion().BuildServiceProvider();
        Assert.That(() => missing.GetRequiredService<DiffusionModel>(), Throws.InvalidOperationException.With.Message.Contains("IDenoiser"));
    }

    [Test]
    public void CreateComposesEachPrior()
    {
        var scaler = new FuncPriorScaler(n => 0.5);
        var den = new TinyDenoiser(Features.Count, 1);
        var stp = DiffusionModel.Create(den, PriorKind.ScaledPrior, scaler, Features);
        Assert.That(stp.PriorScale.PriorScale(5), Is.EqualTo(0.5));
        Assert.That(stp.Prior, Is.EqualTo(PriorKind.ScaledPrior));
        var n = DiffusionModel.Create(den, PriorKind.NormalizedCoordinates, scaler, Features);
        Assert.That(n.Codec, Is.InstanceOf<NormalizedCoordinatesCodec>());
        Assert.That(n.PriorScale.PriorScale(5), Is.EqualTo(1.0), "-N keeps unit noise");
        Assert.That(n.Prior, Is.EqualTo(PriorKind.NormalizedCoordinates));
        Assert.That(() => DiffusionModel.Create(den, PriorKind.ScaledPrior, null, Features), Throws.ArgumentNullException);
        Assert.That(() => new DiffusionModel(den, new ScaledPriorSchedule(PolynomialSchedule.Edm, scaler), new NormalizedCoordinatesCodec(new EdmFeatureCodec(Features), scaler)),
            Throws.ArgumentException.With.Message.Contains("both"));
        Assert.That(() => DiffusionModel.Create(new TinyDenoiser(7, 1), PriorKind.Unit, null, Features), Throws.ArgumentException.With.Message.Contains("feature channels"));
    }

    [Test]
    public void SdfRoundTripsAtomsBondsAndProperties()
    {
        var m = new Molecule(new[] { 6, 8, 1 }, new[] { 0, 0, 0, 1.2, 0, 0, -0.5, 0.9, 0 }, new Dictionary<string, string> { ["id"] = "x1" });
        var path = Path.Combine(Path.GetTempPath(), $"stp-{Guid.NewGuid():N}.sdf");
        try
        {
            SdfFile.Write(path, new[] { (m, (IReadOnlyList<(int, int, int)>)new[] { (0, 1, 2), (0, 2, 1) }) });
            var back = SdfFile.Read(path).Single();
            Assert.That(back.Molecule.AtomicNumbers, Is.EqualTo(m.AtomicNumbers));
            Assert.That(back.Molecule.Positions[3], Is.EqualTo(1.2).Within(1e-4));
            Assert.That(back.Bonds, Is.EqualTo(new[] { (0, 1, 2), (0, 2, 1) }));
            Assert.That(back.Molecule.Properties["id"], Is.EqualTo("x1"));
            Assert.That(File.ReadLines(path).First(), Is.EqualTo("x1 N=3 CHO"), "the title names the molecule and its size (formula in Hill order)");
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void SdfIsNeverWrittenEmpty()
    {
        var path = Path.Combine(Path.GetTempPath(), $"stp-{Guid.NewGuid():N}.sdf");
        var e = Assert.Throws<InvalidOperationException>(() => SdfFile.Write(path, Array.Empty<(Molecule, IReadOnlyList<(int, int, int)>)>()))!;
        Assert.That(e.Message, Does.Contain(path));
        Assert.That(File.Exists(path), Is.False);
    }

    [Test]
    public void ParsesOriginalQm9RecordsWithMathematicaExponents()
    {
        var text = "5\ngdb 1\t157.7118\t157.70997\t157.70699\t0.\t13.21\t-0.3877\t0.1171\t0.5048\t35.3641\t0.044749\t-40.47893\t-40.476062\t-40.475117\t-40.498597\t6.469\t\n" +
                   "C\t-0.0126981359\t 1.0858041578\t 0.0080009958\t-0.535689\n" +
                   "H\t 0.002150416\t-0.0060313176\t 0.0019761204\t 0.133921\n" +
                   "H\t 1.0117308433\t 1.4637511618\t 0.0002765748\t 0.133922\n" +
                   "H\t-0.540815069\t 1.4475266138\t-0.8766437152\t 0.133923\n" +
                   "H\t-0.5238136345\t 1.4379326443\t 0.9063972942\t 0.133923\n" +
                   "1341.307\t1341.3284\t1341.365\t1562.6731\t1562.7453\t3038.3205\t3151.6034\t3151.6788\t3151.7078\n" +
                   "C\tC\t\nInChI=1S/CH4/h1H4\tInChI=1S/CH4/h1H4\n";
        var m = MoleculeDatasets.ParseQm9Record(text.Replace("0.0019761204", "1.9761204*^-3"), "dsgdb9nsd_000001.xyz");
        Assert.That(m.Formula, Is.EqualTo("CH4"));
        Assert.That(m.Positions[5], Is.EqualTo(0.0019761204).Within(1e-12));
        Assert.That(m.Properties["homo"], Is.EqualTo("-0.3877"));
        Assert.That(m.Properties["smiles"], Is.EqualTo("C"));
    }

    [Test]
    public void SplitsQm9HoldingOutTheEdmTestSet()
    {
        var mols = Enumerable.Range(0, 100).Select(i => new Molecule(new[] { 6 }, new double[3],
            new Dictionary<string, string> { ["id"] = i.ToString(), ["split"] = i % 10 == 0 ? "edm_test" : "" })).ToList();
        var (train, valid, test) = MoleculeDatasets.SplitQm9(mols, seed: 1, validationFraction: 0.2);
        Assert.That(test.Select(m => m.Id), Is.EquivalentTo(Enumerable.Range(0, 10).Select(i => (10 * i).ToString())));
        Assert.That(valid, Has.Count.EqualTo(18));
        Assert.That(train, Has.Count.EqualTo(72));
        Assert.That(train.Concat(valid).Select(m => m.Id).Distinct().Count(), Is.EqualTo(90));
        var (train2, _, _) = MoleculeDatasets.SplitQm9(mols, seed: 1, validationFraction: 0.2);
        Assert.That(train2.Select(m => m.Id), Is.EqualTo(train.Select(m => m.Id)), "deterministic");
    }
}
