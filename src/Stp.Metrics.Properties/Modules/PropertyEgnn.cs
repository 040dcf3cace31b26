using Stp.Runtime;
using Stp.Backbones.Edm;
using Stp.Backbones.Edm.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Stp.Metrics.Properties.Modules;

/// <summary>
/// EDM's invariant property EGNN (<c>qm9/property_prediction/models_property.py</c> <c>EGNN</c>, FACTS 1.11): embedding
/// Linear(K, nf); n_layers E_GCL_mask layers gcl_0.. (edge MLP on [h_i, h_j, ||x_i - x_j||^2], attention, sum
/// aggregation, residual node MLP; coordinates are not updated), the same graph convolution as the denoiser's; node_dec
/// Linear-SiLU-Linear; masked sum over atoms; graph_dec Linear-SiLU-Linear(nf, 1). State-dict names are EDM's.
/// </summary>
internal sealed class PropertyEgnn : PredictorNetwork
{
    private readonly Linear embedding;
    private readonly GraphConvolution[] _layers;
    private readonly IndexedLinears node_dec;
    private readonly IndexedLinears graph_dec;

    public PropertyEgnn(PredictorOptions options, int featureCount) : base("PropertyEgnn")
    {
        int nf = options.HiddenFeatures;
        embedding = nn.Linear(featureCount, nf);
        register_module("embedding", embedding);
        _layers = new GraphConvolution[options.Layers];
        for (int i = 0; i < _layers.Length; i++)
        {
            _layers[i] = new GraphConvolution($"gcl_{i}", nf, edgeFeatures: 1, options.Attention, EgnnAggregation.Sum, normalizationFactor: 1);
            register_module($"gcl_{i}", _layers[i]);
        }
        node_dec = new IndexedLinears("node_dec", (0, nn.Linear(nf, nf)), (2, nn.Linear(nf, nf)));
        graph_dec = new IndexedLinears("graph_dec", (0, nn.Linear(nf, nf)), (2, nn.Linear(nf, 1)));
        register_module("node_dec", node_dec);
        register_module("graph_dec", graph_dec);
    }

    public override Tensor Forward(PredictorBatch batch)
    {
        using var scope = NewDisposeScope();
        var (radial, diff) = EdgeOps.Distances(batch.Positions, batch.Graph);
        diff.Dispose();
        var h = embedding.call(batch.OneHot);
        foreach (var layer in _layers) h = layer.Forward(h, radial, batch.Graph);
        h = node_dec[2].call(F.silu(node_dec[0].call(h)));
        var pooled = zeros(batch.Count, h.shape[1], dtype: h.dtype, device: h.device).IndexAdd(0, batch.Graph.MoleculeOfNode, h);
        var pred = graph_dec[2].call(F.silu(graph_dec[0].call(pooled)));
        return pred.squeeze(1).MoveToOuterDisposeScope();
    }
}
