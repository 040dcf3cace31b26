using System.Diagnostics;
using static TorchSharp.torch;

namespace Stp.Benchmarks;

/// <summary>
/// Peak native memory of full training steps in a fresh process: <c>train-memory QM9|GEOM batch [steps]</c>.
/// Prints VmHWM (peak resident set) and VmRSS after each step (flat = no leaks), and the wall time per step.
/// </summary>
public static class DiffusionMemoryProbe
{
    public static int Run(string[] args)
    {
        if (args.Length < 2) { Console.Error.WriteLine("usage: train-memory QM9|GEOM batch [steps] [--low-memory]"); return 2; }
        int batch = int.Parse(args[1]), steps = args.Length > 2 ? int.Parse(args[2]) : 3;
        if (args.Contains("--low-memory")) Console.WriteLine($"NativeMemory.ServeLargeAllocationsWithMmap: {Stp.Runtime.NativeMemory.ServeLargeAllocationsWithMmap()}");
        using var trainer = DiffusionWorkloads.Trainer(args[0], batch);
        Console.WriteLine($"{args[0]} training step, batch {batch}, {get_num_threads()} threads; VmHWM before: {Status("VmHWM") / 1024.0:F0} MiB");
        for (int i = 0; i < steps; i++)
        {
            var sw = Stopwatch.StartNew();
            trainer.TrainStep();
            Console.WriteLine($"step {i + 1}: {sw.Elapsed.TotalSeconds:F2} s, VmRSS {Status("VmRSS") / 1024.0:F0} MiB, VmHWM {Status("VmHWM") / 1024.0:F0} MiB");
        }
        return 0;
    }

    /// <summary>A /proc/self/status field in KiB (VmHWM, VmRSS).</summary>
    internal static long Status(string key) =>
        File.ReadLines("/proc/self/status").Where(l => l.StartsWith(key + ":")).Select(l => long.Parse(l.Split(':')[1].Trim().Split(' ')[0])).FirstOrDefault();
}
