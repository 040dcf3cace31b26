using Stp.Backbones.Edm;
using Stp.Backbones.Edm.Graphs;
using Stp.Backbones.Edm.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Stp.Backbones.Radm.Modules;

/// <summary>
/// EDM's non-equivariant GNN (egnn_new.GNN, the 'gnn_dynamics' mode) over the real-atom graph: embedding
/// Linear(in, nf), n_layers plain GCLs gcl_0.. (EDM's GCL with no edge attributes: the edge MLP sees [h_i, h_j]),
/// embedding_out Linear(nf, out). Coordinates, if any, are ordinary input features. Messages flow over real pairs
/// only (RADM passes edge_mask to both of its GNNs). Built in the reference's order (embedding, embedding_out, GCLs).
/// </summary>
internal sealed class PlainGnn : nn.Module
{
    private readonly Linear embedding;
    private readonly Linear embedding_out;
    private readonly GraphConvolution[] _layers;

    public PlainGnn(string name, int inputs, int outputs, RadmAutoencoderOptions options, int layers) : base(name)
    {
        int nf = options.HiddenFeatures;
        embedding = nn.Linear(inputs, nf);
        embedding_out = nn.Linear(nf, outputs);
        register_module("embedding", embedding);
        register_module("embedding_out", embedding_out);
        _layers = new GraphConvolution[layers];
        for (int i = 0; i < layers; i++)
        {
            _layers[i] = new GraphConvolution($"gcl_{i}", nf, 0, options.Network.Attention, options.Network.Aggregation, options.Network.NormalizationFactor);
            register_module($"gcl_{i}", _layers[i]);
        }
    }

    /// <summary>h [M, in] over the real atoms of <paramref name="graph"/>; returns [M, out].</summary>
    public Tensor Forward(Tensor h, MolecularGraph graph)
    {
        using var scope = torch.NewDisposeScope();
        h = embedding.call(h);
        foreach (var layer in _layers) h = layer.Forward(h, null, graph);
        return embedding_out.call(h).MoveToOuterDisposeScope();
    }
}
