using System.Diagnostics;
using System.Globalization;
using Stp.Data;
using static TorchSharp.torch;

namespace Stp.Benchmarks;

/// <summary>
/// <c>dit-step [repeats]</c>: the reverse step of <see cref="DitStepBenchmarks"/> (one DiT-S call per batch of the
/// efficient and of the dataset-padded plan, QM9 and GEOM), interleaved case by case and timed both in wall time and
/// in process CPU time (user + system). On a machine shared with other jobs the CPU time per step is far steadier than
/// the wall time, so the efficient-vs-padded ratio is reported from the minimum CPU time of each case.
/// </summary>
public static class DitStepProbe
{
    public static int Run(string[] args)
    {
        int repeats = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        string[] cases = ["QM9 efficient", "QM9 padded", "GEOM efficient", "GEOM padded"];
        var setups = cases.Select(c =>
        {
            var dataset = c.Split(' ')[0];
            var dit = DitWorkloads.Denoiser("S", dataset, CPU);
            var plan = DitWorkloads.Plan(c, dataset == "QM9" ? SizeDistribution.Qm9 : SizeDistribution.GeomDrugs);
            return (Case: c, Dit: dit, Batches: DitWorkloads.PlanBatches(plan, dit.FeatureCount, CPU), Slots: plan.PaddedNodeSlots, Molecules: plan.Sizes.Count);
        }).ToList();
        var wall = cases.ToDictionary(c => c, _ => new List<double>());
        var cpu = cases.ToDictionary(c => c, _ => new List<double>());
        var self = Process.GetCurrentProcess();
        for (int r = 0; r <= repeats; r++)
            foreach (var s in setups)
            {
                self.Refresh();
                var cpu0 = self.TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                using (var scope = NewDisposeScope())
                using (no_grad())
                    foreach (var b in s.Batches) _ = s.Dit.Predict(b).NoiseX.sum().item<float>();
                sw.Stop();
                self.Refresh();
                if (r == 0) continue; // warm-up
                wall[s.Case].Add(sw.Elapsed.TotalSeconds);
                cpu[s.Case].Add((self.TotalProcessorTime - cpu0).TotalSeconds);
            }
        Console.WriteLine($"DiT-S, one reverse step over the plan, {get_num_threads()} threads, {repeats} repeats (min / median)");
        Console.WriteLine("| case | molecules | padded node slots | wall per step | CPU time per step | CPU time per molecule per step |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var s in setups)
        {
            var w = wall[s.Case].Order().ToArray();
            var c = cpu[s.Case].Order().ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {s.Case} | {s.Molecules} | {s.Slots} | {w[0]:F2} / {w[w.Length / 2]:F2} s | {c[0]:F2} / {c[c.Length / 2]:F2} s | {1000 * c[0] / s.Molecules:F1} ms |"));
        }
        foreach (var d in new[] { "QM9", "GEOM" })
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{d}: padded / efficient = {cpu[d + " padded"].Min() / cpu[d + " efficient"].Min():F2}x (CPU time), {wall[d + " padded"].Min() / wall[d + " efficient"].Min():F2}x (wall, min)"));
        foreach (var s in setups) s.Dit.Dispose();
        return 0;
    }
}
