using System.Runtime.CompilerServices;
using Stp.Chemistry;

namespace Stp.Metrics.Chemistry;

/// <summary>
/// <see cref="BondTable"/> thresholds for every pair of atom classes of one vocabulary, precomputed: the one place
/// where EDM's two look-up orders (atom-index order and type-index order) are defined. Immutable and thread-safe.
/// </summary>
internal sealed class BondLookup
{
    private static readonly ConditionalWeakTable<AtomVocabulary, BondLookup> Cache = new();

    private readonly int _k;
    // [ti * K + tj]: thresholds for the directional look-up (vocab[ti], vocab[tj]).
    private readonly BondThresholds[] _dir;
    private readonly double[] _reject2; // squared max single threshold per unordered type pair, -1 when none

    /// <summary>The (shared, cached) look-up of a vocabulary.</summary>
    public static BondLookup For(AtomVocabulary vocabulary) => Cache.GetValue(vocabulary, v => new BondLookup(v));

    private BondLookup(AtomVocabulary vocabulary)
    {
        _k = vocabulary.Count;
        _dir = new BondThresholds[_k * _k];
        _reject2 = new double[_k * _k];
        for (int i = 0; i < _k; i++)
            for (int j = 0; j < _k; j++)
                _dir[i * _k + j] = BondTable.Thresholds(vocabulary.AtomicNumberOf(i), vocabulary.AtomicNumberOf(j));
        for (int i = 0; i < _k; i++)
            for (int j = 0; j < _k; j++)
            {
                double m = Math.Max(_dir[i * _k + j].Single, _dir[j * _k + i].Single);
                _reject2[i * _k + j] = double.IsNegativeInfinity(m) ? -1 : m * m;
            }
    }

    /// <summary>False when classes <paramref name="ti"/> and <paramref name="tj"/> at squared distance
    /// <paramref name="d2"/> cannot bond in either look-up order (a cheap pre-filter).</summary>
    public bool MayBond(int ti, int tj, double d2) => d2 < _reject2[ti * _k + tj];

    /// <summary>Bond order with the pair asked as (<paramref name="ti"/>, <paramref name="tj"/>): EDM's QM9 stability path.</summary>
    public int DirectionalOrder(int ti, int tj, double d) => _dir[ti * _k + tj].Order(d);

    /// <summary>Bond order with the pair asked in type-index order: EDM's validity path, its GEOM stability path and
    /// its RDKit molecule builder.</summary>
    public int SortedOrder(int ti, int tj, double d) => ti <= tj ? _dir[ti * _k + tj].Order(d) : _dir[tj * _k + ti].Order(d);
}
