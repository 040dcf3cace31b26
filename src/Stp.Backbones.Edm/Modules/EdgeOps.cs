using Stp.Runtime;
using Stp.Backbones.Edm.Graphs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Stp.Backbones.Edm.Modules;

/// <summary>Edge-level building blocks shared by the invariant and the coordinate layers.</summary>
internal static class EdgeOps
{
    /// <summary>
    /// The first Linear of an edge MLP applied to [h_i, h_j, e_ij] without building the concatenation:
    /// W [h_i, h_j, e_ij] + b = (W_a h + b)_i + (W_b h)_j + W_c e_ij. Every node is projected once (two M x nf GEMMs),
    /// then the projections are gathered per edge. Parameters keep PyTorch's layout (out, 2 nf + edge features).
    /// <paramref name="edgeAttr"/> is null for a layer without edge features (input [h_i, h_j]).
    /// </summary>
    public static Tensor FirstLinear(Linear layer, Tensor h, Tensor? edgeAttr, MolecularGraph graph)
    {
        long nf = h.shape[1];
        var w = layer.weight!;
        using var source = F.linear(h, w.narrow(1, 0, nf), layer.bias);
        using var target = F.linear(h, w.narrow(1, nf, nf));
        var edges = source.index_select(0, graph.Row);
        using var gathered = target.index_select(0, graph.Col);
        edges.AddInPlace(gathered);
        if (edgeAttr is null) return edges;
        using var wc = w.narrow(1, 2 * nf, edgeAttr.shape[1]).t();
        return edges.addmm_(edgeAttr, wc);
    }

    /// <summary>Sums (or averages) edge values onto their receiving nodes: [E, k] -> [M, k].</summary>
    public static Tensor Aggregate(Tensor edgeValues, MolecularGraph graph, EgnnAggregation aggregation, double normalizationFactor)
    {
        using var zeros = torch.zeros(graph.NodeCount, edgeValues.shape[1], dtype: edgeValues.dtype, device: edgeValues.device);
        var sum = zeros.IndexAdd(0, graph.Row, edgeValues);
        if (aggregation == EgnnAggregation.Mean)
        {
            using (sum) return sum * graph.InverseDegree;
        }
        if (normalizationFactor == 1.0) return sum;
        using (sum) return sum.DividedBy(normalizationFactor);
    }

    /// <summary>Squared distances ||x_i - x_j||^2 per edge, [E, 1], and the differences x_i - x_j, [E, 3].</summary>
    public static (Tensor Radial, Tensor Difference) Distances(Tensor x, MolecularGraph graph)
    {
        using var xi = x.index_select(0, graph.Row);
        using var xj = x.index_select(0, graph.Col);
        var diff = xi - xj;
        using var sq = diff.Squared();
        return (sq.sum(1, keepdim: true), diff);
    }
}
