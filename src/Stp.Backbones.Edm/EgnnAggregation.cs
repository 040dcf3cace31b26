namespace Stp.Backbones.Edm;

/// <summary>How an EGNN node combines the messages of its neighbours.</summary>
public enum EgnnAggregation
{
    /// <summary>Sum of the messages divided by <see cref="EgnnOptions.NormalizationFactor"/> (EDM's released runs).</summary>
    Sum,

    /// <summary>
    /// Mean over the node's real neighbours (n - 1 of them in a molecule of n atoms). EDM's reference divides by
    /// the length of its padded edge list instead (N_pad including the self pair), which makes it depend on the
    /// padding; no released EDM model uses 'mean'.
    /// </summary>
    Mean,
}
