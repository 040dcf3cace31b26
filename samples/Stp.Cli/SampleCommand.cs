using System.CommandLine;
using System.Diagnostics;
using Stp.Chemistry;
using Stp.Data;
using Stp.Metrics.Chemistry;
using Stp.Sampling;

namespace Stp.Cli;

internal static class SampleCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Model file or training checkpoint (.safetensors; also Stp 0.1 .stp files)", Required = true };
        var count = new Option<int>("--n") { Description = "Number of molecules (default 100)", DefaultValueFactory = _ => 100 };
        var plan = new Option<string>("--plan") { Description = "efficient (sorted sizes, pad to batch max; default) or padded (EDM: pad to dataset max)", DefaultValueFactory = _ => "efficient" };
        var batch = new Option<int>("--batch-size") { Description = "Molecules per batch (default 100)", DefaultValueFactory = _ => 100 };
        var outDir = new Option<string>("--out") { Description = "Output folder for samples.sdf and samples.xyz (default samples)", DefaultValueFactory = _ => "samples" };
        var steps = Models.StepsOption();
        var sampler = Models.SamplerOption();
        var condition = new Option<string[]>("--condition") { Description = "Conditional models: name=value fixes a property (EDM's unit, e.g. alpha=80); properties not given are drawn from p(c | N) (the default)", AllowMultipleArgumentsPerToken = true };
        var sweep = new Option<string?>("--sweep") { Description = "Conditional models: sample a sweep of this property (EDM's qualitative experiment): --frames molecules of --size atoms with the same noise, the property linearly spaced between that size's min and max, written as an XYZ trajectory" };
        var sweepSize = new Option<int>("--size") { Description = "Atoms of the sweep's molecules (default 19)", DefaultValueFactory = _ => 19 };
        var frames = new Option<int>("--frames") { Description = "Frames of the sweep (default 100)", DefaultValueFactory = _ => 100 };
        var shard = new Option<string?>("--shard") { Description = "k/n: sample only shard k of n of this run (job arrays; same --n, --seed and options in every shard), then 'stp merge' the n output folders" };
        var seed = Common.SeedOption(); var device = Common.DeviceOption(); var threads = Common.ThreadsOption();
        var cmd = new Command("sample", "Sample molecules from a checkpoint; writes SDF (bonds from EDM's bond rules) and multi-molecule XYZ.")
        { checkpoint, count, sampler, steps, plan, batch, outDir, condition, sweep, sweepSize, frames, shard, seed, device, threads };
        cmd.SetAction((r, ct) =>
        {
            var dev = Common.ResolveDevice(r.GetValue(device)!, r.GetValue(threads));
            int n = r.GetValue(count);
            if (n < 1) throw new UsageException("--n must be at least 1.");
            using var model = Models.Load(r.GetValue(checkpoint)!, dev);
            var options = Models.Sampler(r.GetValue(sampler), r.GetValue(steps), model);
            if (r.GetValue(sweep) is string swept)
            {
                ConditionalSampling.Sweep(model, options, swept, r.GetValue(sweepSize), r.GetValue(frames), r.GetValue(batch), r.GetValue(seed), r.GetValue(outDir)!, dev, ct);
                return Task.FromResult(0);
            }
            var shardOf = r.GetValue(shard) is string sh ? Sharding.Parse(sh) : ((int, int)?)null;
            if (shardOf is not null && r.GetValue(sweep) is not null) throw new UsageException("--shard does not apply to --sweep.");
            var sw = Stopwatch.StartNew();
            var mols = Run(model, options, n, r.GetValue(plan)!, r.GetValue(batch), r.GetValue(seed), dev, ct, condition: r.GetValue(condition), shard: shardOf);
            double secs = sw.Elapsed.TotalSeconds;
            var folder = r.GetValue(outDir)!;
            Write(folder, mols, Models.Dataset(model));
            if (shardOf is { } so)
            {
                var key = new Sharding.RunKey(n, r.GetValue(seed), Sharding.ModelHash(r.GetValue(checkpoint)!), options.ReverseStep.Name, options.Steps,
                    r.GetValue(plan)!.ToLowerInvariant(), r.GetValue(batch));
                Sharding.Write(folder, Sharding.Create(so, key, mols.Select(m => int.Parse(m.Id!, System.Globalization.CultureInfo.InvariantCulture))));
                Console.WriteLine($"Shard {so.Item1}/{so.Item2}: {mols.Count} of {n} molecules.");
            }
            Console.WriteLine($"Sampled {mols.Count} molecules in {secs:F1} s ({mols.Count / secs:F2} molecules/s, {secs / mols.Count:F3} s per molecule); wrote {Path.Combine(folder, "samples.sdf")} and samples.xyz");
            return Task.FromResult(0);
        });
        return cmd;
    }

    internal static IReadOnlyList<Molecule> Run(Stp.Diffusion.DiffusionModel model, SamplerOptions options, int n, string planName, int batchSize, long seed, TorchSharp.torch.Device dev, CancellationToken ct, ISamplingObserver? observer = null, int[]? sizes = null, IReadOnlyList<string>? condition = null, (int Index, int Count)? shard = null)
    {
        var p = model.SizeDistribution ?? throw new InvalidDataException("The model file has no size distribution p(N).");
        sizes ??= p.Sample(n, seed);
        var contexts = Conditioning.Contexts(model, sizes, condition, seed);
        var plan = planName.ToLowerInvariant() switch
        {
            "efficient" => SamplingPlan.Efficient(sizes, batchSize, contexts: contexts),
            "padded" => SamplingPlan.DatasetPadding(sizes, batchSize, p.MaxAtoms, contexts),
            _ => throw new UsageException($"--plan: unknown plan '{planName}' (efficient, padded)."),
        };
        if (shard is { } s)
        {
            if (s.Count > plan.Batches.Count) throw new UsageException($"--shard {s.Index}/{s.Count}: this run has only {plan.Batches.Count} batches; use at most {plan.Batches.Count} shards.");
            plan = plan.Shard(s.Index, s.Count);
        }
        int total = plan.MoleculeIds.Count;
        var progress = new ProgressLine();
        var result = new DiffusionSampler(model, options).Sample(plan, seed, dev, observer,
            new Progress<int>(k => progress.Update($"sampled {k}/{total} molecules", force: true)), ct);
        progress.Done();
        return result;
    }

    internal static void Write(string folder, IReadOnlyList<Molecule> mols, string dataset)
    {
        Directory.CreateDirectory(folder);
        var vocab = AtomVocabulary.ForDataset(dataset);
        var writable = mols.Where(SdfFile.CanWrite).ToList();
        if (writable.Count < mols.Count)
            Console.Error.WriteLine($"{mols.Count - writable.Count} diverged molecules (coordinates beyond 10,000 A) are left out of the SDF; the XYZ file has all {mols.Count}.");
        var records = writable.Select(m => (m, BondInference.Infer(m, vocab)));
        SdfFile.Write(Path.Combine(folder, "samples.sdf"), records);
        XyzFile.Write(Path.Combine(folder, "samples.xyz"), mols);
    }
}
