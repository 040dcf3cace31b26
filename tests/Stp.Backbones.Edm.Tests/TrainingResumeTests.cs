using NUnit.Framework;
using Stp.Backbones.Edm;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Prior;
using Stp.Testing;
using Stp.Training;

namespace Stp.Backbones.Edm.Tests;

public class TrainingResumeTests
{
    private static (DiffusionTrainer, EgnnDenoiser) Make(IReadOnlyList<Molecule> data, AtomFeatures features, IPriorScaler prior)
    {
        TorchSharp.torch.manual_seed(5);
        var den = new EgnnDenoiser(EgnnOptions.Small(features.Count, hiddenFeatures: 16, layers: 2));
        var model = DiffusionModel.Create(den, PriorKind.ScaledPrior, prior, features);
        return (new DiffusionTrainer(model, data, new TrainerOptions { BatchSize = 4, LearningRate = 1e-3, EmaDecay = 0.9, Seed = 11 }), den);
    }

    private static float[] Flat(EgnnDenoiser d) => d.Module.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    [Test]
    public void ResumedEgnnTrainingContinuesExactly()
    {
        var data = Enumerable.Range(0, 12).Select(i => new Molecule(
            Enumerable.Range(0, 3 + i % 5).Select(a => a % 3 == 0 ? 6 : 1).ToArray(),
            Enumerable.Range(0, 3 * (3 + i % 5)).Select(k => Math.Sin(k * 1.7 + i)).ToArray())).ToList();
        var (a, denA) = Make(data, AtomFeatures.Qm9, PriorScaleTable.PublishedQm9);
        var la = Enumerable.Range(0, 8).Select(_ => a.TrainStep().Loss).ToArray();
        var (b, _) = Make(data, AtomFeatures.Qm9, PriorScaleTable.PublishedQm9);
        var lb = Enumerable.Range(0, 5).Select(_ => b.TrainStep().Loss).ToList();
        var path = Path.Combine(Path.GetTempPath(), $"stp-egnn-{Guid.NewGuid():N}.stp");
        try
        {
            b.SaveCheckpoint(path);
            var (c, denC) = Make(data, AtomFeatures.Qm9, PriorScaleTable.PublishedQm9);
            c.LoadCheckpoint(path);
            lb.AddRange(Enumerable.Range(0, 3).Select(_ => c.TrainStep().Loss));
            Assert.That(lb, Is.EqualTo(la));
            Assert.That(Flat(denC), Is.EqualTo(Flat(denA)));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void TrainsOnGeomDrugsFormatData()
    {
        var geom = XyzFile.Read(SharedData.Data("geom-drugs/geom_drugs_sample.xyz.gz")).Take(16).ToList();
        var (t, _) = Make(geom, AtomFeatures.GeomDrugs, PriorScaleTable.PublishedGeomDrugs);
        var losses = Enumerable.Range(0, 4).Select(_ => t.TrainStep().Loss).ToArray();
        Assert.That(losses.All(double.IsFinite));
        Assert.That(t.Step, Is.EqualTo(4));
    }
}
