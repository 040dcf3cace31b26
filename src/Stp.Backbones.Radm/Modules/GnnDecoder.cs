using Stp.Backbones.Edm.Graphs;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Radm.Modules;

/// <summary>
/// RADM's decoder: GeoLDM's EGNN_decoder_QM9 in 'gnn_dynamics' mode, a non-equivariant <see cref="PlainGnn"/> "gnn"
/// on [z_x, z_h] (3 + L inputs) to 3 + F outputs: positions (the first 3, centre of mass removed, EDM's NaN guard)
/// and the class logits (+ the atomic-number value when the features include it). State-dict names: <c>gnn.*</c>.
/// </summary>
internal sealed class GnnDecoder : nn.Module
{
    private readonly PlainGnn gnn;

    public GnnDecoder(string name, int latentFeatures, int featureCount, RadmAutoencoderOptions options) : base(name)
    {
        FeatureCount = featureCount;
        gnn = new PlainGnn("gnn", 3 + latentFeatures, 3 + featureCount, options, options.DecoderLayers);
        register_module("gnn", gnn);
    }

    public int FeatureCount { get; }

    /// <summary>z [M, 3 + L] over real atoms; returns (x_rec [M, 3] with zero centre of mass, h_rec [M, F]).</summary>
    public (Tensor X, Tensor H) Forward(Tensor z, MolecularGraph graph)
    {
        using var scope = torch.NewDisposeScope();
        var output = gnn.Forward(z, graph);
        var x = output.narrow(1, 0, 3);
        x = torch.where(x.isnan().any(), torch.zeros_like(x), x);
        var h = output.narrow(1, 3, FeatureCount);
        return (graph.RemoveMean(x).MoveToOuterDisposeScope(), h.MoveToOuterDisposeScope());
    }
}
