using Stp.Backbones.Edm.Graphs;
using Stp.Chemistry;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Metrics.Properties.Modules;

/// <summary>
/// Molecules as the predictor sees them: the real atoms of all molecules (compact numbering), their one-hot types [M, K]
/// and positions [M, 3] in Angstrom, the fully connected real-pair graph (EDM's edge_mask: no self pairs, no padding) and
/// N / 29 per molecule for the numnodes baseline. The tensors are owned by the batch.
/// </summary>
internal sealed class PredictorBatch : IDisposable
{
    private PredictorBatch(Tensor oneHot, Tensor positions, MolecularGraph graph, Tensor sizeFraction)
    {
        OneHot = oneHot; Positions = positions; Graph = graph; SizeFraction = sizeFraction;
    }

    public Tensor OneHot { get; }

    public Tensor Positions { get; }

    public MolecularGraph Graph { get; }

    /// <summary>[B, 1]: atom count / 29, as EDM's NumNodes model reads it.</summary>
    public Tensor SizeFraction { get; }

    public int Count => Graph.BatchSize;

    /// <summary>Builds the batch; <paramref name="indices"/> name the molecules in errors.</summary>
    /// <exception cref="ArgumentException">A molecule has no atoms, non-finite coordinates or an element outside the vocabulary.</exception>
    public static PredictorBatch Create(IReadOnlyList<Molecule> molecules, IReadOnlyList<int> indices, AtomVocabulary vocabulary, Device device)
    {
        int k = vocabulary.Count;
        long atoms = molecules.Sum(m => (long)m.AtomCount);
        var oneHot = new float[atoms * k];
        var pos = new float[atoms * 3];
        var counts = new long[molecules.Count];
        long node = 0;
        for (int b = 0; b < molecules.Count; b++)
        {
            var m = molecules[b];
            if (m.AtomCount == 0 || !m.HasFiniteCoordinates)
                throw new ArgumentException($"Molecule {indices[b]} (id {m.Id ?? "?"}) has no atoms or non-finite coordinates.");
            counts[b] = m.AtomCount;
            for (int a = 0; a < m.AtomCount; a++, node++)
            {
                int t = vocabulary.IndexOf(m.AtomicNumbers[a]);
                if (t < 0) throw new ArgumentException($"Molecule {indices[b]} (id {m.Id ?? "?"}): element Z = {m.AtomicNumbers[a]} is outside the '{vocabulary.Name}' vocabulary of the predictor.");
                oneHot[node * k + t] = 1f;
                for (int d = 0; d < 3; d++) pos[node * 3 + d] = (float)m.Positions[3 * a + d];
            }
        }
        var graph = MolecularGraph.Build(counts, (int)counts.Max(), device);
        return new PredictorBatch(
            tensor(oneHot, new[] { atoms, k }, device: device).DetachFromDisposeScope(),
            tensor(pos, new[] { atoms, 3L }, device: device).DetachFromDisposeScope(),
            graph,
            tensor(counts.Select(c => c / 29f).ToArray(), new long[] { counts.Length, 1 }, device: device).DetachFromDisposeScope());
    }

    public void Dispose()
    {
        OneHot.Dispose(); Positions.Dispose(); Graph.Dispose(); SizeFraction.Dispose();
    }
}
