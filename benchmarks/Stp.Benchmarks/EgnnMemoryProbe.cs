using System.Diagnostics;
using Stp.Backbones.Edm;
using static TorchSharp.torch;

namespace Stp.Benchmarks;

/// <summary>
/// Native peak memory of one EGNN case in a fresh process: <c>egnn-memory QM9|GEOM forward|train [iterations]</c>.
/// Prints the process's VmHWM (peak resident set, all native and managed memory) before and after, the
/// resident set after each iteration (it must stay flat: no leaked tensors), and the median wall time.
/// </summary>
public static class EgnnMemoryProbe
{
    public static int Run(string[] args)
    {
        if (args.Length < 2) { Console.Error.WriteLine("usage: egnn-memory QM9|GEOM forward|train [iterations]"); return 2; }
        string dataset = args[0], op = args[1];
        int iterations = args.Length > 2 ? int.Parse(args[2]) : 4;
        var (options, histogram) = EgnnWorkloads.Config(dataset);
        manual_seed(0);
        using var model = new EgnnDenoiser(options);
        int batch = op == "forward" ? 100 : EgnnWorkloads.TrainingBatch(dataset);
        var sizes = EgnnWorkloads.DrawSizes(histogram, batch, seed: op == "forward" ? 1 : 2);
        var input = EgnnWorkloads.MakeBatch(sizes, options.FeatureCount, seed: op == "forward" ? 1 : 2);
        long before = Status("VmHWM");
        Console.WriteLine($"{dataset} {op}: batch {batch}, padded to {sizes.Max()}, {sizes.Sum()} atoms, {sizes.Sum(n => n * (n - 1))} real edges, {get_num_threads()} threads; VmHWM before: {before / 1024.0:F0} MiB");
        var times = new List<double>();
        var cpuTimes = new List<double>();
        var process = Process.GetCurrentProcess();
        for (int i = 0; i < iterations; i++)
        {
            process.Refresh();
            var cpu0 = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            if (op == "forward") EgnnWorkloads.Forward(model, input);
            else EgnnWorkloads.ForwardBackward(model, input);
            sw.Stop();
            process.Refresh();
            double cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
            times.Add(sw.Elapsed.TotalSeconds);
            cpuTimes.Add(cpu);
            Console.WriteLine($"  iteration {i}: wall {sw.Elapsed.TotalSeconds:F3} s, process CPU {cpu:F3} s, VmRSS {Status("VmRSS") / 1024.0:F0} MiB, live tensors {TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount}");
        }
        static double Median(IEnumerable<double> xs) { var l = xs.Order().ToList(); return l[l.Count / 2]; }
        var skip = times.Count > 1 ? 1 : 0; // the first iteration is the warm-up
        long peak = Status("VmHWM");
        Console.WriteLine($"RESULT {dataset} {op}: median wall {Median(times.Skip(skip)):F3} s, median process CPU {Median(cpuTimes.Skip(skip)):F3} s (of {times.Count - skip} after 1 warm-up), " +
            $"VmHWM {peak / 1024.0 / 1024.0:F2} GiB (before the first pass {before / 1024.0 / 1024.0:F2} GiB)");
        return 0;
    }

    /// <summary>A kB field of /proc/self/status (0 where unavailable).</summary>
    private static long Status(string field)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return 0;
        foreach (var line in File.ReadLines(path))
        {
            if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[1]);
        }
        return 0;
    }
}
