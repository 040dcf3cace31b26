using System.Diagnostics;
using System.Globalization;
using Stp.Sampling;
using static TorchSharp.torch;

namespace Stp.Benchmarks;

/// <summary>
/// Sampling time per molecule of a whole plan, in a fresh process:
/// <c>sample-plan QM9|GEOM molecules [max-edges|none] [batch] [--small]</c> (released configurations, or with
/// <c>--small</c> the small EGNN of <c>stp train --model-size small</c> (nf 64, 4 layers); random weights, sizes drawn
/// from the dataset's p(N) with seed 5). The plan is sampled once with a 1-step schedule (2 network calls per batch:
/// one reverse step and the final step), after a warm-up on its first batch; the per-molecule time of a 1000-step
/// run is extrapolated as (time / 2) x 1001 / molecules. Prints the batches, their real edges and the peak RSS.
/// </summary>
public static class SamplingThroughputProbe
{
    public static int Run(string[] args)
    {
        bool small = args.Contains("--small");
        args = args.Where(a => a != "--small").ToArray();
        if (args.Length < 2) { Console.Error.WriteLine("usage: sample-plan QM9|GEOM molecules [max-edges|none] [batch] [--small]"); return 2; }
        string dataset = args[0];
        int molecules = int.Parse(args[1], CultureInfo.InvariantCulture);
        long? cap = args.Length > 2 ? args[2] == "none" ? null : long.Parse(args[2], CultureInfo.InvariantCulture) : SamplingPlan.DefaultMaxEdgesPerBatch;
        int batch = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 100;
        var (sampler, sizes) = DiffusionWorkloads.Sampler(dataset, steps: 1, small: small);
        var plan = SamplingPlan.Efficient(sizes.Sample(molecules, seed: 5), batch, maxEdgesPerBatch: cap);
        var edges = plan.Batches.Select(b => b.RealEdges).ToArray();
        Console.WriteLine($"{dataset}{(small ? " small EGNN" : "")}: {molecules} molecules, batch {batch}, edge cap {cap?.ToString(CultureInfo.InvariantCulture) ?? "none"}: {plan.Batches.Count} batches, real edges per batch {edges.Min()}..{edges.Max()} (mean {edges.Average():F0}), {get_num_threads()} threads");
        var warm = Stopwatch.StartNew();
        sampler.Sample(SamplingPlan.Efficient(plan.Batches[0].Sizes, batch, maxEdgesPerBatch: cap), seed: 2);
        Console.WriteLine($"warm-up (first batch): {warm.Elapsed.TotalSeconds:F2} s");
        var sw = Stopwatch.StartNew();
        int n = sampler.Sample(plan, seed: 1).Count;
        double secs = sw.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sampled {n} molecules x 2 network calls in {secs:F2} s: {secs / 2 / n * 1000:F2} ms per molecule per call, {secs / 2 * 1001 / n:F1} s per molecule at 1000 steps; VmHWM {DiffusionMemoryProbe.Status("VmHWM") / 1024.0:F0} MiB"));
        return 0;
    }
}
