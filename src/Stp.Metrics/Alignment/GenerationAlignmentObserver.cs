using Stp.Sampling;
using static TorchSharp.torch;

namespace Stp.Metrics.Alignment;

/// <summary>
/// Generation-target alignment (paper eq. 9) as a sampling observer. At each reverse step it copies, per molecule,
/// the predicted clean coordinates x_hat_t and the argmax atom class of h_hat_t (first <c>atomClassCount</c>
/// feature columns). <see cref="Compute"/> then gives, per step and per size N,
/// gamma_t = &lt;x_hat_t, x_hat_0&gt; / ||x_hat_0||^2 and beta_t = fraction of atoms whose class equals the final class,
/// where x_hat_0 is the prediction at the final step (the smallest step seen for that molecule).
/// Works with several sampling batches (molecules are keyed by <see cref="SamplingStep.MoleculeIds"/>).
/// Memory: steps x atoms x 3 floats per molecule; use <c>stride</c> to keep every k-th step only.
/// </summary>
public sealed class GenerationAlignmentObserver : ISamplingObserver
{
    private readonly int _classes;
    private readonly int _stride;
    private readonly Dictionary<int, List<(int Step, float[] X, int[] Types)>> _records = new();
    private readonly object _lock = new();

    /// <summary>Creates the observer.</summary>
    /// <param name="atomClassCount">K: the one-hot block width at the start of the features (vocabulary size).</param>
    /// <param name="stride">Record steps with t % stride == 0 (the final step t = 0 is always recorded). Default 1.</param>
    public GenerationAlignmentObserver(int atomClassCount, int stride = 1)
    {
        if (atomClassCount < 1) throw new ArgumentOutOfRangeException(nameof(atomClassCount), "Need at least one atom class.");
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), "Stride must be >= 1.");
        _classes = atomClassCount;
        _stride = stride;
    }

    /// <summary>Number of molecules seen so far.</summary>
    public int MoleculeCount { get { lock (_lock) return _records.Count; } }

    /// <inheritdoc />
    public bool Observes(int step) => step % _stride == 0 || step == 0;

    /// <inheritdoc />
    public void OnStep(SamplingStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (!Observes(step.Step)) return;
        using var scope = NewDisposeScope();
        var x = step.PredictedPositions.detach().cpu().to_type(ScalarType.Float32).contiguous();
        var h = step.PredictedClassScores.detach().cpu().to_type(ScalarType.Float32).contiguous();
        var counts = step.AtomCounts.detach().cpu().to_type(ScalarType.Int64).contiguous();
        long b = x.shape[0], n = x.shape[1], f = h.shape[2];
        if (f < _classes) throw new ArgumentException($"Features have {f} columns; the observer expects at least {_classes} atom classes.", nameof(step));
        var xs = x.data<float>().ToArray();
        var hs = h.data<float>().ToArray();
        var ns = counts.data<long>().ToArray();
        if (step.MoleculeIds.Count != b) throw new ArgumentException($"{step.MoleculeIds.Count} molecule ids for a batch of {b}.", nameof(step));
        lock (_lock)
        {
            for (int m = 0; m < b; m++)
            {
                int atoms = (int)Math.Min(ns[m], n);
                var pos = new float[3 * atoms];
                Array.Copy(xs, m * n * 3, pos, 0, 3 * atoms);
                var types = new int[atoms];
                for (int a = 0; a < atoms; a++)
                {
                    long off = (m * n + a) * f;
                    int best = 0;
                    for (int k = 1; k < _classes; k++) if (hs[off + k] > hs[off + best]) best = k;
                    types[a] = best;
                }
                int id = step.MoleculeIds[m];
                if (!_records.TryGetValue(id, out var list)) _records[id] = list = new List<(int, float[], int[])>();
                list.Add((step.Step, pos, types));
            }
        }
    }

    /// <summary>Forgets everything recorded.</summary>
    public void Reset() { lock (_lock) _records.Clear(); }

    /// <summary>Computes the curves from what was recorded.</summary>
    public AlignmentResult Compute()
    {
        // (N, step) -> sums; N = 0 for all sizes
        var acc = new Dictionary<(int N, int Step), (int Count, double Gamma, int GammaCount, double Beta)>();
        lock (_lock)
        {
            foreach (var (_, list) in _records)
            {
                var final = list[0];
                foreach (var r in list) if (r.Step < final.Step) final = r;
                double norm2 = 0;
                foreach (var v in final.X) norm2 += (double)v * v;
                int atoms = final.Types.Length;
                foreach (var r in list)
                {
                    if (r.Types.Length != atoms) continue;
                    double dot = 0;
                    for (int i = 0; i < r.X.Length; i++) dot += (double)r.X[i] * final.X[i];
                    int same = 0;
                    for (int i = 0; i < atoms; i++) if (r.Types[i] == final.Types[i]) same++;
                    double beta = atoms == 0 ? 1 : (double)same / atoms;
                    bool hasGamma = norm2 > 0;
                    double gamma = hasGamma ? dot / norm2 : 0;
                    foreach (var key in new[] { (atoms, r.Step), (0, r.Step) })
                    {
                        acc.TryGetValue(key, out var a);
                        acc[key] = (a.Count + 1, a.Gamma + gamma, a.GammaCount + (hasGamma ? 1 : 0), a.Beta + beta);
                    }
                }
            }
        }
        AlignmentPoint Point(KeyValuePair<(int N, int Step), (int Count, double Gamma, int GammaCount, double Beta)> kv) =>
            new(kv.Key.Step, kv.Key.N, kv.Value.Count, kv.Value.GammaCount == 0 ? double.NaN : kv.Value.Gamma / kv.Value.GammaCount, kv.Value.Beta / kv.Value.Count);
        var bySize = acc.Where(kv => kv.Key.N != 0).OrderBy(kv => kv.Key.N).ThenByDescending(kv => kv.Key.Step).Select(Point).ToList();
        var overall = acc.Where(kv => kv.Key.N == 0).OrderByDescending(kv => kv.Key.Step).Select(Point).ToList();
        return new AlignmentResult(bySize, overall);
    }
}
