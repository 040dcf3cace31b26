using System.CommandLine;
using Stp.Chemistry;
using Stp.Data;
using Stp.Metrics;
using Stp.Metrics.Reports;

namespace Stp.Cli;

internal static class EvaluateCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("samples") { Description = "Sample file (.xyz[.gz] or .sdf)" };
        var dataset = new Option<string>("--dataset") { Description = "qm9 or geom: selects the bond rules (default qm9)", DefaultValueFactory = _ => "qm9" };
        var novelty = new Option<string?>("--novelty-data") { Description = "Training dataset for novelty (its canonical SMILES are cached next to the output)" };
        var outDir = new Option<string>("--out") { Description = "Output folder for the per-size report (default: next to the samples)" };
        var conditional = new Option<bool>("--conditional") { Description = "Also the property MAE of conditionally generated samples (needs --property-model)" };
        var propertyModel = new Option<string[]>("--property-model") { Description = "Property predictor(s) from 'stp train-predictor' for --conditional", AllowMultipleArgumentsPerToken = true };
        var structure = new Option<string?>("--structure-data") { Description = "Reference dataset for bond-length and bond-angle Jensen-Shannon divergences (QM9: its training split); writes structure.csv" };
        var structureCount = new Option<int>("--structure-molecules") { Description = "Reference molecules for --structure-data (default 10000)", DefaultValueFactory = _ => 10000 };
        var label = new Option<string?>("--label") { Description = "Name of the model, shown in the table and in the plot's title (default: the samples' folder and file name)" };
        var device = Common.DeviceOption();
        var config = OptionLayers.ConfigOption();
        var cmd = new Command("evaluate", "Stability, validity, uniqueness (and novelty) of a sample file, overall and per molecule size, with a plot; with --conditional, the property MAE table.")
        { input, dataset, novelty, outDir, conditional, propertyModel, structure, structureCount, label, config, device };
        cmd.SetAction(r =>
        {
            r = OptionLayers.WithConfigFile(cmd, r, config).Parse;
            var path = r.GetValue(input)!;
            var dev = Common.ResolveDevice(r.GetValue(device)!, 0);
            var ds = r.GetValue(dataset)!.ToLowerInvariant();
            var folder = r.GetValue(outDir) ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
            OptionChecks.OutputFolder("--out", folder, "metrics_by_size.csv", "metrics_by_size.json", "metrics_by_size.png");
            var predictors = r.GetValue(propertyModel) ?? Array.Empty<string>();
            if (r.GetValue(conditional) != predictors.Length > 0) throw new UsageException("--conditional and --property-model go together.");
            if (r.GetValue(structureCount) < 1) throw new UsageException("--structure-molecules must be at least 1.");
            if (r.GetValue(structure) is string sd && !File.Exists(sd) && !Directory.Exists(sd)) throw new UsageException($"--structure-data: {sd} not found.");
            var name = r.GetValue(label) ?? DefaultLabel(path);
            var samples = ReadSamples(path, out var errors);
            var result = Run(path, samples, errors, ds, r.GetValue(novelty), folder, name);
            Console.WriteLine(result.ToTable(name));
            Console.WriteLine($"Per-size report: {Path.Combine(folder, "metrics_by_size.csv")}, .json and .png");
            if (r.GetValue(structure) is string structureData)
                Console.WriteLine(Structure(samples, ds, structureData, r.GetValue(structureCount), folder));
            if (predictors.Length > 0)
            {
                if (errors.Count > 0) throw new InvalidDataException($"{path}: {errors.Count} malformed record(s); the property MAE needs every molecule of a conditional run (first: {errors[0].Message}).");
                Console.WriteLine(ConditionalEvaluation.Run(samples, path, predictors, dev, folder));
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>The samples' folder and file name ("run-stp/samples.xyz"), which names the model for files written by stp sample.</summary>
    internal static string DefaultLabel(string path)
    {
        var full = Path.GetFullPath(path);
        var parent = Path.GetFileName(Path.GetDirectoryName(full));
        return string.IsNullOrEmpty(parent) ? Path.GetFileName(full) : $"{parent}/{Path.GetFileName(full)}";
    }

    /// <summary>The molecules of a sample file (.xyz[.gz] or .sdf[.gz]), read once; malformed records are returned in <paramref name="errors"/>.</summary>
    internal static List<Molecule> ReadSamples(string path, out List<MoleculeFormatException> errors)
    {
        var mols = path.EndsWith(".sdf", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".sdf.gz", StringComparison.OrdinalIgnoreCase)
            ? SdfFile.ReadLenient(path, out errors).Select(x => x.Molecule).ToList()
            : XyzFile.ReadLenient(path, out errors);
        if (mols.Count == 0 && errors.Count == 0) throw new InvalidDataException($"{path}: no molecules.");
        return mols;
    }

    internal static EvaluationResult Run(string path, string dataset, string? noveltyData, string folder, string? label = null)
    {
        var mols = ReadSamples(path, out var errors);
        return Run(path, mols, errors, dataset, noveltyData, folder, label);
    }

    internal static EvaluationResult Run(string path, List<Molecule> mols, List<MoleculeFormatException> errors, string dataset, string? noveltyData, string folder, string? label = null)
    {
        if (dataset is not ("qm9" or "geom")) throw new UsageException($"--dataset: unknown dataset '{dataset}' (qm9, geom).");
        foreach (var e in errors.Take(5)) Console.Error.WriteLine($"skipped: {e.Message}");
        if (errors.Count > 5) Console.Error.WriteLine($"skipped: {errors.Count - 5} more malformed records");
        NoveltyReference? reference = null;
        var vocab = dataset == "qm9" ? AtomVocabulary.Qm9 : AtomVocabulary.GeomDrugs;
        var rule = dataset == "qm9" ? Stp.Metrics.Chemistry.BondRule.Qm9 : Stp.Metrics.Chemistry.BondRule.GeomDrugs;
        if (noveltyData is not null)
        {
            var cache = Path.Combine(folder, Path.GetFileName(Path.TrimEndingDirectorySeparator(noveltyData)) + ".smiles.txt");
            // Keyed by the reference data's content (and what is taken of it): edited or truncated data rebuilds the cache.
            var key = NoveltyReference.CacheKey(noveltyData, vocab, rule, dataset == "qm9" ? "qm9-train-split-seed-0" : "all");
            reference = NoveltyReference.LoadOrCreate(cache, key, () =>
            {
                var all = Datasets.Load(noveltyData);
                return dataset == "qm9" ? MoleculeDatasets.SplitQm9(all).Train : all;
            }, vocab, rule, Console.WriteLine);
        }
        var evaluator = new MetricsEvaluator(vocab, rule, reference);
        // Malformed records count as generated-but-invalid molecules: nothing is silently dropped.
        EvaluationResult result;
        using (var progress = new ProgressLine("evaluating", mols.Count + errors.Count, "molecules"))
        {
            result = evaluator.Evaluate(mols, errors.Count, new SyncProgress<int>(done => progress.Report(done)));
            progress.Complete();
        }
        Directory.CreateDirectory(folder);
        MetricSummary.From(result).Write(Path.Combine(folder, SummaryName));
        WriteReport(SizeReport.From(result), folder, label ?? DefaultLabel(path));
        return result;
    }

    /// <summary>
    /// Bond-length and bond-angle JSDs of the sample file's valid molecules against the first <paramref name="count"/>
    /// reference molecules (QM9: of its training split), written to structure.csv; returns the pooled figures.
    /// </summary>
    internal static string Structure(IReadOnlyList<Molecule> samples, string dataset, string referencePath, int count, string folder)
    {
        var evaluator = dataset == "qm9" ? MetricsEvaluator.ForQm9() : MetricsEvaluator.ForGeomDrugs();
        var all = Datasets.Load(referencePath);
        var reference = (dataset == "qm9" ? MoleculeDatasets.SplitQm9(all).Train : all).Take(count).ToList();
        var cmp = Stp.Metrics.Structure.GeometryHistograms.FromMolecules(samples, evaluator)
            .CompareTo(Stp.Metrics.Structure.GeometryHistograms.FromMolecules(reference, evaluator));
        cmp.WriteCsv(Path.Combine(folder, "structure.csv"));
        static string Pooled(IReadOnlyList<Stp.Metrics.Structure.DivergenceEntry> es) =>
            es.FirstOrDefault(e => e.Key == "all") is { } e ? e.Divergence.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) + $" ({e.GeneratedCount} values)" : "n/a (too few values)";
        return $"Structure vs {reference.Count} reference molecules: bond-length JSD {Pooled(cmp.BondLengthsByPair)}, bond-angle JSD {Pooled(cmp.BondAngles)}; per pair/angle in {Path.Combine(folder, "structure.csv")}";
    }

    /// <summary>The mergeable counts of an evaluation (<see cref="MetricSummary"/>), beside the report.</summary>
    public const string SummaryName = "summary.json";

    internal static void WriteReport(SizeReport report, string folder, string label)
    {
        report.WriteCsv(Path.Combine(folder, "metrics_by_size.csv"));
        report.WriteJson(Path.Combine(folder, "metrics_by_size.json"));
        report.WritePlot(Path.Combine(folder, "metrics_by_size.png"), $"{label}: metrics by molecule size");
    }
}
