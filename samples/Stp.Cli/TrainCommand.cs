using System.CommandLine;
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
        var dataset = new Option<string>("--dataset") { Description = "qm9 or geom (default qm9)", DefaultValueFactory = _ => "qm9" };
        var data = new Option<string?>("--data") { Description = "Dataset file or folder: .xyz[.gz], .sdf, EDM .npz, GEOM .npy, QM9 .tar.bz2 or a folder of QM9 xyz files" };
        var download = new Option<bool>("--download") { Description = "Download QM9 from figshare into the output folder if --data is not given" };
        var prior = new Option<string>("--prior") { Description = "stp (Scaling the Prior), none (plain EDM) or normalize (the -N ablation)", DefaultValueFactory = _ => "stp" };
        var gamma = new Option<string>("--gamma") { Description = "gamma_N table: published (the paper's), data (computed from the training set, Z = mean scale at --gamma-reference atoms) or a JSON file from 'stp scale'", DefaultValueFactory = _ => "published" };
        var gammaReference = new Option<int?>("--gamma-reference") { Description = "With --gamma data: the size N normalised to gamma_N = 1 (default 29 for qm9, 94 for geom, as in the published tables); sizes beyond the data come from the power-law fit" };
        var backbone = new Option<string>("--backbone") { Description = "edm (EGNN on EDM's features) geoldm (GeoLDM: equivariant autoencoder, encoder frozen at its seeded init, latent EGNN) or radm (RADM: learned rotation, frozen encoder, GNN decoder, latent DiT); StP acts on the latent coordinates", DefaultValueFactory = _ => "edm" };
        var latent = new Option<int?>("--latent-nf") { Description = "GeoLDM latent channels per atom (default 1 for qm9, 2 for geom)" };
        var stage = new Option<string?>("--stage") { Description = "RADM: autoencoder (stage 1) or diffusion (stage 2); default: both, each with half of --steps/--epochs/--time-budget" };
        var ditSize = new Option<string?>("--dit-size") { Description = "RADM: the latent DiT, tiny (depth 2, hidden 64), small (DiT-S: 12, 384) or base (DiT-B: 12, 768, released); default small" };
        var autoencoder = new Option<string?>("--autoencoder") { Description = "RADM stage 2: the stage-1 model to freeze (default <out>/autoencoder/checkpoint.safetensors)" };
        var size = new Option<string>("--model-size") { Description = "tiny (nf 32, 2 layers), small (nf 64, 4), medium (nf 128, 6), or released (QM9: nf 256, 9; GEOM: nf 256, 4)", DefaultValueFactory = _ => "small" };
        var nf = new Option<int?>("--nf") { Description = "Hidden width (overrides --model-size)" };
        var layers = new Option<int?>("--layers") { Description = "EGNN layers (overrides --model-size)" };
        var batch = new Option<int>("--batch-size") { Description = "Molecules per step (default 64)", DefaultValueFactory = _ => 64 };
        var steps = new Option<long?>("--steps") { Description = "Stop after this many steps in total" };
        var epochs = new Option<double?>("--epochs") { Description = "Stop after this many epochs" };
        var budget = new Option<string?>("--time-budget") { Description = "Stop after this wall-clock time, e.g. 90m, 2h, 00:30:00" };
        var lr = new Option<double>("--lr") { Description = "Learning rate (default 1e-4, EDM)", DefaultValueFactory = _ => 1e-4 };
        var ema = new Option<double>("--ema") { Description = "EMA decay (default 0.9999; 0 = off)", DefaultValueFactory = _ => 0.9999 };
        var maxTrain = new Option<int?>("--max-molecules") { Description = "Use only the first N training molecules (after the split)" };
        var outDir = new Option<string>("--out") { Description = "Checkpoint folder (default runs/<dataset>-<prior>)" };
        var resume = new Option<bool>("--resume") { Description = "Continue from <out>/checkpoint.safetensors (same seed, exactly)" };
        var ckptEvery = new Option<int>("--checkpoint-every") { Description = "Save a checkpoint every N steps (default 200)", DefaultValueFactory = _ => 200 };
        var evalEvery = new Option<int>("--eval-every") { Description = "Sample and report molecule stability every N steps (default 2000; 0 = never)", DefaultValueFactory = _ => 2000 };
        var evalSamples = new Option<int>("--eval-samples") { Description = "Molecules sampled at each evaluation (default 200)", DefaultValueFactory = _ => 200 };
        var lowMemory = new Option<bool>("--low-memory") { Description = "Return freed native memory to the OS (lower peak memory, somewhat slower; Linux/glibc)" };
        var condition = new Option<string[]>("--condition") { Description = "Train a conditional model on these QM9 properties (e.g. alpha, or alpha,gap), in EDM's units, on the generator half of the conditional protocol", AllowMultipleArgumentsPerToken = true };
        var seed = Common.SeedOption(); var device = Common.DeviceOption(); var threads = Common.ThreadsOption();
        var cmd = new Command("train", "Train a diffusion model (EDM, GeoLDM or RADM backbone) with StP, the plain prior or the -N ablation; checkpoints can be resumed.")
        { dataset, data, download, prior, gamma, gammaReference, backbone, latent, stage, ditSize, autoencoder, size, nf, layers, batch, steps, epochs, budget, lr, ema, maxTrain, outDir, resume, ckptEvery, evalEvery, evalSamples, lowMemory, condition, seed, device, threads };
        cmd.SetAction(async (r, ct) =>
        {
            var ds = r.GetValue(dataset)!.ToLowerInvariant();
            if (r.GetValue(lowMemory) && !Stp.Runtime.NativeMemory.ServeLargeAllocationsWithMmap())
                Console.WriteLine("--low-memory is not available on this platform; ignored.");
            var priorKind = Common.ParsePrior(r.GetValue(prior)!);
            var folder = r.GetValue(outDir) ?? Path.Combine("runs", $"{ds}-{Common.PriorName(priorKind)}");
            Directory.CreateDirectory(folder);
            var dev = Common.ResolveDevice(r.GetValue(device)!, r.GetValue(threads));
            var dataPath = r.GetValue(data) ?? (r.GetValue(download) && ds == "qm9"
                ? await Datasets.DownloadQm9Async(Path.Combine(folder, "data"), ct)
                : throw new UsageException("--data is required (or --download for QM9)."));
            var features = ds switch { "qm9" => AtomFeatures.Qm9, "geom" => AtomFeatures.GeomDrugs, _ => throw new UsageException($"--dataset: unknown dataset '{ds}' (qm9, geom).") };

            Console.WriteLine($"Loading {dataPath} ...");
            var all = Datasets.Load(dataPath);
            var conditionNames = Conditioning.Names(r.GetValue(condition));
            if (conditionNames is not null) all = Conditioning.Prepare(all, conditionNames, dataPath, ds);
            var halves = conditionNames is null ? null : Conditioning.Halves(all, dataPath, conditionNames, PropertyHalves.DefaultSeed);
            var (train, valid, test) = halves is null ? Datasets.Split(all, ds, dataPath)
                : (halves.GeneratorTrain.ToList(), halves.GeneratorValidation.ToList(), halves.PredictorTrain.Concat(halves.PredictorValidation).ToList());
            var bad = train.Where(m => m.AtomicNumbers.Any(z => features.Vocabulary.IndexOf(z) < 0)).ToList();
            if (bad.Count > 0) { Console.WriteLine($"Skipping {bad.Count} molecules with elements outside the {ds} vocabulary."); train = train.Except(bad).ToList(); }
            if (r.GetValue(maxTrain) is int mt) train = train.Take(mt).ToList();
            Console.WriteLine($"{all.Count} molecules: train {train.Count}, validation {valid.Count}, held-out test {test.Count}");

            var backboneName = r.GetValue(backbone)!.ToLowerInvariant();
            if (backboneName == "radm")
            {
                if (conditionNames is not null) throw new UsageException("--condition is not available for --backbone radm yet.");
                return RadmTraining.Run(new RadmTrainRequest(ds, features, train, dataPath, folder, dev, r.GetValue(stage), r.GetValue(ditSize),
                    r.GetValue(size)!, r.GetValue(nf), r.GetValue(layers), priorKind, () => ResolveGamma(r.GetValue(gamma)!, ds, train, r.GetValue(gammaReference)),
                    r.GetValue(batch), r.GetValue(steps), r.GetValue(epochs), r.GetValue(budget) is string tbr ? ParseDuration(tbr) : null, r.GetValue(lr), r.GetValue(ema),
                    r.GetValue(resume), r.GetValue(autoencoder), r.GetValue(ckptEvery), r.GetValue(evalEvery), r.GetValue(evalSamples), r.GetValue(seed)), ct);
            }
            if (r.GetValue(stage) is not null || r.GetValue(ditSize) is not null || r.GetValue(autoencoder) is not null)
                throw new UsageException("--stage, --dit-size and --autoencoder apply only to --backbone radm.");
            var ckptPath = Path.Combine(folder, "checkpoint.safetensors");
            bool resuming = r.GetValue(resume) && File.Exists(ckptPath);
            if (r.GetValue(resume) && !resuming) Console.WriteLine($"No checkpoint at {ckptPath}; starting a new run.");
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
                    "released" => ds == "qm9" ? EgnnOptions.Qm9 : EgnnOptions.Geom,
                    var s => throw new UsageException($"--model-size: unknown size '{s}' (tiny, small, medium, released)."),
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
                if (r.GetValue(latent) is not null && r.GetValue(backbone)!.ToLowerInvariant() != "geoldm") throw new UsageException("--latent-nf applies only to --backbone geoldm.");
                model = r.GetValue(backbone)!.ToLowerInvariant() switch
                {
                    "edm" => DiffusionModel.Create(new EgnnDenoiser(egnn, dev), priorKind, table, features),
                    "geoldm" => CreateGeoLdm(features, egnn, r.GetValue(latent) ?? (ds == "geom" ? 2 : 1), priorKind, table, runSeed, dev),
                    var other => throw new UsageException($"--backbone: unknown backbone '{other}' (edm, geoldm, radm)."),
                };
                model.SizeDistribution = SizeDistribution.FromMolecules(train);
                if (conditionNames is not null) Conditioning.Attach(model, conditionNames, train);
            }
            Console.WriteLine($"Model: {Models.Summary(model)}; device {dev}");
            var options = new TrainerOptions { BatchSize = r.GetValue(batch), LearningRate = r.GetValue(lr), EmaDecay = r.GetValue(ema), Seed = runSeed };
            using var trainer = new DiffusionTrainer(model, train, options, dev);
            var meta = new Dictionary<string, string> { ["data"] = Path.GetFullPath(dataPath), ["lr"] = options.LearningRate.ToString(CultureInfo.InvariantCulture) };
            if (resuming) trainer.LoadCheckpoint(ckptPath);

            long? maxSteps = r.GetValue(steps);
            if (r.GetValue(epochs) is double ep) maxSteps = Math.Min(maxSteps ?? long.MaxValue, (long)Math.Ceiling(ep * trainer.StepsPerEpoch));
            var timeBudget = r.GetValue(budget) is string b ? ParseDuration(b) : (TimeSpan?)null;
            if (maxSteps is null && timeBudget is null) throw new UsageException("Give --steps, --epochs or --time-budget.");

            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); Console.WriteLine("\nStopping after this step; saving a checkpoint ..."); };
            Console.CancelKeyPress += onCancel;
            var log = Path.Combine(folder, "train_log.csv");
            if (!File.Exists(log)) File.WriteAllText(log, "step,epoch,loss,grad_norm,clipped,step_seconds\n");
            var evalLog = Path.Combine(folder, "eval_log.csv");
            if (!File.Exists(evalLog)) File.WriteAllText(evalLog, "step,molecules,atom_stability,molecule_stability,validity,valid_unique,single_fragment\n");
            var evaluator = ds == "qm9" ? MetricsEvaluator.ForQm9() : MetricsEvaluator.ForGeomDrugs();
            var progress = new ProgressLine();
            var sw = Stopwatch.StartNew();
            long startStep = trainer.Step;
            double avg = double.NaN;
            var logLines = new List<string>();
            try
            {
                while (!cts.IsCancellationRequested)
                {
                    if (maxSteps is long ms && trainer.Step >= ms) break;
                    if (timeBudget is TimeSpan tb && sw.Elapsed >= tb) break;
                    var p = trainer.TrainStep();
                    avg = double.IsNaN(avg) ? p.Loss : 0.98 * avg + 0.02 * p.Loss;
                    logLines.Add(string.Create(CultureInfo.InvariantCulture, $"{p.Step},{p.Epoch},{p.Loss:G6},{p.GradNorm:G6},{(p.Clipped ? 1 : 0)},{p.StepSeconds:F4}"));
                    double rate = (trainer.Step - startStep) / sw.Elapsed.TotalSeconds;
                    TimeSpan? eta = maxSteps is long m2 ? TimeSpan.FromSeconds((m2 - trainer.Step) / Math.Max(rate, 1e-9)) : timeBudget - sw.Elapsed;
                    progress.Update($"step {trainer.Step}{(maxSteps is long m3 ? "/" + m3 : "")} epoch {p.Epoch} loss {p.Loss:F4} (avg {avg:F4}) {rate:F2} steps/s ETA {ProgressLine.Eta(eta ?? TimeSpan.Zero)}");
                    if (trainer.Step % r.GetValue(ckptEvery) == 0) Save();
                    int ee = r.GetValue(evalEvery);
                    if (ee > 0 && trainer.Step % ee == 0) Evaluate();
                }
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
                Save();
                progress.Done();
            }
            Console.WriteLine($"Saved {ckptPath} at step {trainer.Step} ({sw.Elapsed.TotalMinutes:F1} min this session).");
            return cts.IsCancellationRequested && !ct.IsCancellationRequested ? 130 : 0;

            void Save()
            {
                trainer.SaveCheckpoint(ckptPath, meta);
                File.AppendAllLines(log, logLines);
                logLines.Clear();
            }

            void Evaluate()
            {
                var sizes = model.SizeDistribution!.Sample(r.GetValue(evalSamples), seed: trainer.Step);
                IReadOnlyList<Molecule> mols;
                using (trainer.UseEmaWeights())
                    mols = new DiffusionSampler(model).Sample(SamplingPlan.Efficient(sizes, 100, contexts: Conditioning.Contexts(model, sizes, null, trainer.Step)), seed: trainer.Step, device: dev);
                var res = evaluator.Evaluate(mols);
                double single = res.Molecules.Count(m => m.FragmentCount == 1) / (double)res.Molecules.Count;
                File.AppendAllText(evalLog, string.Create(CultureInfo.InvariantCulture,
                    $"{trainer.Step},{mols.Count},{res.AtomStability:F4},{res.MoleculeStability:F4},{res.Validity:F4},{res.ValidAndUnique:F4},{single:F4}\n"));
                progress.Done();
                Console.WriteLine($"[eval step {trainer.Step}] {mols.Count} samples: atom stability {res.AtomStability:P1}, molecule stability {res.MoleculeStability:P1}, validity {res.Validity:P1}, single fragment {single:P1}");
            }
        });
        return cmd;
    }

    /// <summary>A GeoLDM model (nf and layers as for EDM); the run's seed seeds its initialisation, so the frozen encoder is reproducible.</summary>
    private static DiffusionModel CreateGeoLdm(AtomFeatures features, EgnnOptions egnn, int latentNf, PriorKind prior, PriorScaleTable? table, long seed, torch.Device device)
    {
        if (latentNf < 1) throw new UsageException($"--latent-nf must be at least 1 (got {latentNf}).");
        torch.manual_seed(seed);
        return GeoLdmModel.Create(new GeoLdmOptions { Features = features, LatentFeatures = latentNf, Egnn = egnn }, prior, table, device: device);
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
        var mode = gamma.ToLowerInvariant();
        if (referenceSize is not null && mode != "data") throw new UsageException("--gamma-reference applies only to --gamma data.");
        switch (mode)
        {
            case "published":
                return dataset == "qm9" ? PriorScaleTable.PublishedQm9 : PriorScaleTable.PublishedGeomDrugs;
            case "data":
                int reference = referenceSize ?? DefaultGammaReference(dataset);
                if (reference < 1) throw new UsageException($"--gamma-reference must be at least 1 (got {reference}).");
                int maxN = Math.Max(train.Max(m => m.AtomCount), reference);
                return PriorScaleTable.FromMolecules(train, PriorScaleOptions.AtReferenceSize(reference) with { MaxAtoms = maxN }, dataset);
            default:
                if (!File.Exists(gamma)) throw new UsageException($"--gamma: '{gamma}' is neither 'published', 'data' nor an existing JSON file.");
                return PriorScaleTable.Load(gamma);
        }
    }

    internal static TimeSpan ParseDuration(string s)
    {
        s = s.Trim().ToLowerInvariant();
        if (TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var ts) && s.Contains(':')) return ts;
        double v = double.Parse(s.TrimEnd('s', 'm', 'h'), CultureInfo.InvariantCulture);
        return s.EndsWith('h') ? TimeSpan.FromHours(v) : s.EndsWith('m') ? TimeSpan.FromMinutes(v) : TimeSpan.FromSeconds(v);
    }
}
