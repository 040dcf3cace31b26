// Compose your own backbone with Scaling the Prior: train it briefly on QM9 (if ../shared/data is present) or on a
// few built-in molecules, sample with the EMA weights and the efficient plan, and evaluate with EDM's metrics.
using Stp.Data;
using Stp.Diffusion;
using Stp.Metrics;
using Stp.Prior;
using Stp.Sampling;
using Stp.Samples.CustomBackbone;
using Stp.Training;

var path = args.Length > 0 ? args[0] : "../shared/data/qm9/qm9.xyz.gz";
var train = File.Exists(path)
    ? XyzFile.Read(path).Where(m => !m.Properties.ContainsKey("split")).Take(2000).ToList()
    : XyzFile.Parse("5\nmethane\nC 0 0 0\nH 0.63 0.63 0.63\nH -0.63 -0.63 0.63\nH -0.63 0.63 -0.63\nH 0.63 -0.63 -0.63\n"
                  + "3\nwater\nO 0 0 0.1173\nH 0 0.7572 -0.4692\nH 0 -0.7572 -0.4692\n");

using var model = DiffusionModel.Create(new RadialDenoiser(AtomFeatures.Qm9.Count), PriorKind.ScaledPrior, PriorScaleTable.PublishedQm9, AtomFeatures.Qm9);
using var trainer = new DiffusionTrainer(model, train, new TrainerOptions { BatchSize = 32, LearningRate = 1e-3, EmaDecay = 0.99, Seed = 1 });
for (int i = 0; i < 200; i++)
{
    var p = trainer.TrainStep();
    if (p.Step % 50 == 0) Console.WriteLine($"step {p.Step}: loss {p.Loss:F4}");
}
var sizes = SizeDistribution.FromMolecules(train).Sample(20, seed: 1);
IReadOnlyList<Stp.Chemistry.Molecule> molecules;
using (trainer.UseEmaWeights())   // sample with the EMA weights, as EDM does; the live weights come back afterwards
    molecules = new DiffusionSampler(model).Sample(SamplingPlan.Efficient(sizes, 20), seed: 1);
Console.WriteLine(MetricsEvaluator.ForQm9().Evaluate(molecules).ToTable("radial toy backbone"));
