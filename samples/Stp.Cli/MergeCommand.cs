using System.CommandLine;
using System.Text;
using Stp.Data;
using Stp.Metrics;

namespace Stp.Cli;

/// <summary><c>stp merge</c>: the shards of one sampling run (and their evaluations) into the files of the whole run.</summary>
internal static class MergeCommand
{
    public static Command Create()
    {
        var shards = new Argument<string[]>("shards") { Description = "Output folders of 'stp sample --shard k/n' (all n of them, any order)", Arity = ArgumentArity.OneOrMore };
        var outDir = new Option<string>("--out") { Description = "Folder for the merged samples.xyz / samples.sdf (and summary.json + metrics_by_size.* when every shard was evaluated into its folder)", Required = true };
        var device = Common.NoTorchDeviceOption("merge");
        var cmd = new Command("merge", "Merge the shards of a sampling run: the same samples.xyz and samples.sdf, byte for byte, as one unsharded run, and the metric summaries of 'stp evaluate' (counts, not ratios).")
        { shards, outDir, device };
        cmd.SetAction(r =>
        {
            var folders = r.GetValue(shards)!;
            var output = r.GetValue(outDir)!;
            var manifests = folders.Select(Sharding.Read).ToList();
            var run = manifests[0].Run;
            int count = manifests[0].Count;
            for (int i = 0; i < manifests.Count; i++)
            {
                if (manifests[i].Run != run || manifests[i].Count != count)
                    throw new InvalidDataException($"{folders[i]}: shard of another run (model, seed, size, sampler or plan differ from {folders[0]}).");
            }
            var missing = Enumerable.Range(0, count).Except(manifests.Select(m => m.Index)).ToList();
            var twice = manifests.GroupBy(m => m.Index).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            if (twice.Count > 0) throw new UsageException($"shard {twice[0]}/{count} was given twice.");
            if (missing.Count > 0) throw new UsageException($"{missing.Count} of {count} shards missing (first: {missing[0]}/{count}).");
            var ids = manifests.SelectMany(m => m.Ids).ToList();
            if (ids.Count != run.Molecules || ids.Distinct().Count() != run.Molecules || ids.Any(id => id < 0 || id >= run.Molecules))
                throw new InvalidDataException($"The shards' molecule ids do not cover 0..{run.Molecules - 1} exactly once.");

            Directory.CreateDirectory(output);
            foreach (var (file, sdf) in new[] { ("samples.xyz", false), ("samples.sdf", true) })
            {
                var records = new List<(int Id, string Text)>();
                for (int i = 0; i < folders.Length; i++)
                {
                    var path = Path.Combine(folders[i], file);
                    if (!File.Exists(path)) throw new FileNotFoundException($"{folders[i]}: {file} is missing.", path);
                    var part = Sharding.Records(path, sdf);
                    var expected = manifests[i].Ids.ToHashSet();
                    if (part.Any(p => !expected.Contains(p.Id)) || (!sdf && part.Count != expected.Count))
                        throw new InvalidDataException($"{path}: its molecules are not the ones its {Sharding.ManifestName} lists.");
                    records.AddRange(part);
                }
                var sb = new StringBuilder();
                foreach (var rec in records.OrderBy(x => x.Id)) sb.Append(rec.Text);
                AtomicFile.WriteAllText(Path.Combine(output, file), sb.ToString());
            }
            Console.WriteLine($"Merged {count} shards: {run.Molecules} molecules into {Path.Combine(output, "samples.xyz")} and samples.sdf");

            var summaries = folders.Select(f => Path.Combine(f, EvaluateCommand.SummaryName)).ToList();
            if (summaries.All(File.Exists))
            {
                var merged = MetricSummary.Merge(summaries.Select(MetricSummary.Read));
                merged.Write(Path.Combine(output, EvaluateCommand.SummaryName));
                var report = merged.ToReport();
                EvaluateCommand.WriteReport(report, output, "merged shards");
                Console.WriteLine(report.ToTable("merged shards"));
            }
            else if (summaries.Any(File.Exists))
                Console.Error.WriteLine($"Not every shard folder holds an evaluation ({EvaluateCommand.SummaryName}); metrics were not merged. Run 'stp evaluate' on the merged samples.xyz instead.");
            return 0;
        });
        return cmd;
    }
}
