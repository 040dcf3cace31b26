using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Stp.Chemistry;
using Stp.Data;
using Stp.Metrics.Properties;

namespace Stp.Cli;

/// <summary><c>stp train-predictor</c>: EDM's property predictor and its baselines on the predictor half of the conditional protocol.</summary>
internal static class TrainPredictorCommand
{
    public static Command Create()
    {
        var property = new Option<string>("--property") { Description = "QM9 property to predict (alpha, gap, homo, lumo, mu, Cv, ...)", Required = true };
        var data = new Option<string>("--data") { Description = "QM9 molecules with properties (e.g. ../shared/data/qm9/qm9_edm_test.xyz.gz, EDM's npz, QM9 records)", Required = true };
        var outDir = new Option<string>("--out") { Description = "Output folder (default runs/predictor-<property>)" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs, also the cosine period (default 1000, EDM)", DefaultValueFactory = _ => 1000 }.InRange(1, 1_000_000);
        var budget = new Option<string?>("--time-budget") { Description = "Stop the EGNN after the epoch that passes this wall-clock time (e.g. 30m)" }.Duration();
        var nf = new Option<int>("--nf") { Description = "Hidden width (default 128, EDM)", DefaultValueFactory = _ => 128 }.InRange(1, 8192);
        var layers = new Option<int>("--layers") { Description = "E_GCL_mask layers (default 7, EDM)", DefaultValueFactory = _ => 7 }.InRange(1, 256);
        var batch = new Option<int>("--batch-size") { Description = "Molecules per step (default 96, EDM)", DefaultValueFactory = _ => 96 }.InRange(1, 100_000);
        var lr = new Option<double>("--lr") { Description = "Adam learning rate (default 5e-4, EDM)", DefaultValueFactory = _ => 5e-4 }.InRange(1e-12, 1.0);
        var baselineEpochs = new Option<int>("--baseline-epochs") { Description = "Epochs of the numnodes and naive baselines (default 20; 0 = no baselines)", DefaultValueFactory = _ => 20 }.InRange(0, 1_000_000);
        var maxMolecules = new Option<int?>("--max-molecules") { Description = "Use at most this many training molecules of the predictor half (quick runs)" }.InRange(1);
        var seed = Common.SeedOption(); var device = Common.DeviceOption(); var threads = Common.ThreadsOption();
        var cmd = new Command("train-predictor", "Train EDM's property predictor (invariant EGNN) and the numnodes / naive baselines on the predictor half; records their MAE on the held-out generator half.")
        { property, data, outDir, epochs, budget, nf, layers, batch, lr, baselineEpochs, maxMolecules, seed, device, threads };
        cmd.SetAction((r, ct) =>
        {
            var name = Conditioning.Names(new[] { r.GetValue(property)! })!;
            if (name.Count != 1) throw new UsageException("--property takes one property.");
            var prop = name[0];
            var dev = Common.ResolveDevice(r.GetValue(device)!, r.GetValue(threads));
            var folder = r.GetValue(outDir) ?? Path.Combine("runs", $"predictor-{prop}");
            OptionChecks.OutputFolder("--out", folder, $"{prop}.safetensors", $"{prop}.train_log.csv");
            Directory.CreateDirectory(folder);
            var dataPath = r.GetValue(data)!;
            Console.WriteLine($"Loading {dataPath} ...");
            var mols = Conditioning.Prepare(Datasets.Load(dataPath), name, dataPath, "qm9");
            var halves = Conditioning.Halves(mols, dataPath, name, PropertyHalves.DefaultSeed);
            var train = halves.PredictorTrain.ToList();
            if (r.GetValue(maxMolecules) is int mm) train = train.Take(mm).ToList();
            var norm = ContextProperties.FromMolecules(name, halves.StatisticsFromValidation ? halves.PredictorValidation : train);
            long runSeed = r.GetValue(seed);
            var options = new PredictorTrainerOptions
            {
                Epochs = r.GetValue(epochs), BatchSize = r.GetValue(batch), LearningRate = r.GetValue(lr), Seed = runSeed,
                TimeBudget = r.GetValue(budget) is string b ? OptionChecks.ParseDuration(b) : null,
            };
            var sw = Stopwatch.StartNew();
            using var egnn = PropertyPredictor.Create(PredictorOptions.Edm with { HiddenFeatures = r.GetValue(nf), Layers = r.GetValue(layers) }, norm, runSeed, dev);
            Console.WriteLine($"Predictor: {egnn}; {train.Count} training, {halves.PredictorValidation.Count} validation molecules; device {dev}");
            var log = Path.Combine(folder, $"{prop}.train_log.csv");
            File.WriteAllText(log, "epoch,lr,train_l1,validation_mae,best,seconds\n");
            var history = Train(egnn, options, train, halves.PredictorValidation, log, ct);
            double seconds = sw.Elapsed.TotalSeconds;
            PropertyPredictor? numNodes = null, naive = null;
            try
            {
                if (r.GetValue(baselineEpochs) > 0)
                {
                    var bo = options with { Epochs = r.GetValue(baselineEpochs), TimeBudget = null };
                    numNodes = PropertyPredictor.Create(PredictorOptions.Baseline(PredictorKind.NumNodes), norm, runSeed, dev);
                    naive = PropertyPredictor.Create(PredictorOptions.Baseline(PredictorKind.Naive), norm, runSeed, dev);
                    new PredictorTrainer(numNodes, bo with { LearningRate = 5e-3 }).Train(train, halves.PredictorValidation, cancellationToken: ct);
                    new PredictorTrainer(naive, bo with { LearningRate = 5e-2 }).Train(train, halves.PredictorValidation, cancellationToken: ct);
                }
                var heldOut = HeldOutEvaluation.Evaluate(egnn, halves.GeneratorTrain, numNodes, naive, runSeed);
                egnn.HeldOut = heldOut;
                var best = history.Last(h => h.IsBest);
                egnn.Notes["data"] = Path.GetFullPath(dataPath);
                egnn.Notes["protocol"] = $"trained on {train.Count} molecules of the predictor half, selected on {halves.PredictorValidation.Count} validation molecules, held-out = the {halves.GeneratorTrain.Count} training molecules of the generator half";
                egnn.Notes["epochs"] = $"{history.Count} of {options.Epochs} (best {best.Epoch}, validation MAE {best.ValidationMae.ToString("G4", CultureInfo.InvariantCulture)})";
                egnn.Notes["seconds"] = seconds.ToString("F0", CultureInfo.InvariantCulture);
                var path = Path.Combine(folder, $"{prop}.safetensors");
                egnn.Save(path);
                numNodes?.Save(Path.Combine(folder, $"{prop}.numnodes.safetensors"));
                naive?.Save(Path.Combine(folder, $"{prop}.naive.safetensors"));
                Console.WriteLine($"Trained {history.Count} epochs in {seconds / 60:F1} min; best epoch {best.Epoch} (validation MAE {best.ValidationMae:G4}). Wrote {path}");
                Console.WriteLine($"Held-out MAE on {heldOut.Molecules} molecules of the generator half:");
                Console.WriteLine(ConditionalTable.ToMarkdown(new[] { new ConditionalRow(prop, heldOut.Molecules, heldOut.LowerBound, null, heldOut) }, "predictor"));
            }
            finally
            {
                numNodes?.Dispose();
                naive?.Dispose();
            }
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static IReadOnlyList<PredictorEpoch> Train(PropertyPredictor p, PredictorTrainerOptions options, IReadOnlyList<Molecule> train, IReadOnlyList<Molecule> valid, string log, CancellationToken ct)
    {
        using var progress = new ProgressLine("training the predictor", options.Epochs, "epochs");
        var history = new PredictorTrainer(p, options).Train(train, valid, new SyncProgress<PredictorEpoch>(e =>
        {
            File.AppendAllText(log, string.Create(CultureInfo.InvariantCulture, $"{e.Epoch},{e.LearningRate:G6},{e.TrainLoss:G6},{e.ValidationMae:G6},{(e.IsBest ? 1 : 0)},{e.Seconds:F2}\n"));
            progress.Report(e.Epoch + 1, string.Create(CultureInfo.InvariantCulture, $"L1 {e.TrainLoss:F4}, validation MAE {e.ValidationMae:G4}{(e.IsBest ? " (best)" : "")}, {e.Seconds:F1} s/epoch"));
        }), ct);
        progress.Done();
        return history;
    }
}
