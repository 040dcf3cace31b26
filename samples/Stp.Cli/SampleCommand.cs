using System.CommandLine;
using System.Diagnostics;
using Stp.Chemistry;
using Stp.Sampling;

namespace Stp.Cli;

internal static class SampleCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Model file or training checkpoint (.safetensors; also Stp 0.1 .stp files)", Required = true };
        var count = new Option<int>("--n") { Description = "Number of molecules (default 100)", DefaultValueFactory = _ => 100 }.InRange(1, OptionChecks.MaxMolecules);
        var plan = PlanOption();
        var batch = BatchOption();
        var maxEdges = MaxEdgesOption();
        var outDir = new Option<string>("--out") { Description = $"Output folder for samples.sdf and samples.xyz (default samples); finished batches go to {SampleOutput.PartXyz} and {SampleOutput.PartSdf} as they come", DefaultValueFactory = _ => "samples" };
        var force = new Option<bool>("--force") { Description = "Replace earlier samples in --out (without it, a folder that holds samples is refused)" };
        var steps = Models.StepsOption();
        var sampler = Models.SamplerOption();
        var spacing = Models.SpacingOption();
        var condition = new Option<string[]>("--condition") { Description = "Conditional models: name=value fixes a property (EDM's unit, e.g. alpha=80); properties not given are drawn from p(c | N) (the default)", AllowMultipleArgumentsPerToken = true };
        var sweep = new Option<string?>("--sweep") { Description = "Conditional models: sample a sweep of this property (EDM's qualitative experiment): --frames molecules of --size atoms with the same noise, the property linearly spaced between that size's min and max, written as an XYZ trajectory" };
        var sweepSize = new Option<int>("--size") { Description = "Atoms of the sweep's molecules (default 19)", DefaultValueFactory = _ => 19 }.InRange(1, 1000);
        var frames = new Option<int>("--frames") { Description = "Frames of the sweep (default 100)", DefaultValueFactory = _ => 100 }.InRange(2, OptionChecks.MaxMolecules);
        var shard = new Option<string?>("--shard") { Description = "k/n: sample only shard k of n of this run (job arrays; same --n, --seed and options in every shard), then 'stp merge' the n output folders" };
        var seed = Common.SeedOption(); var device = Common.DeviceOption(); var threads = Common.ThreadsOption();
        var config = OptionLayers.ConfigOption();
        var cmd = new Command("sample", "Sample molecules from a checkpoint; writes SDF (bonds from EDM's bond rules) and multi-molecule XYZ.")
        { checkpoint, count, sampler, steps, spacing, plan, batch, maxEdges, outDir, force, condition, sweep, sweepSize, frames, shard, config, seed, device, threads };
        cmd.SetAction((r, ct) =>
        {
            r = OptionLayers.WithConfigFile(cmd, r, config).Parse;
            var folder = r.GetValue(outDir)!;
            var dev = Common.ResolveDevice(r.GetValue(device)!, r.GetValue(threads));
            var shardOf = r.GetValue(shard) is string sh ? Sharding.Parse(sh) : ((int, int)?)null;
            if (shardOf is not null && r.GetValue(sweep) is not null) throw new UsageException("--shard does not apply to --sweep.");
            if (r.GetValue(sweep) is string swept)
            {
                var sweepPath = ConditionalSampling.CheckOutput(folder, swept, r.GetValue(sweepSize), r.GetValue(force));
                using var swModel = Models.Load(r.GetValue(checkpoint)!, dev);
                ConditionalSampling.Sweep(swModel, Models.Sampler(r.GetValue(sampler), r.GetValue(steps), swModel, r.GetValue(spacing)), swept, r.GetValue(sweepSize), r.GetValue(frames), r.GetValue(batch), r.GetValue(seed), sweepPath, dev, ct);
                return Task.FromResult(0);
            }
            using var output = SampleOutput.Open(folder, r.GetValue(force));
            using var model = Models.Load(r.GetValue(checkpoint)!, dev);
            var options = Models.Sampler(r.GetValue(sampler), r.GetValue(steps), model, r.GetValue(spacing));
            var sw = Stopwatch.StartNew();
            var edgeCap = EdgeCap(r.GetValue(maxEdges));
            var mols = Run(model, options, r.GetValue(count), r.GetValue(plan)!, r.GetValue(batch), r.GetValue(seed), dev, ct, condition: r.GetValue(condition), output: output, shard: shardOf, maxEdges: edgeCap);
            double secs = sw.Elapsed.TotalSeconds;
            if (shardOf is { } so)
            {
                var key = new Sharding.RunKey(r.GetValue(count), r.GetValue(seed), Sharding.ModelHash(r.GetValue(checkpoint)!), options.ReverseStep.Name, options.Steps,
                    r.GetValue(plan)!.ToLowerInvariant(), r.GetValue(batch), edgeCap, options.Spacing.ToString());
                Sharding.Write(folder, Sharding.Create(so, key, mols.Select(m => int.Parse(m.Id!, System.Globalization.CultureInfo.InvariantCulture))));
                Console.WriteLine($"Shard {so.Item1}/{so.Item2}: {mols.Count} of {r.GetValue(count)} molecules.");
            }
            Console.WriteLine($"Sampled {mols.Count} molecules in {secs:F1} s ({mols.Count / secs:F2} molecules/s, {secs / mols.Count:F3} s per molecule); wrote {Path.Combine(folder, SampleOutput.Sdf)} and {SampleOutput.Xyz}");
            return Task.FromResult(0);
        });
        return cmd;
    }

    /// <summary>--plan: efficient (the default) or padded.</summary>
    internal static Option<string> PlanOption() =>
        new Option<string>("--plan") { Description = "efficient (sorted sizes, pad to batch max; default) or padded (EDM: pad to dataset max)", DefaultValueFactory = _ => "efficient" }
            .OneOf("plan", "efficient", "padded");

    /// <summary>--max-edges of the sampling commands: the efficient plan's cap on real atom pairs per batch.</summary>
    internal static Option<long> MaxEdgesOption() =>
        new Option<long>("--max-edges")
        {
            Description = $"Efficient plan: a batch also closes before its real atom pairs, sum of N (N - 1), exceed this (default {SamplingPlan.DefaultMaxEdgesPerBatch}, which keeps the edge tensors in a CPU's caches; 0 = no cap, likely faster on a GPU)",
            DefaultValueFactory = _ => SamplingPlan.DefaultMaxEdgesPerBatch,
        }.InRange(0L);

    /// <summary>The edge cap of <see cref="SamplingPlan.Efficient"/> for a --max-edges value (0: none).</summary>
    internal static long? EdgeCap(long maxEdges) => maxEdges == 0 ? null : maxEdges;

    /// <summary>--batch-size of the sampling commands.</summary>
    internal static Option<int> BatchOption() =>
        new Option<int>("--batch-size") { Description = "Molecules per batch (default 100)", DefaultValueFactory = _ => 100 }.InRange(1, 100_000);

    /// <summary>
    /// Samples <paramref name="n"/> molecules (sizes from p(N) unless given) batch by batch; with an
    /// <paramref name="output"/> every finished batch is written at once and the files are completed at the end, and a
    /// failure or Ctrl+C says how many molecules were kept and where.
    /// </summary>
    internal static IReadOnlyList<Molecule> Run(Stp.Diffusion.DiffusionModel model, SamplerOptions options, int n, string planName, int batchSize, long seed, TorchSharp.torch.Device dev, CancellationToken ct,
        ISamplingObserver? observer = null, int[]? sizes = null, IReadOnlyList<string>? condition = null, SampleOutput? output = null, (int Index, int Count)? shard = null,
        long? maxEdges = SamplingPlan.DefaultMaxEdgesPerBatch)
    {
        var p = model.SizeDistribution ?? throw new InvalidDataException("The model file has no size distribution p(N).");
        sizes ??= p.Sample(n, seed);
        var contexts = Conditioning.Contexts(model, sizes, condition, seed);
        var plan = planName.ToLowerInvariant() switch
        {
            "efficient" => SamplingPlan.Efficient(sizes, batchSize, contexts: contexts, maxEdgesPerBatch: maxEdges),
            "padded" => SamplingPlan.DatasetPadding(sizes, batchSize, p.MaxAtoms, contexts),
            _ => throw new UsageException($"--plan: unknown plan '{planName}' (efficient, padded)."),
        };
        if (shard is { } sh)
        {
            if (sh.Count > plan.Batches.Count) throw new UsageException($"--shard {sh.Index}/{sh.Count}: this run has only {plan.Batches.Count} batches; use at most {plan.Batches.Count} shards.");
            plan = plan.Shard(sh.Index, sh.Count);
        }
        int total = plan.MoleculeIds.Count;
        if (output is not null) output.Dataset = Models.Dataset(model);
        IProgress<SamplingProgress>? report = null;
        var sampler = new DiffusionSampler(model, options) { StepProgress = new SyncProgress<SamplingProgress>(s => report?.Report(s)) };
        using var progress = StepProgress(plan, sampler, out report);
        var slots = new Molecule?[sizes.Length];
        int batches = 0;
        try
        {
            foreach (var finished in sampler.SampleBatches(plan, seed, dev, observer, ct))
            {
                output?.Append(finished.Molecules);
                for (int i = 0; i < finished.Molecules.Count; i++) slots[finished.Batch.MoleculeIds[i]] = finished.Molecules[i];
                batches++;
            }
        }
        catch (Exception e) when (output is not null)
        {
            progress.Done();
            throw output.Stopped(e, batches + 1, plan.Batches.Count, total);
        }
        var result = slots.Where(m => m is not null).Select(m => m!).ToArray();
        progress.Complete($"{result.Length}/{total} molecules");
        output?.Complete(result);
        return result;
    }

    /// <summary>
    /// A progress display of a sampling run that moves with every reverse step (<see cref="DiffusionSampler.StepProgress"/>),
    /// not with every finished batch. The work is estimated as molecules x padded atoms^2 per step (the EGNN's and the
    /// DiT's cost grows with the pairs of atoms), so the ETA holds while the efficient plan's batches grow; the status
    /// says how many molecules are done and where the current batch is.
    /// </summary>
    internal static ProgressLine StepProgress(SamplingPlan plan, DiffusionSampler sampler, out IProgress<SamplingProgress> report, string description = "sampling")
    {
        var weights = plan.Batches.Select(b => (double)b.MoleculeIds.Count * b.PaddedSize * b.PaddedSize).ToArray();
        var before = new double[weights.Length + 1];
        for (int b = 0; b < weights.Length; b++) before[b + 1] = before[b] + weights[b];
        int k = Math.Max(1, sampler.Grid.Count - 1);
        var line = new ProgressLine(description, before[^1] * k, "", counts: false);
        report = new SyncProgress<SamplingProgress>(s => line.Report(before[s.BatchIndex] * k + weights[s.BatchIndex] * s.Step,
            $"{s.MoleculesDone}/{s.MoleculesTotal} molecules, batch {s.BatchIndex + 1}/{s.BatchCount} at step {s.Step}/{s.StepsPerBatch}"));
        return line;
    }
}
