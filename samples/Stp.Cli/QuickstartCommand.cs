using System.CommandLine;
using System.Diagnostics;
using Stp.Metrics.Reports;

namespace Stp.Cli;

internal static class QuickstartCommand
{
    public const string DefaultModel = "Models/qm9-stp-small.safetensors";

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = $"Model file (default: the shipped {DefaultModel})" };
        var count = new Option<int>("--n") { Description = "Molecules to sample (default 200)", DefaultValueFactory = _ => 200 }.InRange(1, OptionChecks.MaxMolecules);
        var outDir = new Option<string>("--out") { Description = "Output folder (default quickstart-output; an earlier quickstart's files there are replaced)", DefaultValueFactory = _ => "quickstart-output" };
        var steps = Models.StepsOption("250");
        steps.DefaultValueFactory = _ => 250;
        var sampler = Models.SamplerOption();
        var seed = Common.SeedOption(); var device = Common.DeviceOption(); var threads = Common.ThreadsOption();
        var cmd = new Command("quickstart", "Sample molecules from the shipped QM9 EDM-StP model, evaluate them, write SDF/XYZ and the per-size plot. Needs no data and no GPU (--device cuda uses one).")
        { model, count, sampler, steps, outDir, seed, device, threads };
        cmd.SetAction((r, ct) =>
        {
            var dev = Common.ResolveDevice(r.GetValue(device)!, r.GetValue(threads));
            var path = r.GetValue(model) ?? Path.Combine(AppContext.BaseDirectory, DefaultModel);
            var folder = r.GetValue(outDir)!;
            using var output = SampleOutput.Open(folder, replace: true); // the demo replaces its own earlier output
            using var diffusion = Models.Load(path, dev);
            var options = Models.Sampler(r.GetValue(sampler), r.GetValue(steps), diffusion);
            Console.WriteLine($"Model: {Path.GetFileName(path)}: {Models.Summary(diffusion)}.");
            int n = r.GetValue(count);
            var sw = Stopwatch.StartNew();
            var mols = SampleCommand.Run(diffusion, options, n, "efficient", 100, r.GetValue(seed), dev, ct, output: output);
            Console.WriteLine($"Sampled {mols.Count} molecules in {sw.Elapsed.TotalSeconds:F1} s ({sw.Elapsed.TotalSeconds / mols.Count:F3} s per molecule, {options.ReverseStep.Name} sampler, {options.Steps ?? diffusion.Schedule.Timesteps} steps, efficient batching).");
            var result = EvaluateCommand.Run(Path.Combine(folder, "samples.xyz"), Models.Dataset(diffusion), null, folder, Path.GetFileNameWithoutExtension(path));
            Console.WriteLine();
            Console.WriteLine(result.ToTable("EDM-StP (shipped model)"));
            Console.WriteLine($"Wrote {folder}/samples.sdf, samples.xyz, metrics_by_size.csv/.json and metrics_by_size.png");
            return Task.FromResult(0);
        });
        return cmd;
    }
}
