namespace Stp.Sampling;

/// <summary>One batch of a <see cref="SamplingPlan"/>: which molecules, their sizes, the padded node count and contexts.</summary>
/// <param name="MoleculeIds">Index of each molecule in the run.</param>
/// <param name="Sizes">Atom count of each molecule.</param>
/// <param name="PaddedSize">Node dimension of the batch tensors.</param>
/// <param name="Contexts">Normalised context of each molecule (conditional models), or null.</param>
public sealed record SamplingBatch(IReadOnlyList<int> MoleculeIds, IReadOnlyList<int> Sizes, int PaddedSize, IReadOnlyList<float[]>? Contexts = null)
{
    /// <summary>Real directed atom pairs of the batch, sum of N_i (N_i - 1): the edge work of a fully connected backbone.</summary>
    public long RealEdges => Sizes.Sum(n => (long)n * (n - 1));
}
