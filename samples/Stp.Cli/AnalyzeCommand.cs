using System.CommandLine;
using Stp.Metrics;
using Stp.Metrics.Alignment;
using Stp.Metrics.Reports;

namespace Stp.Cli;

internal static class AnalyzeCommand
{
    /// <summary>The files analyze writes into --out.</summary>
    private static readonly string[] Outputs = { "metrics_by_size.csv", "metrics_by_size.json", "metrics_by_size.png", "alignment.csv", "alignment_gamma.png", "alignment_beta.png" };

    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Model file or training checkpoint", Required = true };
        var count = new Option<int>("--n") { Description = "Molecules sampled for the per-size quality (default 500)", DefaultValueFactory = _ => 500 }.InRange(1, OptionChecks.MaxMolecules);
        var sizes = new Option<string?>("--sizes") { Description = "Comma-separated atom counts for the alignment curves, e.g. 10,15,19,25 (default: the sizes drawn)" }.AtomCounts();
        var perSize = new Option<int>("--per-size") { Description = "Molecules per chosen size for the alignment curves (default 20)", DefaultValueFactory = _ => 20 }.InRange(1, 100_000);
        var stride = new Option<int>("--stride") { Description = "Record alignment every k-th reverse step (default 10)", DefaultValueFactory = _ => 10 }.InRange(1);
        var outDir = new Option<string>("--out") { Description = "Output folder (default analysis)", DefaultValueFactory = _ => "analysis" };
        var steps = Models.StepsOption();
        var sweep = new Option<string?>("--steps-sweep") { Description = "Quality per network call instead of the size analysis: comma-separated step counts (e.g. 25,50,100,250,1000), each sampled with every --sampler (comma-separated; default: ancestral,ddim for diffusion models, euler,heun for flow models) on the same --n sizes and seed; writes steps_sweep.csv and .png" };
        var sampler = Models.SamplerOption();
        var spacing = Models.SpacingOption();
        var seed = Common.SeedOption(); var device = Common.DeviceOption(); var threads = Common.ThreadsOption();
        var config = OptionLayers.ConfigOption();
        var cmd = new Command("analyze", "Size-consistency analysis of a checkpoint: quality per molecule size and the generation-target alignment curves gamma_t, beta_t (paper eq. 9, fig. 3).")
        { checkpoint, count, sampler, steps, spacing, sweep, sizes, perSize, stride, outDir, config, seed, device, threads };
        cmd.SetAction((r, ct) =>
        {
            r = OptionLayers.WithConfigFile(cmd, r, config).Parse;
            var folder = r.GetValue(outDir)!;
            OptionChecks.OutputFolder("--out", folder, Outputs);
            var dev = Common.ResolveDevice(r.GetValue(device)!, r.GetValue(threads));
            using var model = Models.Load(r.GetValue(checkpoint)!, dev);
            string dataset = Models.Dataset(model), prior = Common.PriorName(model.Prior);
            Directory.CreateDirectory(folder);
            long s = r.GetValue(seed);
            if (r.GetValue(sweep) is string sweepSteps)
            {
                if (r.GetValue(steps) is not null) throw new UsageException("--steps and --steps-sweep exclude each other.");
                var rows = StepsSweep.Run(model, StepsSweep.Samplers(r.GetValue(sampler), model), StepsSweep.Spacings(r.GetValue(spacing)),
                    StepsSweep.ParseSteps(sweepSteps, model.Schedule.Timesteps), r.GetValue(count), s, dev, ct);
                StepsSweep.Write(folder, rows, $"{Path.GetFileNameWithoutExtension(r.GetValue(checkpoint)!)} ({prior}): quality per network call");
                Console.WriteLine($"Wrote steps_sweep.csv and steps_sweep.png to {folder}");
                return Task.FromResult(0);
            }
            var options = Models.Sampler(r.GetValue(sampler), r.GetValue(steps), model, r.GetValue(spacing));
            int[] chosen = r.GetValue(sizes) is string list
                ? OptionChecks.ParseAtomCounts(list)
                : model.SizeDistribution!.Counts.OrderByDescending(kv => kv.Value).Take(4).Select(kv => kv.Key).Order().ToArray();
            try { model.ValidateSizes(chosen); }
            catch (ArgumentOutOfRangeException e) { throw new UsageException($"--sizes: the model cannot sample {e.ActualValue ?? "one of these"} atoms ({e.Message.Split('\n')[0]})."); }

            // 1. Per-size quality on molecules drawn from p(N).
            var mols = SampleCommand.Run(model, options, r.GetValue(count), "efficient", 100, s, dev, ct);
            var evaluator = dataset == "qm9" ? MetricsEvaluator.ForQm9() : MetricsEvaluator.ForGeomDrugs();
            var result = evaluator.Evaluate(mols);
            var report = SizeReport.From(result);
            report.WriteCsv(Path.Combine(folder, "metrics_by_size.csv"));
            report.WriteJson(Path.Combine(folder, "metrics_by_size.json"));
            report.WritePlot(Path.Combine(folder, "metrics_by_size.png"), $"{Path.GetFileNameWithoutExtension(r.GetValue(checkpoint)!)} ({prior}): metrics by molecule size");
            Console.WriteLine(result.ToTable(prior));

            // 2. Alignment curves for chosen sizes.
            var k = r.GetValue(perSize);
            var sizeList = chosen.SelectMany(n => Enumerable.Repeat(n, k)).ToArray();
            var observer = new GenerationAlignmentObserver(model.Codec.Features.Vocabulary.Count, r.GetValue(stride));
            SampleCommand.Run(model, options, sizeList.Length, "efficient", 100, s + 1, dev, ct, observer, sizeList);
            var alignment = observer.Compute();
            alignment.WriteCsv(Path.Combine(folder, "alignment.csv"));
            var name = $"{Path.GetFileNameWithoutExtension(r.GetValue(checkpoint)!)} ({prior})";
            alignment.WritePlot(Path.Combine(folder, "alignment_gamma.png"), $"{name}: shape alignment gamma_t");
            alignment.WritePlot(Path.Combine(folder, "alignment_beta.png"), $"{name}: type alignment beta_t", beta: true);
            Console.WriteLine($"Wrote metrics_by_size.csv/.json/.png, alignment.csv, alignment_gamma.png and alignment_beta.png to {folder}");
            return Task.FromResult(0);
        });
        return cmd;
    }
}
