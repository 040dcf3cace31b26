using Stp.Runtime;
using Stp.Backbones.Edm.Graphs;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Stp.Backbones.Edm.Modules;

/// <summary>
/// EDM's coordinate update: phi_ij = W5 SiLU(W3 SiLU(W1 [h_i, h_j, e_ij])) (W5 without bias, xavier gain 0.001);
/// x_i += agg_j (x_i - x_j) / (d_ij + c) * tanh(phi_ij) * coords_range. State-dict names: coord_mlp.{0,2,4}.
/// </summary>
internal sealed class EquivariantUpdate : nn.Module
{
    private readonly IndexedLinears coord_mlp;
    private readonly bool _tanh;
    private readonly double _coordsRange;
    private readonly EgnnAggregation _aggregation;
    private readonly double _normalizationFactor;

    public EquivariantUpdate(string name, EgnnOptions options) : base(name)
    {
        int nf = options.HiddenFeatures;
        // Same order of random draws as the reference: the last layer is made and initialised first.
        var last = nn.Linear(nf, 1, hasBias: false);
        using (torch.no_grad()) nn.init.xavier_uniform_(last.weight!, gain: 0.001);
        var first = nn.Linear(2 * nf + options.EdgeFeatureCount, nf);
        var second = nn.Linear(nf, nf);
        coord_mlp = new IndexedLinears("coord_mlp", (0, first), (2, second), (4, last));
        register_module("coord_mlp", coord_mlp);
        _tanh = options.Tanh;
        _coordsRange = options.CoordsRange;
        _aggregation = options.Aggregation;
        _normalizationFactor = options.NormalizationFactor;
    }

    /// <summary>Returns the updated coordinates [M, 3].</summary>
    public Tensor Forward(Tensor h, Tensor x, Tensor coordDiff, Tensor edgeAttr, MolecularGraph graph)
    {
        using var scope = torch.NewDisposeScope();
        var phi = F.silu(EdgeOps.FirstLinear(coord_mlp[0], h, edgeAttr, graph));
        phi = F.silu(coord_mlp[2].call(phi));
        phi = coord_mlp[4].call(phi);
        var trans = _tanh ? coordDiff * torch.tanh(phi).Times(_coordsRange) : coordDiff * phi;
        var agg = EdgeOps.Aggregate(trans, graph, _aggregation, _normalizationFactor);
        return x.Plus(agg).MoveToOuterDisposeScope();
    }
}
