using System.Globalization;
using Stp.Data;

namespace Stp.Models;

/// <summary>
/// Checks of a component description against the tensor shapes in a model file's header, for
/// <see cref="IModelComponentFactory.CheckWeights"/>: each failure is a <see cref="DataFileException"/> naming the
/// file, the entry and the option that does not fit.
/// </summary>
public static class WeightShapes
{
    /// <summary>Entry <paramref name="key"/> exists and its dimension <paramref name="axis"/> is <paramref name="expected"/> (the value of <paramref name="option"/>).</summary>
    public static void ExpectDimension(IReadOnlyDictionary<string, long[]> shapes, string key, int axis, long expected, string option, string source)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        if (!shapes.TryGetValue(key, out var shape))
            throw new DataFileException(source, $"the weights have no entry '{key}', which the model description ({option} = {expected}) needs");
        if (axis >= shape.Length || shape[axis] != expected)
            throw new DataFileException(source, $"the model description says {option} = {expected}, but entry '{key}' has shape [{string.Join(", ", shape)}]");
    }

    /// <summary>
    /// The children <c>prefix0</c>, <c>prefix1</c>, ... (e.g. "egnn.e_block_" for EGNN blocks) number exactly
    /// <paramref name="expected"/> (the value of <paramref name="option"/>).
    /// </summary>
    public static void ExpectCount(IReadOnlyDictionary<string, long[]> shapes, string prefix, int expected, string option, string source)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        var indices = new HashSet<long>();
        foreach (var key in shapes.Keys)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var rest = key.AsSpan(prefix.Length);
            int end = rest.IndexOf('.');
            if (end > 0 && long.TryParse(rest[..end], NumberStyles.None, CultureInfo.InvariantCulture, out long i)) indices.Add(i);
        }
        if (indices.Count != expected || (expected > 0 && indices.Max() != expected - 1))
            throw new DataFileException(source, $"the model description says {option} = {expected}, but the weights hold {indices.Count} entries '{prefix}<i>'");
    }

    /// <summary>The entries under <paramref name="prefix"/> with the prefix removed (a part's or submodule's own keys).</summary>
    public static Dictionary<string, long[]> Under(IReadOnlyDictionary<string, long[]> shapes, string prefix)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        return shapes.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);
    }
}
