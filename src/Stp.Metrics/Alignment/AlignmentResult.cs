using System.Globalization;
using System.Text;
using Stp.Data;
using Stp.Metrics.Reports;

namespace Stp.Metrics.Alignment;

/// <summary>Alignment curves per step, per size and over all sizes; CSV output and plot series (the paper's figure 3).</summary>
public sealed class AlignmentResult
{
    internal AlignmentResult(IReadOnlyList<AlignmentPoint> bySize, IReadOnlyList<AlignmentPoint> overall)
    {
        BySize = bySize;
        Overall = overall;
    }

    /// <summary>Points for each (step, N), ordered by N then descending step.</summary>
    public IReadOnlyList<AlignmentPoint> BySize { get; }

    /// <summary>Points over all sizes (AtomCount = 0), descending step.</summary>
    public IReadOnlyList<AlignmentPoint> Overall { get; }

    /// <summary>Sizes present.</summary>
    public IReadOnlyList<int> Sizes => BySize.Select(p => p.AtomCount).Distinct().Order().ToArray();

    /// <summary>CSV: step, n_atoms ("all" for the overall curve), molecules, gamma, beta.</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder("step,n_atoms,molecules,gamma,beta\n");
        foreach (var p in BySize.Concat(Overall))
        {
            sb.Append(p.Step.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(p.AtomCount == 0 ? "all" : p.AtomCount.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(p.Molecules.ToString(CultureInfo.InvariantCulture)).Append(',')
              .Append(p.Gamma.ToString("R", CultureInfo.InvariantCulture)).Append(',')
              .Append(p.Beta.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Writes <see cref="ToCsv"/> atomically.</summary>
    public void WriteCsv(string path) => AtomicFile.WriteAllText(path, ToCsv());

    /// <summary>
    /// The curves of gamma_t (or beta_t) against t, one per size (at most <paramref name="maxCurves"/> sizes, spread
    /// evenly over the sizes present). The Stp.Metrics.Plotting package draws them (<c>result.WritePlot(path)</c>).
    /// </summary>
    /// <param name="beta">Curves of beta_t (type agreement with the final sample) instead of gamma_t.</param>
    /// <param name="maxCurves">The most sizes drawn (at least 2: the smallest and the largest are always among them).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCurves"/> is less than 2.</exception>
    public IReadOnlyList<PlotSeries> ToPlotSeries(bool beta = false, int maxCurves = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCurves, 2);
        var sizes = Sizes;
        IEnumerable<int> chosen = sizes;
        if (sizes.Count > maxCurves)
            chosen = Enumerable.Range(0, maxCurves).Select(i => sizes[(int)Math.Round(i * (sizes.Count - 1) / (double)(maxCurves - 1))]).Distinct();
        return chosen.Select(n =>
        {
            var pts = BySize.Where(p => p.AtomCount == n && !double.IsNaN(beta ? p.Beta : p.Gamma)).ToArray();
            return new PlotSeries($"N={n}", pts.Select(p => (double)p.Step).ToArray(), pts.Select(p => beta ? p.Beta : p.Gamma).ToArray());
        }).ToList();
    }
    /// <summary>
    /// Reads a CSV written by <see cref="WriteCsv"/> (the <c>alignment.csv</c> of <c>stp analyze</c>).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The header or a row is malformed (the message names the file and line).</exception>
    public static AlignmentResult Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such alignment file.", path);
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0].Trim() != "step,n_atoms,molecules,gamma,beta")
            throw new InvalidDataException($"{path}: line 1 is not the header 'step,n_atoms,molecules,gamma,beta' of an alignment CSV.");
        var bySize = new List<AlignmentPoint>();
        var overall = new List<AlignmentPoint>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var f = lines[i].Split(',');
            const NumberStyles num = NumberStyles.Float;
            var c = CultureInfo.InvariantCulture;
            if (f.Length != 5 || !int.TryParse(f[0], NumberStyles.Integer, c, out var step) || step < 0
                || !int.TryParse(f[2], NumberStyles.Integer, c, out var molecules) || molecules < 0
                || !double.TryParse(f[3], num, c, out var gamma) || !double.TryParse(f[4], num, c, out var beta))
                throw new InvalidDataException($"{path}: line {i + 1} is not 'step,n_atoms,molecules,gamma,beta' ('{lines[i]}').");
            if (f[1] == "all") overall.Add(new AlignmentPoint(step, 0, molecules, gamma, beta));
            else if (int.TryParse(f[1], NumberStyles.Integer, c, out var n) && n > 0) bySize.Add(new AlignmentPoint(step, n, molecules, gamma, beta));
            else throw new InvalidDataException($"{path}: line {i + 1}: n_atoms '{f[1]}' is neither a positive atom count nor 'all'.");
        }
        return new AlignmentResult(
            bySize.OrderBy(p => p.AtomCount).ThenByDescending(p => p.Step).ToArray(),
            overall.OrderByDescending(p => p.Step).ToArray());
    }

    /// <summary>
    /// How far apart the sizes' curves are: the mean, over the recorded steps that every size has, of
    /// max_N - min_N of gamma_t (or beta_t). 0 when all sizes follow one curve (the paper's goal for StP); NaN with
    /// fewer than two sizes.
    /// </summary>
    /// <param name="beta">Spread of beta_t instead of gamma_t.</param>
    public double MeanSpread(bool beta = false)
    {
        var sizes = Sizes;
        if (sizes.Count < 2) return double.NaN;
        var bySize = sizes.Select(n => BySize.Where(p => p.AtomCount == n).ToDictionary(p => p.Step, p => beta ? p.Beta : p.Gamma)).ToArray();
        var common = bySize.Skip(1).Aggregate(new HashSet<int>(bySize[0].Keys), (acc, d) => { acc.IntersectWith(d.Keys); return acc; });
        if (common.Count == 0) return double.NaN;
        return common.Average(t => bySize.Max(d => d[t]) - bySize.Min(d => d[t]));
    }

    /// <summary>
    /// When each size's generation target settles: for every N, the largest recorded reverse step t from which
    /// gamma_t (and, separately, beta_t) stays at or above <paramref name="threshold"/> down to t = 0. A larger
    /// step means the target lines up earlier in the reverse process; the paper's figure 3 shows larger molecules
    /// settling earlier under EDM and StP making the sizes coincide, so the spread of these steps over N measures
    /// the size inconsistency in one number per curve family.
    /// </summary>
    /// <param name="threshold">Alignment level in (0, 1], e.g. 0.9.</param>
    /// <returns>One row per size, ascending N; a step is null when the curve never stays above the threshold.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> is not in (0, 1].</exception>
    public IReadOnlyList<AlignmentSettling> SettlingSteps(double threshold = 0.9)
    {
        if (!(threshold > 0 && threshold <= 1)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The alignment threshold must be in (0, 1].");
        static int? Settle(IEnumerable<(int Step, double Value)> curve, double level)
        {
            int? settled = null;
            foreach (var (step, value) in curve.OrderBy(p => p.Step)) // from t = 0 upwards; stop at the first dip
            {
                if (double.IsNaN(value) || value < level) break;
                settled = step;
            }
            return settled;
        }
        return Sizes.Select(n =>
        {
            var pts = BySize.Where(p => p.AtomCount == n).ToArray();
            return new AlignmentSettling(n, pts.Max(p => p.Molecules),
                Settle(pts.Select(p => (p.Step, p.Gamma)), threshold), Settle(pts.Select(p => (p.Step, p.Beta)), threshold));
        }).ToArray();
    }
}

/// <summary>
/// The settling steps of one molecule size (see <see cref="AlignmentResult.SettlingSteps"/>).
/// </summary>
/// <param name="AtomCount">N.</param>
/// <param name="Molecules">Trajectories of this size behind the curves.</param>
/// <param name="GammaStep">Largest step from which the shape alignment gamma_t stays above the threshold, or null.</param>
/// <param name="BetaStep">Largest step from which the type alignment beta_t stays above the threshold, or null.</param>
public sealed record AlignmentSettling(int AtomCount, int Molecules, int? GammaStep, int? BetaStep);
