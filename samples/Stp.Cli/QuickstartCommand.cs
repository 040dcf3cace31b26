using System.CommandLine;
using System.Diagnostics;
using Stp.Metrics.Reports;

namespace Stp.Cli;

internal static class QuickstartCommand
{
    public const string DefaultModel = "Models/qm9-stp-small.stp";

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = $"Model file (default: the shipped {DefaultModel})" };
        var count = new Option<int>("--n") { Description = "Molecules to sample (default 200)", DefaultValueFactory = _ => 200 };
        var outDir = new Option<string>("--out") { Description = "Output folder (default quickstart-output)", DefaultValueFactory = _ => "quickstart-output" };
        var steps = new Option<int?>("--steps") { Description = "Sampling steps (default: 250; fewer is faster and less exact)", DefaultValueFactory = _ => 250 };
        var seed = Common.SeedOption(); var threads = Common.ThreadsOption();
        var cmd = new Command("quickstart", "Sample molecules from the shipped QM9 EDM-StP model, evaluate them, write SDF/XYZ and the per-size plot. Needs no data and no GPU.")
        { model, count, steps, outDir, seed, threads };
        cmd.SetAction((r, ct) =>
        {
            var dev = Common.ResolveDevice("cpu", r.GetValue(threads));
            var path = r.GetValue(model) ?? Path.Combine(AppContext.BaseDirectory, DefaultModel);
            var (spec, den, diffusion, meta) = ModelSpec.Load(path, dev, r.GetValue(steps));
            Console.WriteLine($"Model: {Path.GetFileName(path)}: EGNN nf {spec.Egnn.HiddenFeatures}, {spec.Egnn.Layers} layers, {den.ParameterCount:N0} parameters, prior {Common.PriorName(spec.Prior)}, trained {meta.GetValueOrDefault("step", "?")} steps on {spec.Dataset}.");
            int n = r.GetValue(count);
            var sw = Stopwatch.StartNew();
            var mols = SampleCommand.Run(spec, diffusion, n, "efficient", 100, r.GetValue(seed), dev, ct);
            Console.WriteLine($"Sampled {mols.Count} molecules in {sw.Elapsed.TotalSeconds:F1} s ({sw.Elapsed.TotalSeconds / mols.Count:F3} s per molecule, {diffusion.Schedule.Timesteps} steps, efficient batching).");
            var folder = r.GetValue(outDir)!;
            SampleCommand.Write(folder, mols, spec.Dataset);
            var result = EvaluateCommand.Run(Path.Combine(folder, "samples.xyz"), spec.Dataset, null, folder);
            Console.WriteLine();
            Console.WriteLine(result.ToTable("EDM-StP (shipped model)"));
            var bySize = SizeReport.From(result);
            Console.WriteLine($"Wrote {folder}/samples.sdf, samples.xyz, metrics_by_size.csv/.json and metrics_by_size.png");
            den.Dispose();
            return Task.FromResult(0);
        });
        return cmd;
    }
}
