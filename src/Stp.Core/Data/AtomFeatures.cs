using Stp.Chemistry;

namespace Stp.Data;

/// <summary>
/// How atoms become node features h: a one-hot over the dataset's <see cref="AtomVocabulary"/> (K channels), then
/// optionally the atomic number as one extra scalar channel (EDM's "charges", not a formal charge).
/// F = K + (IncludeAtomicNumber ? 1 : 0). QM9 (EDM release): H C N O F + Z; GEOM-Drugs: 16 classes, no Z channel.
/// </summary>
/// <param name="Vocabulary">The atom classes.</param>
/// <param name="IncludeAtomicNumber">Whether to append the atomic-number channel.</param>
public sealed record AtomFeatures(AtomVocabulary Vocabulary, bool IncludeAtomicNumber)
{
    /// <summary>EDM's QM9 features: 5 one-hot + Z (F = 6).</summary>
    public static AtomFeatures Qm9 { get; } = new(AtomVocabulary.Qm9, true);

    /// <summary>EDM's GEOM-Drugs features: 16 one-hot, no Z channel (F = 16).</summary>
    public static AtomFeatures GeomDrugs { get; } = new(AtomVocabulary.GeomDrugs, false);

    /// <summary>Number of feature channels F.</summary>
    public int Count => Vocabulary.Count + (IncludeAtomicNumber ? 1 : 0);

    /// <summary>Writes the (unnormalised) features of <paramref name="atomicNumber"/> into <paramref name="row"/> (length F).</summary>
    public void Encode(int atomicNumber, Span<float> row)
    {
        row.Clear();
        row[Vocabulary.ClassOf(atomicNumber)] = 1f;
        if (IncludeAtomicNumber) row[Vocabulary.Count] = atomicNumber;
    }

    /// <summary>The atomic number of a feature row: argmax over the one-hot block (all K classes).</summary>
    public int Decode(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int k = 1; k < Vocabulary.Count; k++) if (row[k] > row[best]) best = k;
        return Vocabulary.AtomicNumberOf(best);
    }
}
