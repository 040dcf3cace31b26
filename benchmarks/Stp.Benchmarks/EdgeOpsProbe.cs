using System.Diagnostics;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Stp.Benchmarks;

/// <summary>
/// The cost of the single operations an EGNN layer runs over edge tensors, in a fresh process: <c>edge-ops [nf=64]</c>.
/// The graph is a QM9 batch of 64 complete molecular graphs (random sizes 14..23 atoms, about 1,160 atoms and 21,000
/// real edges, rows sorted as the EGNN builds them); each operation's best of 15 runs after 3 warm-ups, forward only.
/// It tells where a training step's time goes once the GEMMs are accounted for (benchmarks/README.md).
/// </summary>
public static class EdgeOpsProbe
{
    public static int Run(string[] args)
    {
        int nf = args.Length > 0 ? int.Parse(args[0]) : 64;
        manual_seed(0);
        var sizes = new List<int>();
        var rng = new Random(1);
        for (long atoms = 0; atoms < 1155;) { int n = 14 + rng.Next(10); sizes.Add(n); atoms += n; }
        var rows = new List<long>(); var cols = new List<long>(); long offset = 0;
        foreach (var n in sizes)
        {
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) if (i != j) { rows.Add(offset + i); cols.Add(offset + j); }
            offset += n;
        }
        long m = offset, e = rows.Count;
        using var row = tensor(rows.ToArray()); using var col = tensor(cols.ToArray());
        using var h = randn(m, nf); using var a = randn(e, nf); using var b = randn(e, nf); using var narrow1 = randn(e, 1);
        using var w = randn(nf, nf); using var bias = randn(nf); using var attr = randn(e, 2); using var wAttr = randn(2, nf); using var head = randn(1, nf);
        Console.WriteLine($"{m} atoms, {e} real edges, nf {nf}, {get_num_threads()} threads; best of 15 (ms)");
        void Time(string name, Func<Tensor> op)
        {
            for (int i = 0; i < 3; i++) op().Dispose();
            double best = double.MaxValue;
            for (int r = 0; r < 15; r++) { var sw = Stopwatch.StartNew(); op().Dispose(); best = Math.Min(best, sw.Elapsed.TotalSeconds); }
            Console.WriteLine($"  {name,-44} {best * 1000,8:F3}");
        }
        Time("Linear [E,nf] x [nf,nf] + bias (GEMM)", () => F.linear(a, w, bias));
        Time("index_select h[row] -> [E,nf]", () => h.index_select(0, row));
        Time("index_add [E,nf] -> [M,nf]", () => { var z = zeros(m, nf); z.index_add_(0, row, a, 1.0); return z; });
        Time("add [E,nf]", () => a + b);
        Time("SiLU [E,nf]", () => F.silu(a));
        Time("sigmoid [E,nf]", () => sigmoid(a));
        Time("mul [E,nf] x [E,1] (attention gate)", () => a * narrow1);
        Time("edge features addmm [E,2] x [2,nf]", () => a.addmm(attr, wAttr));
        Time("head Linear [E,nf] -> [E,1]", () => F.linear(a, head));
        Time("SiLU forward + backward [E,nf]", () =>
        {
            using var x = a.detach().requires_grad_(true);
            using var y = F.silu(x);
            y.backward(new[] { b });
            return x.grad!;
        });
        Time("identity (x * 1) forward + backward [E,nf]", () =>
        {
            using var x = a.detach().requires_grad_(true);
            using var y = x * 1.0;
            y.backward(new[] { b });
            return x.grad!;
        });
        return 0;
    }
}
