using Stp.Objectives;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using Stp.Backbones.Edm;
using Stp.Backbones.GeoLdm;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Metrics;
using Stp.Prior;
using Stp.Sampling;
using Stp.Training;
using TorchSharp;

namespace Stp.Cli;

internal static class TrainCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset") { Description = "qm9 or geom (default qm9)", DefaultValueFactory = _ => "qm9" }.OneOf("dataset", "qm9", "geom");
        var data = new Option<string?>("--data") { Description = "Dataset file or folder: .xyz[.gz], .sdf, EDM .npz, GEOM .npy, QM9 .tar.bz2 or a folder of QM9 xyz files" };
        var download = new Option<bool>("--download") { Description = "Download QM9 from figshare into the output folder if --data is not given" };
        var prior = new Option<string>("--prior") { Description = "stp (Scaling the Prior), none (plain EDM) or normalize (the -N ablation)", DefaultValueFactory = _ => "stp" };
        var gamma = new Option<string>("--gamma") { Description = "gamma_N table: published (the paper's), data (computed from the training set, Z = mean scale at --gamma-reference atoms) or a JSON file from 'stp scale'", DefaultValueFactory = _ => "published" };
        var gammaReference = new Option<int?>("--gamma-reference") { Description = "With --gamma data: the size N normalised to gamma_N = 1 (default 29 for qm9, 94 for geom, as in the published tables); sizes beyond the data come from the power-law fit" }.InRange(1, 1000);
        var backbone = new Option<string>("--backbone") { Description = "edm (EGNN on EDM's features) geoldm (GeoLDM: equivariant autoencoder, encoder frozen at its seeded init, latent EGNN) or radm (RADM: learned rotation, frozen encoder, GNN decoder, latent DiT); StP acts on the latent coordinates", DefaultValueFactory = _ => "edm" }
            .OneOf("backbone", "edm", "geoldm", "radm");
        var latent = new Option<int?>("--latent-nf") { Description = "GeoLDM latent channels per atom (default 1 for qm9, 2 for geom)" }.InRange(1, 1024);
        var stage = new Option<string?>("--stage") { Description = "RADM: autoencoder (stage 1) or diffusion (stage 2); default: both, each with half of --steps/--epochs/--time-budget" }
            .OneOf("stage", "autoencoder", "diffusion");
        var ditSize = new Option<string?>("--dit-size") { Description = "RADM: the latent DiT, tiny (depth 2, hidden 64), small (DiT-S: 12, 384) or base (DiT-B: 12, 768, released); default small" }
            .OneOf("size", "tiny", "small", "s", "base", "b");
        var autoencoder = new Option<string?>("--autoencoder") { Description = "RADM stage 2: the stage-1 model to freeze (default <out>/autoencoder/checkpoint.safetensors)" };
        var size = new Option<string>("--model-size") { Description = "tiny (nf 32, 2 layers), small (nf 64, 4), medium (nf 128, 6), or released (QM9: nf 256, 9; GEOM: nf 256, 4)", DefaultValueFactory = _ => "small" }
            .OneOf("size", "tiny", "small", "medium", "released");
        var nf = new Option<int?>("--nf") { Description = "Hidden width (overrides --model-size)" }.InRange(1, 8192);
        var layers = new Option<int?>("--layers") { Description = "EGNN layers (overrides --model-size)" }.InRange(1, 256);
        var batch = new Option<int>("--batch-size") { Description = "Molecules per step (default 64)", DefaultValueFactory = _ => 64 }.InRange(1, 100_000);
        var steps = new Option<long?>("--steps") { Description = "Stop after this many steps in total" }.InRange(1L);
        var epochs = new Option<double?>("--epochs") { Description = "Stop after this many epochs" }.Positive(1e9);
        var budget = new Option<string?>("--time-budget") { Description = "Stop after this wall-clock time, e.g. 90m, 2h, 00:30:00 (at most a year)" }.Duration();
        var lr = new Option<double?>("--lr") { Description = $"Learning rate (default {TrainingLoop.DefaultLearningRate}, EDM; on --resume the checkpoint's: giving --lr there changes it, recorded in run.log)" }.Positive(1);
        var ema = new Option<double>("--ema") { Description = "EMA decay (default 0.9999; 0 = off)", DefaultValueFactory = _ => 0.9999 }.Fraction();
        var maxTrain = new Option<int?>("--max-molecules") { Description = "Use only the first N training molecules (after the split)" }.InRange(1);
        var outDir = new Option<string>("--out") { Description = "Run folder (default runs/<dataset>-<prior>); one that holds a run needs --resume or --force" };
        var resume = new Option<bool>("--resume") { Description = $"Continue the run in --out from its checkpoint, exactly; the other options come from its {RunManifest.FileName} (a flag that contradicts the run is refused; --lr, the stop rule, the checkpoint and evaluation cadence, --device and --data's path may change, recorded in run.log)" };
        var force = new Option<bool>("--force") { Description = "Start a new run in an --out that holds one (its files move to <out>/replaced-<time>)" };
        var ckptEvery = new Option<int>("--checkpoint-every") { Description = "Save a checkpoint every N steps (default 200)", DefaultValueFactory = _ => 200 }.InRange(1);
        var evalEvery = new Option<int>("--eval-every") { Description = "Sample and report molecule stability every N steps (default 2000; 0 = never)", DefaultValueFactory = _ => 2000 }.InRange(0);
        var evalSamples = new Option<int>("--eval-samples") { Description = "Molecules sampled at each evaluation (default 200)", DefaultValueFactory = _ => 200 }.InRange(1, 1_000_000);
        var maxSkipped = new Option<int>("--max-skipped-steps") { Description = $"Steps with a non-finite loss or gradient skipped per session before training stops as diverged (default {new TrainerOptions().MaxSkippedSteps})", DefaultValueFactory = _ => new TrainerOptions().MaxSkippedSteps }.InRange(0);
        var lowMemory = new Option<bool>("--low-memory") { Description = "Return freed native memory to the OS (lower peak memory, somewhat slower; Linux/glibc)" };
        var objective = new Option<string>("--objective") { Description = "epsilon (diffusion, EDM's noise prediction; default) or flow (flow matching on the linear interpolant, velocity prediction; StP scales its prior the same way; EDM backbone)", DefaultValueFactory = _ => "epsilon" };
        var condition = new Option<string[]>("--condition") { Description = "Train a conditional model on these QM9 properties (e.g. alpha, or alpha,gap), in EDM's units, on the generator half of the conditional protocol", AllowMultipleArgumentsPerToken = true };
        var tensorBoard = new Option<bool>("--tensorboard") { Description = $"Write TensorBoard event files to <out>/{RunMetrics.TensorBoardFolder} (default true; --tensorboard false turns them off; {RunMetrics.JsonLines} is always written)", DefaultValueFactory = _ => true };
        var config = OptionLayers.ConfigOption("; a run's manifest.json reuses that run's options");
        var seed = Common.SeedOption(); var device = Common.DeviceOption(); var threads = Common.ThreadsOption();
        var cmd = new Command("train", "Train a diffusion model (EDM, GeoLDM or RADM backbone) with StP, the plain prior or the -N ablation; checkpoints can be resumed.")
        { dataset, data, download, prior, gamma, gammaReference, backbone, latent, stage, ditSize, autoencoder, size, nf, layers, batch, steps, epochs, budget, lr, ema, maxTrain, outDir, resume, force, ckptEvery, evalEvery, evalSamples, maxSkipped, lowMemory, objective, condition, tensorBoard, config, seed, device, threads };
        string FolderOf(ParseResult p) => p.GetValue(outDir) ?? Path.Combine("runs", $"{p.GetValue(dataset)!.ToLowerInvariant()}-{Common.PriorName(Common.ParsePrior(p.GetValue(prior)!))}");
        cmd.SetAction(async (r, ct) =>
        {
            // 1. Everything that can be checked without data: options (the command line over --config; on --resume, the
            //    run's manifest fills in the rest and refuses a conflicting value), their combinations, the run folder.
            (r, var request) = TrainSettings.Resolve(cmd, r, config, resume, FolderOf);
            var dev = Common.ResolveDevice(r.GetValue(device)!, r.GetValue(threads));
            var ds = r.GetValue(dataset)!.ToLowerInvariant();
            var priorKind = Common.ParsePrior(r.GetValue(prior)!);
            var folder = FolderOf(r);
            var backboneName = r.GetValue(backbone)!.ToLowerInvariant();
            ITrainingObjective trainingObjective = r.GetValue(objective)!.ToLowerInvariant() switch
            {
                "epsilon" => EpsilonObjective.Instance,
                "flow" => FlowMatchingObjective.Instance,
                var o => throw new UsageException($"--objective: unknown objective '{o}' (epsilon, flow)."),
            };
            if (trainingObjective is FlowMatchingObjective && backboneName != "edm")
                throw new UsageException($"--objective flow is available for --backbone edm (the EGNN); not yet for {backboneName}.");
            bool resumeRequested = r.GetValue(resume);
            if (resumeRequested && r.GetValue(force)) throw new UsageException("--resume and --force exclude each other: --resume continues the run in --out, --force replaces it.");
            if (backboneName != "radm" && (r.GetValue(stage) is not null || r.GetValue(ditSize) is not null || r.GetValue(autoencoder) is not null))
                throw new UsageException("--stage, --dit-size and --autoencoder apply only to --backbone radm.");
            if (r.GetValue(latent) is not null && backboneName != "geoldm") throw new UsageException("--latent-nf applies only to --backbone geoldm.");
            CheckGamma(r.GetValue(gamma)!, r.GetValue(gammaReference));
            if (r.GetValue(steps) is null && r.GetValue(epochs) is null && r.GetValue(budget) is null) throw new UsageException("Give --steps, --epochs or --time-budget.");
            var conditionNames = Conditioning.Names(r.GetValue(condition));
            OptionChecks.OutputFolder("--out", folder, RunFolder.Files);
            if (r.GetValue(data) is string given && !File.Exists(given) && !Directory.Exists(given)) throw new FileNotFoundException($"--data: {given} does not exist.", given);
            if (r.GetValue(data) is null && !(r.GetValue(download) && ds == "qm9")) throw new UsageException("--data is required (or --download for QM9).");
            var timeBudget = r.GetValue(budget) is string b ? OptionChecks.ParseDuration(b) : (TimeSpan?)null;
            bool resuming = backboneName == "radm"
                ? RadmTraining.ClaimFolders(folder, r.GetValue(stage), resumeRequested, r.GetValue(force))
                : RunFolder.Claim(folder, resumeRequested, r.GetValue(force));
            if (resumeRequested && !resuming && backboneName != "radm") Console.WriteLine($"No checkpoint in {folder}; starting a new run.");
            if (r.GetValue(lowMemory) && !Stp.Runtime.NativeMemory.ServeLargeAllocationsWithMmap())
                Console.WriteLine("--low-memory is not available on this platform; ignored.");

            // 2. The data.
            var dataPath = r.GetValue(data) ?? await Datasets.DownloadQm9Async(Path.Combine(folder, "data"), ct);
            var features = ds == "qm9" ? AtomFeatures.Qm9 : AtomFeatures.GeomDrugs;
            Console.WriteLine($"Loading {dataPath} ...");
            var all = Datasets.Load(dataPath);
            if (conditionNames is not null) all = Conditioning.Prepare(all, conditionNames, dataPath, ds);
            var halves = conditionNames is null ? null : Conditioning.Halves(all, dataPath, conditionNames, PropertyHalves.DefaultSeed);
            var (train, valid, test) = halves is null ? Datasets.Split(all, ds, dataPath)
                : (halves.GeneratorTrain.ToList(), halves.GeneratorValidation.ToList(), halves.PredictorTrain.Concat(halves.PredictorValidation).ToList());
            var bad = train.Where(m => m.AtomicNumbers.Any(z => features.Vocabulary.IndexOf(z) < 0)).ToList();
            if (bad.Count > 0) { Console.WriteLine($"Skipping {bad.Count} molecules with elements outside the {ds} vocabulary."); train = train.Except(bad).ToList(); }
            if (r.GetValue(maxTrain) is int mt) train = train.Take(mt).ToList();
            // The context's mean and MAD: EDM's validation split on EDM's data, else the training molecules.
            var contextStatistics = halves is { StatisticsFromValidation: true } ? valid : train;
            Console.WriteLine($"{all.Count} molecules: train {train.Count}, validation {valid.Count}, held-out test {test.Count}");
            request.Split["molecules"] = all.Count;
            request.Split["train"] = train.Count;
            request.Split["validation"] = valid.Count;
            request.Split["test"] = test.Count;

            if (backboneName == "radm")
            {
                return RadmTraining.Run(new RadmTrainRequest(ds, features, train, dataPath, folder, dev, r.GetValue(stage), r.GetValue(ditSize),
                    r.GetValue(size)!, r.GetValue(nf), r.GetValue(layers), priorKind, () => ResolveGamma(r.GetValue(gamma)!, ds, train, r.GetValue(gammaReference)),
                    r.GetValue(batch), r.GetValue(steps), r.GetValue(epochs), timeBudget, r.GetValue(lr), r.GetValue(ema),
                    resumeRequested, r.GetValue(autoencoder), r.GetValue(ckptEvery), r.GetValue(evalEvery), r.GetValue(evalSamples), r.GetValue(maxSkipped), r.GetValue(seed), conditionNames, request, r.GetValue(tensorBoard),
                    ContextStatistics: contextStatistics), ct);
            }

            // 3. The model: resumed or new (weight initialisation seeded by the run's seed).
            var ckptPath = Path.Combine(folder, RunFolder.Checkpoint);
            DiffusionModel model;
            long runSeed = r.GetValue(seed);
            if (resuming)
            {
                model = DiffusionModel.Load(ckptPath, dev);
                runSeed = TrainerCheckpoint.ReadInfo(ckptPath).Seed;
            }
            else
            {
                var baseOptions = r.GetValue(size)!.ToLowerInvariant() switch
                {
                    "tiny" => EgnnOptions.Small(features.Count, hiddenFeatures: 32, layers: 2),
                    "small" => EgnnOptions.Small(features.Count, hiddenFeatures: 64, layers: 4),
                    "medium" => EgnnOptions.Small(features.Count, hiddenFeatures: 128, layers: 6),
                    _ => ds == "qm9" ? EgnnOptions.Qm9 : EgnnOptions.Geom,
                };
                var egnn = baseOptions with
                {
                    HiddenFeatures = r.GetValue(nf) ?? baseOptions.HiddenFeatures,
                    Layers = r.GetValue(layers) ?? baseOptions.Layers,
                    FeatureCount = features.Count,
                    ContextCount = conditionNames?.Count ?? 0,
                };
                TorchSharp.torch.manual_seed(runSeed); // weight initialisation is part of the run: same seed, same run
                var table = priorKind == PriorKind.Unit ? null : ResolveGamma(r.GetValue(gamma)!, ds, train, r.GetValue(gammaReference));
                model = backboneName == "geoldm"
                    ? CreateGeoLdm(features, egnn, r.GetValue(latent) ?? (ds == "geom" ? 2 : 1), priorKind, table, runSeed, dev)
                    : DiffusionModel.Create(new EgnnDenoiser(egnn, dev), priorKind, table, features, objective: trainingObjective);
                model.SizeDistribution = SizeDistribution.FromMolecules(train);
                if (conditionNames is not null) Conditioning.Attach(model, conditionNames, train, contextStatistics);
            }
            using var owned = model;
            Console.WriteLine($"Model: {Models.Summary(model)}; device {dev}");
            double? resumedLr = resuming ? TrainerCheckpoint.ReadInfo(ckptPath).LearningRate : null;
            var options = new TrainerOptions
            {
                BatchSize = r.GetValue(batch), LearningRate = r.GetValue(lr) ?? resumedLr ?? TrainingLoop.DefaultLearningRate,
                EmaDecay = r.GetValue(ema), Seed = runSeed, MaxSkippedSteps = r.GetValue(maxSkipped),
            };
            request.Config["seed"] = runSeed; // a checkpoint's seed is the run's (an older run folder resumes with it)
            request.Config["lr"] = options.LearningRate;
            using var trainer = new DiffusionTrainer(model, train, options, dev);
            var meta = new Dictionary<string, string> { ["data"] = Path.GetFullPath(dataPath), ["lr"] = options.LearningRate.ToString(CultureInfo.InvariantCulture) };
            if (resuming) trainer.LoadCheckpoint(ckptPath);

            long? maxSteps = r.GetValue(steps);
            if (r.GetValue(epochs) is double ep) maxSteps = Math.Min(maxSteps ?? long.MaxValue, (long)Math.Ceiling(ep * trainer.StepsPerEpoch));
            return TrainingLoop.Run(trainer, new TrainingLoopOptions(folder, ckptPath, meta, maxSteps, timeBudget, r.GetValue(ckptEvery), r.GetValue(evalEvery),
                r.GetValue(evalSamples), ds, dev, resumedLr, request, r.GetValue(tensorBoard)), ct);
        });
        return cmd;
    }

    /// <summary>A GeoLDM model (nf and layers as for EDM); the run's seed seeds its initialisation, so the frozen encoder is reproducible.</summary>
    private static DiffusionModel CreateGeoLdm(AtomFeatures features, EgnnOptions egnn, int latentNf, PriorKind prior, PriorScaleTable? table, long seed, torch.Device device)
    {
        if (latentNf < 1) throw new UsageException($"--latent-nf must be at least 1 (got {latentNf}).");
        torch.manual_seed(seed);
        return GeoLdmModel.Create(new GeoLdmOptions { Features = features, LatentFeatures = latentNf, Egnn = egnn, ContextCount = egnn.ContextCount }, prior, table, device: device);
    }

    /// <summary>The size with gamma_N = 1 in the published tables: QM9 29, GEOM-Drugs 94.</summary>
    internal static int DefaultGammaReference(string dataset) => dataset == "geom" ? 94 : 29;

    /// <summary>
    /// The gamma_N table for --gamma: "published", "data" (from the training set, normalised at
    /// <paramref name="referenceSize"/> atoms, default <see cref="DefaultGammaReference"/>; when that exceeds the
    /// largest training molecule the table extends to it through the power-law fit) or a JSON file.
    /// </summary>
    internal static PriorScaleTable ResolveGamma(string gamma, string dataset, IReadOnlyList<Molecule> train, int? referenceSize = null)
    {
        CheckGamma(gamma, referenceSize);
        switch (gamma.ToLowerInvariant())
        {
            case "published":
                return dataset == "qm9" ? PriorScaleTable.PublishedQm9 : PriorScaleTable.PublishedGeomDrugs;
            case "data":
                int reference = referenceSize ?? DefaultGammaReference(dataset);
                int maxN = Math.Max(train.Max(m => m.AtomCount), reference);
                return PriorScaleTable.FromMolecules(train, PriorScaleOptions.AtReferenceSize(reference) with { MaxAtoms = maxN }, dataset);
            default:
                return PriorScaleTable.Load(gamma);
        }
    }

    /// <summary>Checks --gamma and --gamma-reference before any data is loaded.</summary>
    internal static void CheckGamma(string gamma, int? referenceSize)
    {
        var mode = gamma.ToLowerInvariant();
        if (referenceSize is not null && mode != "data") throw new UsageException("--gamma-reference applies only to --gamma data.");
        if (referenceSize is < 1) throw new UsageException($"--gamma-reference must be at least 1 (got {referenceSize}).");
        if (mode is not ("published" or "data") && !File.Exists(gamma))
            throw new UsageException($"--gamma: '{gamma}' is neither 'published', 'data' nor an existing JSON file.");
    }
}
