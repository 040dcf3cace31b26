using System.Text.Json.Serialization;

namespace Stp.Data;

/// <summary>
/// EDM's histogram of one property over the training molecules of one size (<c>DistributionProperty</c>): <see cref="Bins"/>
/// equal bins between the smallest and the largest value, bin i = floor((v - min) / (max - min + 1e-12) x bins), clamped
/// to bins - 1. A draw picks a bin by its frequency, then a value uniformly in [min + i/bins (max - min),
/// min + (i + 1)/bins (max - min)).
/// </summary>
public sealed class PropertyHistogram
{
    private readonly int[] _bins;
    private readonly double[] _cumulative;

    /// <summary>Creates the histogram from its counts per bin (sparse; bins without molecules left out).</summary>
    /// <param name="min">Smallest value.</param>
    /// <param name="max">Largest value (>= <paramref name="min"/>).</param>
    /// <param name="bins">Number of bins (EDM: 1000).</param>
    /// <param name="counts">Molecules per bin index 0..bins-1 (positive counts, at least one bin).</param>
    [JsonConstructor]
    public PropertyHistogram(double min, double max, int bins, IReadOnlyDictionary<int, long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (!double.IsFinite(min) || !double.IsFinite(max) || max < min)
            throw new ArgumentOutOfRangeException(nameof(max), max, $"The range [{min}, {max}] must be finite with max >= min.");
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        var sparse = new SortedDictionary<int, long>();
        foreach (var (bin, count) in counts)
        {
            if (bin < 0 || bin >= bins) throw new ArgumentOutOfRangeException(nameof(counts), bin, $"Bin {bin} is outside 0..{bins - 1}.");
            if (count < 0) throw new ArgumentOutOfRangeException(nameof(counts), count, $"Bin {bin} has a negative count.");
            if (count > 0) sparse[bin] = count;
        }
        if (sparse.Count == 0) throw new ArgumentException("The histogram holds no molecule.", nameof(counts));
        Min = min; Max = max; Bins = bins; Counts = sparse;
        _bins = sparse.Keys.ToArray();
        Total = sparse.Values.Sum();
        _cumulative = new double[_bins.Length];
        long acc = 0;
        for (int i = 0; i < _bins.Length; i++) { acc += sparse[_bins[i]]; _cumulative[i] = (double)acc / Total; }
    }

    /// <summary>Smallest value.</summary>
    public double Min { get; }

    /// <summary>Largest value.</summary>
    public double Max { get; }

    /// <summary>Number of bins.</summary>
    public int Bins { get; }

    /// <summary>Molecules per non-empty bin.</summary>
    public IReadOnlyDictionary<int, long> Counts { get; }

    /// <summary>Number of molecules counted.</summary>
    [JsonIgnore]
    public long Total { get; }

    /// <summary>EDM's bin of <paramref name="value"/>: floor((v - min) / (max - min + 1e-12) x bins), clamped to 0..bins-1.</summary>
    public static int BinOf(double value, double min, double max, int bins)
    {
        double i = Math.Floor((value - min) / (max - min + 1e-12) * bins);
        return (int)Math.Clamp(i, 0, bins - 1);
    }

    /// <summary>The left edge of bin <paramref name="bin"/> as EDM's <c>_idx2value</c> computes it: min + bin / bins x (max - min).</summary>
    public double LeftEdge(int bin) => (double)bin / Bins * (Max - Min) + Min;

    /// <summary>The histogram of <paramref name="values"/> (at least one, all finite) with <paramref name="bins"/> bins.</summary>
    public static PropertyHistogram FromValues(IReadOnlyList<double> values, int bins = PropertyDistribution.DefaultBins)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("No values.", nameof(values));
        if (values.Any(v => !double.IsFinite(v))) throw new ArgumentException("The values must be finite.", nameof(values));
        double min = values.Min(), max = values.Max();
        var counts = new Dictionary<int, long>();
        foreach (var v in values)
        {
            int b = BinOf(v, min, max, bins);
            counts[b] = counts.GetValueOrDefault(b) + 1;
        }
        return new PropertyHistogram(min, max, bins, counts);
    }

    /// <summary>A value for the uniforms <paramref name="binDraw"/> (picks the bin) and <paramref name="withinBin"/> (the place in it), both in [0, 1).</summary>
    public double Sample(double binDraw, double withinBin)
    {
        int k = Array.BinarySearch(_cumulative, binDraw);
        if (k < 0) k = ~k;
        int bin = _bins[Math.Min(k, _bins.Length - 1)];
        double left = LeftEdge(bin), right = LeftEdge(bin + 1);
        return left + withinBin * (right - left);
    }
}
