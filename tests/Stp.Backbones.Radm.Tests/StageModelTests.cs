using NUnit.Framework;
using Stp.Data;
using Stp.Diffusion;
using Stp.Objectives;
using Stp.Prior;
using Stp.Testing;
using Stp.Training;
using static TorchSharp.torch;

namespace Stp.Backbones.Radm.Tests;

/// <summary>The two RADM stages as models: what trains, model files of both stages, stage 1 to stage 2, resuming.</summary>
public class StageModelTests
{
    internal static DiffusionModel Stage1(long seed = 0) =>
        RadmModel.CreateAutoencoderStage(AtomFeatures.Qm9, CodecTests.Tiny, DitOptions.Tiny(), seed: seed);

    private static long Trained(DiffusionModel model) => model.Parts.Sum(p => p.Module.parameters().Where(t => t.requires_grad).Sum(t => t.numel()));

    private static Dictionary<string, float[]> Weights(DiffusionModel model) => model.Parts
        .SelectMany(p => p.Module.named_parameters().Select(t => (p.Name + "." + t.name, t.parameter.detach().cpu().data<float>().ToArray())))
        .ToDictionary(t => t.Item1, t => t.Item2);

    [Test]
    public void Stage1TrainsAlignerAndDecoderAndStage2TrainsTheDitOnly()
    {
        using var stage1 = Stage1();
        var codec = (RadmCodec)stage1.Codec;
        var dit = (DitDenoiser)stage1.Denoiser;
        var (_, dec, align) = codec.ParameterCounts;
        Assert.That(stage1.Objective, Is.SameAs(AutoencoderObjective.Instance));
        Assert.That(stage1.Prior, Is.EqualTo(PriorKind.Unit));
        Assert.That(Trained(stage1), Is.EqualTo(dec + align));
        using var trainer = new DiffusionTrainer(stage1, Molecules.Set(5, 8, 6, 9), new TrainerOptions { BatchSize = 2, EmaDecay = 0, ClipGradients = false });
        var p = trainer.TrainStep();
        Assert.That(double.IsFinite(p.Loss) && p.Loss > 0);

        var stage2 = RadmModel.ToDiffusionStage(stage1, PriorKind.ScaledPrior, PriorScaleTable.PublishedQm9);
        using (stage2)
        {
            Assert.That(stage2.Objective, Is.SameAs(EpsilonObjective.Instance));
            Assert.That(stage2.Prior, Is.EqualTo(PriorKind.ScaledPrior));
            Assert.That(codec.Stage, Is.EqualTo(RadmStage.Diffusion));
            Assert.That(Trained(stage2), Is.EqualTo(dit.ParameterCount));
            // At initialisation the DiT predicts zero, so the loss is 0.5 |eps|^2 / ((3 + L) N_pad) of the drawn noise.
            using var batch = MoleculeBatch.Create(Molecules.Set(5, 7), AtomFeatures.Qm9);
            var loss = stage2.TrainingLoss(batch, seed: 1, step: 0);
            Assert.That(loss.Auxiliary, Is.Null, "no reconstruction loss in stage 2");
            var noise = stage2.Diffuse(codec.Encode(batch), loss.TimeSteps, stage2.CreateNoise(1), batch.Sizes, 0).Noise;
            var expected = 0.5 * (noise.X.square().sum([1, 2]) + noise.H.square().sum([1, 2])) / (4.0 * 7);
            Assert.That(Fixture.MaxAbs(loss.PerMolecule, expected), Is.LessThan(1e-6));
        }
    }

    [Test]
    public void AutoencoderObjectiveRejectsOtherCodecs()
    {
        using var dit = new DitDenoiser(DitOptions.Tiny(6));
        using var model = new DiffusionModel(dit, PolynomialSchedule.Edm, new Stp.Codecs.EdmFeatureCodec(AtomFeatures.Qm9), AutoencoderObjective.Instance);
        using var batch = MoleculeBatch.Create(Molecules.Set(4), AtomFeatures.Qm9);
        var e = Assert.Throws<InvalidOperationException>(() => model.TrainingLoss(batch, 0, 0));
        Assert.That(e!.Message, Does.Contain("RadmCodec"));
    }

