using System.Globalization;
using Stp.Chemistry;

namespace Stp.Data;

/// <summary>
/// The conditioning properties of a conditional model and their normalisation (EDM's <c>prepare_context</c>,
/// FACTS 1.10): c = (value - mean) / MAD with MAD = mean |value - mean|, statistics from the training split. The
/// normalised scalar is repeated on every real atom as one context channel per property. Saved with the model.
/// </summary>
public sealed class ContextProperties
{
    /// <summary>Creates the normalisation.</summary>
    /// <param name="names">Property names as stored in <see cref="Molecule.Properties"/> (e.g. "alpha", "gap").</param>
    /// <param name="means">Mean of each property over the training molecules.</param>
    /// <param name="mads">Mean absolute deviation of each property (positive).</param>
    public ContextProperties(IReadOnlyList<string> names, IReadOnlyList<double> means, IReadOnlyList<double> mads)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count == 0) throw new ArgumentException("At least one property is needed.", nameof(names));
        if (means.Count != names.Count || mads.Count != names.Count)
            throw new ArgumentException($"{names.Count} names, {means.Count} means and {mads.Count} MADs do not match.", nameof(means));
        for (int i = 0; i < mads.Count; i++)
            if (!(mads[i] > 0) || !double.IsFinite(mads[i]) || !double.IsFinite(means[i]))
                throw new ArgumentOutOfRangeException(nameof(mads), mads[i], $"Property '{names[i]}': mean {means[i]} and MAD {mads[i]} must be finite and the MAD positive.");
        Names = names.ToArray(); Means = means.ToArray(); Mads = mads.ToArray();
    }

    /// <summary>Property names (one context channel each).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Means.</summary>
    public IReadOnlyList<double> Means { get; }

    /// <summary>Mean absolute deviations.</summary>
    public IReadOnlyList<double> Mads { get; }

    /// <summary>Number of context channels C.</summary>
    public int Count => Names.Count;

    /// <summary>Mean and MAD of each named property over <paramref name="molecules"/> (throws naming a molecule without it).</summary>
    public static ContextProperties FromMolecules(IReadOnlyList<string> names, IReadOnlyList<Molecule> molecules)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(molecules);
        if (molecules.Count == 0) throw new ArgumentException("No molecules to compute property statistics from.", nameof(molecules));
        var means = new double[names.Count];
        var mads = new double[names.Count];
        for (int p = 0; p < names.Count; p++)
        {
            var v = molecules.Select((m, i) => Value(m, names[p], i)).ToArray();
            means[p] = v.Average();
            mads[p] = v.Average(x => Math.Abs(x - means[p]));
        }
        return new ContextProperties(names, means, mads);
    }

    /// <summary>The normalised context of a molecule (one value per property).</summary>
    public float[] Normalize(Molecule molecule)
    {
        ArgumentNullException.ThrowIfNull(molecule);
        return Normalize(Names.Select(n => Value(molecule, n, -1)).ToArray());
    }

    /// <summary>Normalises raw property values (one per property).</summary>
    public float[] Normalize(IReadOnlyList<double> values)
    {
        if (values.Count != Count) throw new ArgumentException($"{values.Count} values for {Count} properties.", nameof(values));
        return values.Select((v, i) => (float)((v - Means[i]) / Mads[i])).ToArray();
    }

    /// <summary>Raw property values of a normalised context.</summary>
    public double[] Denormalize(IReadOnlyList<float> context)
    {
        if (context.Count != Count) throw new ArgumentException($"{context.Count} values for {Count} properties.", nameof(context));
        return context.Select((c, i) => c * Mads[i] + Means[i]).ToArray();
    }

    /// <summary>The value of property <paramref name="name"/> of molecule <paramref name="index"/> (-1: unnamed); throws naming the molecule.</summary>
    internal static double Value(Molecule m, string name, int index)
    {
        string where = index >= 0 ? $"molecule {index}{(m.Id is { } id ? $" (id {id})" : "")}" : $"molecule {m.Id ?? "?"}";
        if (!m.Properties.TryGetValue(name, out var s))
            throw new ArgumentException($"{where} has no property '{name}'.");
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            throw new ArgumentException($"{where}: property '{name}' = '{s}' is not a finite number.");
        return v;
    }
}
