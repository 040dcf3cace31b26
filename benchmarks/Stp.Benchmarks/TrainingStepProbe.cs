using System.Diagnostics;
using Stp.Backbones.Edm;
using Stp.Data;
using Stp.Diffusion;
using Stp.Training;
using static TorchSharp.torch;

namespace Stp.Benchmarks;

/// <summary>
/// The QM9 training step by model size, in a fresh process, with its phases and a GEMM-only lower bound:
/// <c>train-step tiny|small|medium|released [steps] [batch] [--geom] [--low-memory]</c> (QM9, or GEOM-Drugs with
/// <c>--geom</c>; <c>--low-memory</c>: glibc serves large buffers with mmap, as <c>stp train --low-memory</c>).
/// The trainer runs EDM's recipe (AdamW amsgrad, EMA 0.999, adaptive clipping, StP) over 50 batches of synthetic
/// molecules with sizes drawn from QM9's p(N), so batches (and their edge lists) change from step to step as in real
/// training. Per step it reports the phases the trainer records (batch assembly, forward + loss, backward, gradient
/// norm, AdamW, EMA); at the end the medians, the peak resident set and the GEMM-only bound: the measured time of
/// exactly the matrix products one step must do (each Linear's forward product and its two backward products, on the
/// real-edge and node shapes of the median batch), everything else assumed free.
/// </summary>
public static class TrainingStepProbe
{
    public static int Run(string[] args)
    {
        bool geom = args.Contains("--geom"), lowMemory = args.Contains("--low-memory");
        args = args.Where(a => a is not ("--geom" or "--low-memory")).ToArray();
        if (lowMemory) Console.WriteLine($"NativeMemory.ServeLargeAllocationsWithMmap: {Stp.Runtime.NativeMemory.ServeLargeAllocationsWithMmap()}");
        if (args.Length < 1) { Console.Error.WriteLine("usage: train-step tiny|small|medium|released [steps=40] [batch=64] [--geom] [--low-memory]"); return 2; }
        string size = args[0].ToLowerInvariant();
        int steps = args.Length > 1 ? int.Parse(args[1]) : 40, batch = args.Length > 2 ? int.Parse(args[2]) : 64;
        string dataset = geom ? "GEOM" : "QM9";
        var (released, features, _, prior) = DiffusionWorkloads.Config(dataset);
        var egnn = size switch
        {
            "tiny" => EgnnOptions.Small(features.Count, hiddenFeatures: 32, layers: 2),
            "small" => EgnnOptions.Small(features.Count),
            "medium" => EgnnOptions.Small(features.Count, hiddenFeatures: 128, layers: 6),
            "released" => released,
            _ => throw new ArgumentException($"unknown size '{size}' (tiny, small, medium, released)"),
        };
        manual_seed(0);
        var model = DiffusionModel.Create(new EgnnDenoiser(egnn), PriorKind.ScaledPrior, prior, features);
        var molecules = DiffusionWorkloads.Molecules(dataset, batch * 50, 3);
        using var trainer = new DiffusionTrainer(model, molecules, new TrainerOptions { BatchSize = batch, Seed = 1, EmaDecay = 0.999 });
        long parameters = model.Parts.Sum(p => p.Module.parameters().Sum(t => t.numel()));
        Console.WriteLine($"{dataset} training step, {size} EGNN (nf {egnn.HiddenFeatures}, {egnn.Layers} layers, {parameters:N0} parameters), batch {batch}, {get_num_threads()} threads");
        var phases = new List<StepPhaseTimes>();
        var totals = new List<double>();
        for (int i = 0; i < steps; i++)
        {
            var sw = Stopwatch.StartNew();
            trainer.TrainStep();
            totals.Add(sw.Elapsed.TotalSeconds);
            phases.Add(trainer.LastPhases);
        }
        // The first steps warm up allocator and caches: medians over the second half.
        var tail = Enumerable.Range(steps / 2, steps - steps / 2).ToList();
        double Median(Func<int, double> f) { var v = tail.Select(f).OrderBy(x => x).ToArray(); return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2; }
        double step = Median(i => totals[i]);
        Console.WriteLine($"median of steps {steps / 2 + 1}..{steps}: {step * 1000:F1} ms (min {tail.Min(i => totals[i]) * 1000:F1} ms)");
        Console.WriteLine($"  batch {Median(i => phases[i].Batch) * 1000:F1} ms, forward+loss {Median(i => phases[i].Forward) * 1000:F1} ms, backward {Median(i => phases[i].Backward) * 1000:F1} ms, " +
                          $"grad norm {Median(i => phases[i].Clip) * 1000:F1} ms, AdamW {Median(i => phases[i].Optimizer) * 1000:F1} ms, EMA {Median(i => phases[i].Ema) * 1000:F1} ms");
        Console.WriteLine($"VmHWM {DiffusionMemoryProbe.Status("VmHWM") / 1024.0:F0} MiB, VmRSS {DiffusionMemoryProbe.Status("VmRSS") / 1024.0:F0} MiB");

        // GEMM-only bound on the shapes of a mean batch (mean real edges and atoms of a batch).
        var sizes = molecules.Select(m => (long)m.AtomCount).ToArray();
        double atoms = sizes.Average() * batch, edges = sizes.Average(n => (double)n * (n - 1)) * batch;
        var (gemm, flops) = GemmBound(egnn, (long)Math.Round(atoms), (long)Math.Round(edges));
        Console.WriteLine($"GEMM-only bound (M = {atoms:F0} atoms, E = {edges:F0} real edges): {flops / 1e9:F2} GFLOP, {gemm * 1000:F1} ms measured here ({flops / gemm / 1e9:F0} GFLOP/s); step / bound = {step / gemm:F2}x");
        return 0;
    }