    [Test]
    public void ModelFilesOfBothStagesLoadWithTheirStage()
    {
        using var tmp = new TempFolder();
        var data = Molecules.Set(5, 8, 6, 9);
        using (var stage1 = Stage1(seed: 3))
        {
            stage1.SizeDistribution = SizeDistribution.FromMolecules(data);
            stage1.Save(tmp.File("ae"));
            using var loaded = DiffusionModel.Load(tmp.File("ae"));
            Assert.That(RadmModel.IsAutoencoderStage(loaded), Is.True);
            Assert.That(((RadmCodec)loaded.Codec).Stage, Is.EqualTo(RadmStage.Autoencoder));
            Assert.That(((DitDenoiser)loaded.Denoiser).Trainable, Is.False);
            Assert.That(Trained(loaded), Is.EqualTo(Trained(stage1)));
            Assert.That(Weights(loaded), Is.EqualTo(Weights(stage1)));
        }
        using (var stage2 = RadmModel.ToDiffusionStage(DiffusionModel.Load(tmp.File("ae")), PriorKind.ScaledPrior, PriorScaleTable.PublishedQm9))
        {
            Assert.That(stage2.SizeDistribution!.MaxAtoms, Is.EqualTo(9));
            stage2.Save(tmp.File("ldm"));
            using var loaded = DiffusionModel.Load(tmp.File("ldm.safetensors"));
            Assert.That(loaded.Objective.Name, Is.EqualTo("epsilon"));
            Assert.That(loaded.Prior, Is.EqualTo(PriorKind.ScaledPrior));
            Assert.That(((RadmCodec)loaded.Codec).Stage, Is.EqualTo(RadmStage.Diffusion));
            Assert.That(Trained(loaded), Is.EqualTo(((DitDenoiser)loaded.Denoiser).ParameterCount));
            Assert.That(Weights(loaded), Is.EqualTo(Weights(stage2)));
        }
    }

    [TestCase(true)]
    [TestCase(false)]
    public void ResumedTrainingContinuesExactlyInBothStages(bool autoencoderStage)
    {
        var data = Molecules.Set(5, 8, 6, 9, 4, 7);
        DiffusionModel Model()
        {
            var m = Stage1(seed: 2);
            return autoencoderStage ? m : RadmModel.ToDiffusionStage(m, PriorKind.ScaledPrior, PriorScaleTable.PublishedQm9);
        }
        var options = autoencoderStage
            ? new TrainerOptions { BatchSize = 2, LearningRate = 1e-3, EmaDecay = 0, ClipGradients = false, Seed = 4, LearningRateSchedule = new CosineAnnealingSchedule(3, 1e-5, 3) }
            : new TrainerOptions { BatchSize = 2, LearningRate = 1e-3, EmaDecay = 0.9, Seed = 4 };
        using var tmp = new TempFolder();
        using var a = Model();
        using var ta = new DiffusionTrainer(a, data, options);
        var la = Enumerable.Range(0, 7).Select(_ => ta.TrainStep().Loss).ToArray();
        using var b = Model();
        List<double> lb;
        using (var tb = new DiffusionTrainer(b, data, options))
        {
            lb = Enumerable.Range(0, 4).Select(_ => tb.TrainStep().Loss).ToList();
            tb.SaveCheckpoint(tmp.File("ckpt"));
        }
        using var c = DiffusionModel.Load(tmp.File("ckpt"));
        using var tc = new DiffusionTrainer(c, data, options);
        tc.LoadCheckpoint(tmp.File("ckpt"));
        lb.AddRange(Enumerable.Range(0, 3).Select(_ => tc.TrainStep().Loss));
        Assert.That(lb, Is.EqualTo(la));
        var wa = Weights(a);
        foreach (var (k, v) in Weights(c)) Assert.That(v, Is.EqualTo(wa[k]), k);
    }
}
