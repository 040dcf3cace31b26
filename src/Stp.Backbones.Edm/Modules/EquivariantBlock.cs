using Stp.Runtime;
using Stp.Backbones.Edm.Graphs;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.Modules;

/// <summary>
/// One EGNN layer (EDM's EquivariantBlock): edge features [||x_i - x_j||^2 (current), d0_ij (initial)], then
/// inv_sublayers invariant convolutions gcl_0.., then the coordinate update gcl_equiv.
/// </summary>
internal sealed class EquivariantBlock : nn.Module
{
    private readonly GraphConvolution[] _gcls;
    private readonly EquivariantUpdate gcl_equiv;
    private readonly double _normConstant;
    private readonly bool _sinEmbedding;

    public EquivariantBlock(string name, EgnnOptions options) : base(name)
    {
        _gcls = new GraphConvolution[options.InvariantSublayers];
        for (int i = 0; i < _gcls.Length; i++)
        {
            _gcls[i] = new GraphConvolution($"gcl_{i}", options);
            register_module($"gcl_{i}", _gcls[i]);
        }
        gcl_equiv = new EquivariantUpdate("gcl_equiv", options);
        register_module("gcl_equiv", gcl_equiv);
        _normConstant = options.NormConstant;
        _sinEmbedding = options.SinEmbedding;
    }

    /// <summary>Returns the updated (h [M, nf], x [M, 3]).</summary>
    public (Tensor H, Tensor X) Forward(Tensor h, Tensor x, Tensor initialEdgeAttr, MolecularGraph graph)
    {
        using var scope = torch.NewDisposeScope();
        var (radial, diff) = EdgeOps.Distances(x, graph);
        var coordDiff = diff / radial.Plus(1e-8).sqrt().Plus(_normConstant);
        var current = _sinEmbedding ? SinusoidsEmbedding.Embed(radial) : radial;
        var edgeAttr = torch.cat([current, initialEdgeAttr], 1);
        foreach (var gcl in _gcls) h = gcl.Forward(h, edgeAttr, graph);
        var xNew = gcl_equiv.Forward(h, x, coordDiff, edgeAttr, graph);
        return (h.MoveToOuterDisposeScope(), xNew.MoveToOuterDisposeScope());
    }
}
