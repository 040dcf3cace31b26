using Stp.Backbones.Edm.Graphs;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Radm.Modules;

/// <summary>
/// RADM's RotationEncoder in 'gnn_dynamics' mode: a <see cref="PlainGnn"/> "gnn" on [x, one-hot, (Z)] per atom
/// (raw Angstrom coordinates as input features, no edge attributes) to nf features per atom. State-dict names:
/// <c>gnn.*</c>. The reference cannot run as shipped (its RotationEncoder lacks <c>get_adj_matrix</c>; the StP
/// authors' copy adds it); this is the intended behaviour: a fully connected graph over each molecule's real atoms.
/// </summary>
internal sealed class RotationNetwork : nn.Module
{
    private readonly PlainGnn gnn;

    public RotationNetwork(string name, int featureCount, RadmAutoencoderOptions options) : base(name)
    {
        gnn = new PlainGnn("gnn", 3 + featureCount, options.HiddenFeatures, options, options.RotationLayers);
        register_module("gnn", gnn);
    }

    /// <summary>xh [M, 3 + F] over real atoms; returns g [M, nf].</summary>
    public Tensor Forward(Tensor xh, MolecularGraph graph) => gnn.Forward(xh, graph);
}
