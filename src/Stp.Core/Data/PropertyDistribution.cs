using System.Text.Json.Serialization;
using Stp.Chemistry;
using Stp.Randomness;

namespace Stp.Data;

/// <summary>
/// p(c | N), EDM's <c>DistributionProperty</c> (FACTS 1.10): for every property and every molecule size N of the
/// training molecules, a <see cref="PropertyHistogram"/> of 1000 bins. Each property is drawn from its own histogram
/// (as EDM does, not jointly). A size without training molecules uses the nearest size that has them (a tie goes to
/// the smaller size), so every size p(N) can draw gets a context. Saved with the model; draws are pure functions of
/// (seed, molecule index, property), like every other random draw of a run.
/// </summary>
public sealed class PropertyDistribution
{
    /// <summary>EDM's number of bins.</summary>
    public const int DefaultBins = 1000;

    private readonly SortedDictionary<int, PropertyHistogram>[] _bySize;
    private readonly int[][] _sizes;

    /// <summary>Creates the distribution from its histograms: one dictionary (size to histogram) per property.</summary>
    [JsonConstructor]
    public PropertyDistribution(IReadOnlyList<string> names, IReadOnlyList<IReadOnlyDictionary<int, PropertyHistogram>> histograms)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(histograms);
        if (names.Count == 0) throw new ArgumentException("At least one property is needed.", nameof(names));
        if (histograms.Count != names.Count) throw new ArgumentException($"{names.Count} names but {histograms.Count} histogram sets.", nameof(histograms));
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count) throw new ArgumentException($"Repeated property name in [{string.Join(", ", names)}].", nameof(names));
        _bySize = new SortedDictionary<int, PropertyHistogram>[names.Count];
        _sizes = new int[names.Count][];
        for (int p = 0; p < names.Count; p++)
        {
            if (histograms[p] is null || histograms[p].Count == 0) throw new ArgumentException($"Property '{names[p]}' has no histogram.", nameof(histograms));
            _bySize[p] = new SortedDictionary<int, PropertyHistogram>();
            foreach (var (n, h) in histograms[p])
            {
                if (n < 1) throw new ArgumentOutOfRangeException(nameof(histograms), n, $"Property '{names[p]}': size {n} is not an atom count.");
                _bySize[p][n] = h ?? throw new ArgumentException($"Property '{names[p]}': no histogram for size {n}.", nameof(histograms));
            }
            _sizes[p] = _bySize[p].Keys.ToArray();
        }
        Names = names.ToArray();
        Histograms = _bySize.Select(d => (IReadOnlyDictionary<int, PropertyHistogram>)d).ToArray();
    }

    /// <summary>The properties.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Per property (in <see cref="Names"/> order), the histogram of every size with training molecules.</summary>
    public IReadOnlyList<IReadOnlyDictionary<int, PropertyHistogram>> Histograms { get; }

    /// <summary>p(c | N) of <paramref name="molecules"/> (values read from their properties; an error names the molecule without one).</summary>
    public static PropertyDistribution FromMolecules(IReadOnlyList<string> names, IReadOnlyList<Molecule> molecules, int bins = DefaultBins)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(molecules);
        if (molecules.Count == 0) throw new ArgumentException("No molecules to build p(c | N) from.", nameof(molecules));
        var sets = new List<IReadOnlyDictionary<int, PropertyHistogram>>();
        foreach (var name in names)
        {
            var values = molecules.Select((m, i) => (m.AtomCount, Value: ContextProperties.Value(m, name, i)));
            sets.Add(values.GroupBy(v => v.AtomCount)
                .ToDictionary(g => g.Key, g => PropertyHistogram.FromValues(g.Select(v => v.Value).ToList(), bins)));
        }
        return new PropertyDistribution(names, sets);
    }

    /// <summary>The size whose histogram serves molecules of <paramref name="size"/> atoms for <paramref name="property"/>: the size itself when it has training molecules, else the nearest one (ties: the smaller).</summary>
    public int ResolveSize(string property, int size)
    {
        var sizes = _sizes[IndexOf(property)];
        int k = Array.BinarySearch(sizes, size);
        if (k >= 0) return sizes[k];
        k = ~k;
        if (k == 0) return sizes[0];
        if (k == sizes.Length) return sizes[^1];
        return size - sizes[k - 1] <= sizes[k] - size ? sizes[k - 1] : sizes[k];
    }

    /// <summary>The histogram used for molecules of <paramref name="size"/> atoms (see <see cref="ResolveSize"/>).</summary>
    public PropertyHistogram Histogram(string property, int size) => _bySize[IndexOf(property)][ResolveSize(property, size)];

    /// <summary>Raw values (one per property, in <see cref="Names"/> order) for molecule <paramref name="index"/> of a run with <paramref name="seed"/>, of <paramref name="size"/> atoms.</summary>
    public double[] SampleValues(int size, long seed, long index)
    {
        var result = new double[Names.Count];
        for (int p = 0; p < Names.Count; p++)
        {
            var h = _bySize[p][ResolveSize(Names[p], size)];
            result[p] = h.Sample(CounterRandom.Uniform(RandomDomain.Context, seed, index, p, 0), CounterRandom.Uniform(RandomDomain.Context, seed, index, p, 1));
        }
        return result;
    }

    /// <summary>Raw values for every molecule (molecule i has <paramref name="sizes"/>[i] atoms).</summary>
    public double[][] Sample(IReadOnlyList<int> sizes, long seed)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        return sizes.Select((n, i) => SampleValues(n, seed, i)).ToArray();
    }

    /// <summary>
    /// Normalised contexts for a sampling plan: for molecule i, the properties of <paramref name="context"/> (in its order)
    /// drawn from p(c | N = sizes[i]) and normalised with its mean and MAD.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="context"/> names a property this distribution does not have.</exception>
    public float[][] SampleContexts(IReadOnlyList<int> sizes, ContextProperties context, long seed)
    {
        ArgumentNullException.ThrowIfNull(context);
        var columns = context.Names.Select(IndexOf).ToArray();
        return Sample(sizes, seed).Select(v => context.Normalize(columns.Select(c => v[c]).ToArray())).ToArray();
    }

    private int IndexOf(string property)
    {
        for (int i = 0; i < Names.Count; i++) if (Names[i] == property) return i;
        throw new ArgumentException($"p(c | N) has no property '{property}' (it has {string.Join(", ", Names)}).", nameof(property));
    }
}