    /// <summary>
    /// Times the matrix products of one training step of the EGNN (split first Linear: two node products per edge MLP,
    /// the edge-feature product, the nf x nf edge product, attention and coordinate heads, the node MLP, embeddings), each
    /// forward product with its input-gradient and weight-gradient products. Returns (seconds, FLOPs).
    /// </summary>
    internal static (double Seconds, double Flops) GemmBound(EgnnOptions o, long m, long e)
    {
        int nf = o.HiddenFeatures, ef = o.EdgeFeatureCount, gcl = o.InvariantSublayers;
        // (rows, in, out, count per step)
        var shapes = new List<(long Rows, int In, int Out, int Count)>
        {
            (m, o.NodeInputCount, nf, 1), (m, nf, o.NodeInputCount, 1), // embedding, embedding_out
            (m, nf, nf, o.Layers * (gcl + 1) * 2),                      // split first Linear of edge/coord MLPs: W_a h, W_b h
            (e, ef, nf, o.Layers * (gcl + 1)),                          // W_c e_ij
            (e, nf, nf, o.Layers * (gcl + 1)),                          // second Linear of edge/coord MLPs
            (e, nf, 1, o.Layers * (1 + (o.Attention ? gcl : 0))),      // coordinate head (+ attention heads)
            (m, 2 * nf, nf, o.Layers * gcl), (m, nf, nf, o.Layers * gcl), // node MLP
        };
        double seconds = 0, flops = 0;
        foreach (var (rows, fin, fout, count) in shapes)
        {
            if (count == 0) continue;
            using var x = randn(rows, fin); using var w = randn(fout, fin); using var gy = randn(rows, fout);
            double Time(Func<Tensor> op)
            {
                for (int i = 0; i < 2; i++) op().Dispose();
                var best = double.MaxValue;
                for (int r = 0; r < 5; r++)
                {
                    var sw = Stopwatch.StartNew();
                    op().Dispose();
                    best = Math.Min(best, sw.Elapsed.TotalSeconds);
                }
                return best;
            }
            double t = Time(() => x.matmul(w.t())) + Time(() => gy.matmul(w)) + Time(() => gy.t().matmul(x));
            seconds += count * t;
            flops += count * 3.0 * 2 * rows * fin * fout;
        }
        return (seconds, flops);
    }
}
