using System.Diagnostics;
using System.Globalization;
using System.Text;
using Stp.Data;
using Stp.Diffusion;
using Stp.Metrics;
using Stp.Metrics.Reports;
using Stp.Sampling;

namespace Stp.Cli;

/// <summary>
/// Quality per network call (<c>stp analyze --steps-sweep 25,50,100,250,1000</c>): the same molecule sizes and seed
/// sampled with every (sampler, spacing, K), evaluated with EDM's metrics; atom / molecule stability, validity,
/// valid-and-unique and the single-fragment fraction (EDM's validity judges the largest fragment only, so few-step
/// samplers that break molecules apart can keep it) against the number of denoiser calls per molecule batch, with 95%
/// Wilson intervals, as CSV and PNG.
/// </summary>
internal static class StepsSweep
{
    public sealed record Row(string Sampler, string Spacing, int Steps, int NetworkCalls, int Molecules, double AtomStability, double MoleculeStability,
        (double Low, double High) MoleculeStabilityCi, double Validity, (double Low, double High) ValidityCi, double ValidAndUnique, double Seconds,
        double SingleFragment, (double Low, double High) SingleFragmentCi);

    public static int[] ParseSteps(string text, int trained) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x =>
            int.TryParse(x, out var k) && k >= 1 && k <= trained ? k
            : throw new UsageException($"--steps-sweep: '{x}' is not a number of steps in 1..{trained}.")).Distinct().Order().ToArray();

    /// <summary>The samplers to compare: the given comma-separated names, or both of the model's kind.</summary>
    public static string[] Samplers(string? names, DiffusionModel model) => names is not null
        ? names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        : model.Objective.Target == Stp.Objectives.PredictionTarget.Velocity ? ["euler", "heun"] : ["ancestral", "ddim"];

    /// <summary>The grid spacings to compare: the given comma-separated names, or uniform.</summary>
    public static string[] Spacings(string? names) => names is not null
        ? names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => Models.TryParseSpacing(x, out var sp) ? sp.ToString() : x).Distinct().ToArray()
        : ["uniform"];

    public static List<Row> Run(DiffusionModel model, IReadOnlyList<string> samplers, IReadOnlyList<string> spacings, IReadOnlyList<int> steps, int n, long seed,
        TorchSharp.torch.Device device, CancellationToken ct)
    {
        var sizes = (model.SizeDistribution ?? throw new InvalidDataException("The model file has no size distribution p(N).")).Sample(n, seed);
        var evaluator = Models.Dataset(model) == "qm9" ? MetricsEvaluator.ForQm9() : MetricsEvaluator.ForGeomDrugs();
        // Every sampler and K must be usable before the first (long) sampling run starts.
        var plans = samplers.SelectMany(name => spacings.SelectMany(sp => steps.Select(k => (Name: name, Spacing: sp, K: k, Options: Models.Sampler(name, k, model, sp))))).ToList();
        var rows = new List<Row>();
        foreach (var (name, spacing, k, options) in plans)
        {
            var sw = Stopwatch.StartNew();
            var mols = SampleCommand.Run(model, options, n, "efficient", 100, seed, device, ct, sizes: sizes);
            var r = evaluator.Evaluate(mols);
            int calls = new DiffusionSampler(model, options).NetworkCallsPerBatch;
            int single = MetricSummary.From(r).BySize.Sum(c => c.SingleFragment);
            rows.Add(new Row(name, spacing, k, calls, mols.Count, r.AtomStability, r.MoleculeStability, BinomialInterval.Wilson(r.StableMoleculeCount, mols.Count),
                r.Validity, BinomialInterval.Wilson(r.ValidCount, mols.Count), r.ValidAndUnique, sw.Elapsed.TotalSeconds,
                (double)single / mols.Count, BinomialInterval.Wilson(single, mols.Count)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-9} {spacing,-9} K={k,-5} calls={calls,-5} atom sta {100 * r.AtomStability:F1}%  mol sta {100 * r.MoleculeStability:F1}%  valid {100 * r.Validity:F1}%  V&U {100 * r.ValidAndUnique:F1}%  single fragment {100.0 * single / mols.Count:F1}%  ({sw.Elapsed.TotalSeconds:F0} s)"));
        }
        return rows;
    }

    public static void Write(string folder, IReadOnlyList<Row> rows, string title)
    {
        static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        var sb = new StringBuilder("sampler,steps,network_calls,molecules,atom_stability,mol_stability,mol_stability_low,mol_stability_high,validity,validity_low,validity_high,valid_and_unique,seconds,spacing,single_fragment,single_fragment_low,single_fragment_high\n");
        foreach (var r in rows)
            sb.Append(CultureInfo.InvariantCulture, $"{r.Sampler},{r.Steps},{r.NetworkCalls},{r.Molecules},{F(r.AtomStability)},{F(r.MoleculeStability)},{F(r.MoleculeStabilityCi.Low)},{F(r.MoleculeStabilityCi.High)},")
              .Append(CultureInfo.InvariantCulture, $"{F(r.Validity)},{F(r.ValidityCi.Low)},{F(r.ValidityCi.High)},{F(r.ValidAndUnique)},{F(r.Seconds)},{r.Spacing},{F(r.SingleFragment)},{F(r.SingleFragmentCi.Low)},{F(r.SingleFragmentCi.High)}\n");
        AtomicFile.WriteAllText(Path.Combine(folder, "steps_sweep.csv"), sb.ToString());
        var series = new List<PlotSeries>();
        bool spaced = rows.Select(r => r.Spacing).Distinct().Count() > 1;
        foreach (var g in rows.GroupBy(r => spaced ? $"{r.Sampler}/{r.Spacing}" : r.Sampler))
        {
            var x = g.Select(r => Math.Log10(r.NetworkCalls)).ToArray();
            series.Add(new($"{g.Key}: atom sta", x, g.Select(r => 100 * r.AtomStability).ToArray()));
            series.Add(new($"{g.Key}: mol sta", x, g.Select(r => 100 * r.MoleculeStability).ToArray()));
            series.Add(new($"{g.Key}: valid", x, g.Select(r => 100 * r.Validity).ToArray()));
            series.Add(new($"{g.Key}: single fragment", x, g.Select(r => 100 * r.SingleFragment).ToArray()) { Dashed = true });
        }
        PlotWriter.WriteLines(Path.Combine(folder, "steps_sweep.png"), title, "log10(network calls per batch)", "%", series, yLimits: (-2, 102));
    }
}
