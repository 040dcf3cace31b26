using System.Globalization;
using System.Text;
using Stp.Data;

namespace Stp.Metrics.Structure;

/// <summary>Jensen-Shannon divergences of bond lengths and angles between a generated and a reference set.</summary>
public sealed class StructureComparison
{
    internal StructureComparison(IReadOnlyList<DivergenceEntry> pairs, IReadOnlyList<DivergenceEntry> typed, IReadOnlyList<DivergenceEntry> angles)
    {
        BondLengthsByPair = pairs;
        BondLengthsByType = typed;
        BondAngles = angles;
    }

    /// <summary>Bond lengths by element pair (first entry "all" when pooled counts suffice).</summary>
    public IReadOnlyList<DivergenceEntry> BondLengthsByPair { get; }
    /// <summary>Bond lengths by element pair and bond type.</summary>
    public IReadOnlyList<DivergenceEntry> BondLengthsByType { get; }
    /// <summary>Bond angles by neighbour-centre-neighbour elements.</summary>
    public IReadOnlyList<DivergenceEntry> BondAngles { get; }

    /// <summary>CSV: family, key, reference_count, generated_count, jsd.</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder("family,key,reference_count,generated_count,jsd\n");
        void Add(string family, IEnumerable<DivergenceEntry> es)
        {
            foreach (var e in es)
                sb.Append(CultureInfo.InvariantCulture, $"{family},{e.Key},{e.ReferenceCount},{e.GeneratedCount},{e.Divergence.ToString("R", CultureInfo.InvariantCulture)}\n");
        }
        Add("bond_length_pair", BondLengthsByPair);
        Add("bond_length_type", BondLengthsByType);
        Add("bond_angle", BondAngles);
        return sb.ToString();
    }

    /// <summary>Writes <see cref="ToCsv"/> atomically.</summary>
    public void WriteCsv(string path) => AtomicFile.WriteAllText(path, ToCsv());
}
