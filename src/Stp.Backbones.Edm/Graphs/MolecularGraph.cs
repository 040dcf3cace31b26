using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.Graphs;

/// <summary>
/// The fully connected graph of a padded batch, over real atoms only: nodes are the real atoms of all molecules,
/// numbered molecule by molecule ("compact" numbering), and edges are the ordered pairs (i, j), i != j, of atoms of
/// the same molecule (block-diagonal; no self pairs, no padding). Messages flow from <see cref="Col"/> (sender j)
/// to <see cref="Row"/> (receiver i), as in EDM. The tensors are owned by the graph (not by any dispose scope).
/// </summary>
internal sealed class MolecularGraph : IDisposable
{
    private MolecularGraph(long[] atomCounts, int paddedSize, Device device)
    {
        AtomCounts = atomCounts;
        PaddedSize = paddedSize;
        int batch = atomCounts.Length;
        long nodes = 0, edges = 0;
        foreach (var n in atomCounts)
        {
            if (n < 0 || n > paddedSize)
                throw new ArgumentException($"Atom count {n} is outside 0..{paddedSize} (the padded size of the batch).", nameof(atomCounts));
            nodes += n;
            edges += n * (n - 1);
        }
        NodeCount = nodes;
        EdgeCount = edges;

        var nodeIndex = new long[nodes];
        var molecule = new long[nodes];
        var invDegree = new float[nodes];
        var row = new long[edges];
        var col = new long[edges];
        var invCount = new float[batch];
        long node = 0, edge = 0;
        for (int b = 0; b < batch; b++)
        {
            long n = atomCounts[b], offset = node;
            invCount[b] = 1f / Math.Max(n, 1);
            for (long i = 0; i < n; i++)
            {
                nodeIndex[node] = (long)b * paddedSize + i;
                molecule[node] = b;
                invDegree[node] = 1f / Math.Max(n - 1, 1);
                node++;
                for (long j = 0; j < n; j++)
                {
                    if (i == j) continue;
                    row[edge] = offset + i;
                    col[edge] = offset + j;
                    edge++;
                }
            }
        }

        NodeIndex = Owned(torch.tensor(nodeIndex, device: device));
        MoleculeOfNode = Owned(torch.tensor(molecule, device: device));
        Row = Owned(torch.tensor(row, device: device));
        Col = Owned(torch.tensor(col, device: device));
        InverseDegree = Owned(torch.tensor(invDegree, device: device).unsqueeze(1));
        InverseAtomCounts = Owned(torch.tensor(invCount, device: device).unsqueeze(1));
    }

    /// <summary>Real atoms per molecule.</summary>
    public long[] AtomCounts { get; }

    /// <summary>Number of molecules B.</summary>
    public int BatchSize => AtomCounts.Length;

    /// <summary>Padded node count N of the batch the graph was made for.</summary>
    public int PaddedSize { get; }

    /// <summary>Number of real atoms M over the batch.</summary>
    public long NodeCount { get; }

    /// <summary>Number of directed edges E = sum n (n - 1).</summary>
    public long EdgeCount { get; }

    /// <summary>[M] int64: flat padded index b * N + i of every real atom.</summary>
    public Tensor NodeIndex { get; }

    /// <summary>[M] int64: molecule b of every real atom.</summary>
    public Tensor MoleculeOfNode { get; }

    /// <summary>[E] int64: receiving atom i of each edge (compact numbering).</summary>
    public Tensor Row { get; }

    /// <summary>[E] int64: sending atom j of each edge (compact numbering).</summary>
    public Tensor Col { get; }

    /// <summary>[M, 1] float32: 1 / max(n - 1, 1), for mean aggregation.</summary>
    public Tensor InverseDegree { get; }

    /// <summary>[B, 1] float32: 1 / max(n, 1), for centre-of-mass removal.</summary>
    public Tensor InverseAtomCounts { get; }

    /// <summary>The rows of the real atoms of a padded tensor [B, N, k], in compact numbering: [M, k].</summary>
    public Tensor Gather(Tensor padded)
    {
        using var flat = padded.reshape(BatchSize * (long)PaddedSize, padded.shape[2]);
        return flat.index_select(0, NodeIndex);
    }

    /// <summary>The padded tensor [B, N, k] (zero on padding) whose real-atom rows are <paramref name="compact"/> [M, k].</summary>
    public Tensor Scatter(Tensor compact)
    {
        long k = compact.shape[1];
        using var zeros = torch.zeros(BatchSize * (long)PaddedSize, k, dtype: compact.dtype, device: compact.device);
        using var filled = zeros.index_copy(0, NodeIndex, compact);
        return filled.reshape(BatchSize, PaddedSize, k);
    }

    /// <summary>Compact values [M, k] with each molecule's mean over its real atoms removed (zero centre of mass).</summary>
    public Tensor RemoveMean(Tensor compact)
    {
        using var zeros = torch.zeros(BatchSize, compact.shape[1], dtype: compact.dtype, device: compact.device);
        using var sum = zeros.index_add(0, MoleculeOfNode, compact, 1);
        using var mean = sum * InverseAtomCounts;
        using var perNode = mean.index_select(0, MoleculeOfNode);
        return compact - perNode;
    }

    /// <summary>Builds the graph of a batch with the given atom counts and padded size on <paramref name="device"/>.</summary>
    public static MolecularGraph Build(long[] atomCounts, int paddedSize, Device device) => new(atomCounts, paddedSize, device);

    private static Tensor Owned(Tensor t) => t.DetachFromDisposeScope();

    /// <inheritdoc />
    public void Dispose()
    {
        NodeIndex.Dispose();
        MoleculeOfNode.Dispose();
        Row.Dispose();
        Col.Dispose();
        InverseDegree.Dispose();
        InverseAtomCounts.Dispose();
    }
}
