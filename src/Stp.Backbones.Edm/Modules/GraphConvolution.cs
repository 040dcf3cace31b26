using Stp.Runtime;
using Stp.Backbones.Edm.Graphs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Stp.Backbones.Edm.Modules;

/// <summary>
/// EDM's invariant graph convolution (GCL): m_ij = SiLU(W2 SiLU(W1 [h_i, h_j, e_ij])), optionally gated by
/// sigmoid(att(m_ij)); aggregated onto i; residual node update h_i + W4 SiLU(W3 [h_i, agg_i]).
/// State-dict names: edge_mlp.{0,2}, node_mlp.{0,2}, att_mlp.0. With no edge features it is the plain GCL of EDM's
/// non-equivariant GNN ('gnn_dynamics'), whose edge MLP sees [h_i, h_j] only (RADM's aligner and decoder).
/// </summary>
internal sealed class GraphConvolution : nn.Module
{
    private readonly IndexedLinears edge_mlp;
    private readonly IndexedLinears node_mlp;
    private readonly IndexedLinears? att_mlp;
    private readonly EgnnAggregation _aggregation;
    private readonly double _normalizationFactor;

    public GraphConvolution(string name, EgnnOptions options)
        : this(name, options.HiddenFeatures, options.EdgeFeatureCount, options.Attention, options.Aggregation, options.NormalizationFactor)
    {
    }

    /// <summary>
    /// A convolution of width <paramref name="nf"/> over <paramref name="edgeFeatures"/> edge features. EDM's property
    /// predictor (E_GCL_mask: one edge feature ||x_i - x_j||^2, sum aggregation, no coordinate update) is this layer too.
    /// </summary>
    public GraphConvolution(string name, int nf, int edgeFeatures, bool attention, EgnnAggregation aggregation, double normalizationFactor) : base(name)
    {
        edge_mlp = new IndexedLinears("edge_mlp", (0, nn.Linear(2 * nf + edgeFeatures, nf)), (2, nn.Linear(nf, nf)));
        node_mlp = new IndexedLinears("node_mlp", (0, nn.Linear(2 * nf, nf)), (2, nn.Linear(nf, nf)));
        register_module("edge_mlp", edge_mlp);
        register_module("node_mlp", node_mlp);
        if (attention)
        {
            att_mlp = new IndexedLinears("att_mlp", (0, nn.Linear(nf, 1)));
            register_module("att_mlp", att_mlp);
        }
        _aggregation = aggregation;
        _normalizationFactor = normalizationFactor;
    }

    /// <summary>Returns the updated node states [M, nf]; <paramref name="edgeAttr"/> is null for a GCL without edge features.</summary>
    public Tensor Forward(Tensor h, Tensor? edgeAttr, MolecularGraph graph)
    {
        using var scope = torch.NewDisposeScope();
        var m = F.silu(EdgeOps.FirstLinear(edge_mlp[0], h, edgeAttr, graph));
        m = F.silu(edge_mlp[2].call(m));
        if (att_mlp is not null) m = m * torch.sigmoid(att_mlp[0].call(m));
        var agg = EdgeOps.Aggregate(m, graph, _aggregation, _normalizationFactor);
        var update = node_mlp[2].call(F.silu(node_mlp[0].call(torch.cat([h, agg], 1))));
        return h.Plus(update).MoveToOuterDisposeScope();
    }
}
