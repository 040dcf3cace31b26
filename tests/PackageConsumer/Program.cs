// A user's program on the Stp packages (public API only): load the shipped model and sample from it, compose an EGNN
// with StP, train a few steps on a tiny set, sample with the EMA weights, evaluate, save and load again.
// Usage: PackageConsumer --model <qm9-stp-small.safetensors> [--data <qm9.xyz.gz>] [--out <folder>]
//        PackageConsumer --expect-missing-runtime --model <...>   (run from an output folder without the native runtime)
// Exits 0 when every check holds; any failed check throws, and the process exits non-zero.
using Stp.Backbones.Edm;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Metrics;
using Stp.Metrics.Reports;
using Stp.Prior;
using Stp.Sampling;
using Stp.Training;

// Methane, ammonia and water (Angstrom), for when ../shared is not beside the clone.
const string InlineMolecules = """
    5
    methane
    C 0.0000 0.0000 0.0000
    H 0.6291 0.6291 0.6291
    H -0.6291 -0.6291 0.6291
    H -0.6291 0.6291 -0.6291
    H 0.6291 -0.6291 -0.6291
    4
    ammonia
    N 0.0000 0.0000 0.1162
    H 0.0000 0.9377 -0.2711
    H 0.8121 -0.4689 -0.2711
    H -0.8121 -0.4689 -0.2711
    3
    water
    O 0.0000 0.0000 0.1173
    H 0.0000 0.7572 -0.4692
    H 0.0000 -0.7572 -0.4692
    """;

var options = ParseArgs(args);
string modelPath = options.GetValueOrDefault("--model") ?? throw new ArgumentException("--model <path> is required");
if (options.ContainsKey("--expect-missing-runtime"))
    return ExpectMissingRuntime(modelPath);

string outDir = options.GetValueOrDefault("--out") ?? Path.Combine(Path.GetTempPath(), "stp-package-consumer");
Directory.CreateDirectory(outDir);
var evaluator = MetricsEvaluator.ForQm9();

// 1. The shipped model, through DiffusionModel.Load (its EGNN factory is found in the Stp.Backbones.Edm package).
using (var shipped = DiffusionModel.Load(modelPath))
{
    var sizes = shipped.SizeDistribution?.Sample(4, seed: 1) ?? throw new InvalidOperationException("The shipped model has no p(N).");
    var molecules = new DiffusionSampler(shipped, SamplerOptions.Ddim(10)).Sample(SamplingPlan.Efficient(sizes, 4), seed: 1);
    Check(molecules.Count == 4 && molecules.Select(m => m.AtomCount).Order().SequenceEqual(sizes.Order()), "shipped model: 4 molecules of the drawn sizes");
    Console.Write(evaluator.Evaluate(molecules).ToTable("shipped EDM-StP, DDIM 10"));
}

// 2. Compose an EGNN with StP and train a few steps on a tiny set.
string? dataPath = options.GetValueOrDefault("--data");
List<Molecule> train;
if (dataPath is not null && File.Exists(dataPath))
    train = XyzFile.Read(dataPath).Take(48).ToList();
else
{
    Console.WriteLine($"QM9 data not found ({dataPath ?? "no --data"}): training on three molecules written inline.");
    train = XyzFile.Parse(InlineMolecules);
}
using var model = DiffusionModel.Create(new EgnnDenoiser(EgnnOptions.Small(AtomFeatures.Qm9.Count, hiddenFeatures: 32, layers: 2)),
    PriorKind.ScaledPrior, PriorScaleTable.PublishedQm9, AtomFeatures.Qm9);
model.SizeDistribution = SizeDistribution.FromMolecules(train);
using var trainer = new DiffusionTrainer(model, train, new TrainerOptions { Seed = 1, BatchSize = 16, EmaDecay = 0.9 });
for (int i = 0; i < 4; i++)
{
    var p = trainer.TrainStep();
    Check(double.IsFinite(p.Loss) && !p.Skipped, $"training step {p.Step}: finite loss ({p.Loss:F3})");
    Console.WriteLine($"step {p.Step}: loss {p.Loss:F3}, grad norm {p.GradNorm:F2}");
}

// 3. Sample with the EMA weights, evaluate, save; the saved model samples the same molecules after loading.
var plan = SamplingPlan.Efficient(model.SizeDistribution.Sample(6, seed: 2), 3);
IReadOnlyList<Molecule> sampled;
string saved = Path.Combine(outDir, "consumer-model");
using (trainer.UseEmaWeights())
{
    sampled = new DiffusionSampler(model, SamplerOptions.Ddim(8)).Sample(plan, seed: 3);
    model.Save(saved);
}
var result = evaluator.Evaluate(sampled);
Check(result.Molecules.Count == 6, "6 sampled molecules evaluated");
var report = SizeReport.From(result);
report.WriteCsv(Path.Combine(outDir, "metrics_by_size.csv"));
XyzFile.Write(Path.Combine(outDir, "samples.xyz"), sampled);
Console.Write(result.ToTable("consumer EGNN-StP, 4 steps"));
using (var reloaded = DiffusionModel.Load(saved + ".safetensors"))
{
    var again = new DiffusionSampler(reloaded, SamplerOptions.Ddim(8)).Sample(plan, seed: 3);
    Check(again.Count == sampled.Count && again.Zip(sampled).All(z => z.First.AtomicNumbers.SequenceEqual(z.Second.AtomicNumbers)
        && z.First.Positions.Zip(z.Second.Positions).All(q => Math.Abs(q.First - q.Second) < 1e-4)), "the saved model samples the same molecules");
}
Console.WriteLine("package consumer: all checks passed");
return 0;

static int ExpectMissingRuntime(string modelPath)
{
    try
    {
        using var m = DiffusionModel.Load(modelPath);
        Console.Error.WriteLine("package consumer: expected the missing-native-runtime error, but the model loaded");
        return 1;
    }
    catch (InvalidOperationException e) when (e.Message.Contains("libtorch-cpu-linux-x64", StringComparison.Ordinal))
    {
        Console.WriteLine($"package consumer: the missing native runtime is reported: {e.Message}");
        return 0;
    }
}

static void Check(bool ok, string what)
{
    if (!ok) throw new InvalidOperationException($"package consumer check failed: {what}");
}

static Dictionary<string, string?> ParseArgs(string[] args)
{
    var d = new Dictionary<string, string?>();
    for (int i = 0; i < args.Length; i++)
        d[args[i]] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null;
    return d;
}
