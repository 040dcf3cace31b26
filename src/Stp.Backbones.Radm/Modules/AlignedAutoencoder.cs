using Stp.Runtime;
using Stp.Backbones.Edm.Graphs;
using Stp.Backbones.Edm.Modules;
using Stp.Backbones.GeoLdm.Modules;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Stp.Backbones.Radm.Modules;

/// <summary>
/// RADM's NonEquiAE: the frozen equivariant encoder (GeoLDM's EGNN_encoder_QM9, never trained), the GNN decoder, the
/// rotation GNN rot_encoder and rot_head Linear(nf, nf) - ReLU - Linear(nf, 9), built in that order (the reference's),
/// so that after <c>torch.manual_seed(s)</c> all parameters equal RADM's. State-dict names: <c>encoder.*</c>,
/// <c>decoder.gnn.*</c>, <c>rot_encoder.gnn.*</c>, <c>rot_head.{0,2}.*</c>. Edge lists are cached by atom counts.
/// </summary>
internal sealed class AlignedAutoencoder : nn.Module
{
    private readonly EquivariantEncoder encoder;
    private readonly GnnDecoder decoder;
    private readonly RotationNetwork rot_encoder;
    private readonly IndexedLinears rot_head;
    private readonly MolecularGraphCache _graphs = new();

    public AlignedAutoencoder(int featureCount, RadmAutoencoderOptions options) : base("NonEquiAE")
    {
        int nf = options.HiddenFeatures;
        FeatureCount = featureCount;
        LatentFeatures = options.LatentFeatures;
        encoder = new EquivariantEncoder("encoder", options.EncoderNetwork, featureCount, options.LatentFeatures, options.EncoderLayers);
        decoder = new GnnDecoder("decoder", options.LatentFeatures, featureCount, options);
        rot_encoder = new RotationNetwork("rot_encoder", featureCount, options);
        rot_head = new IndexedLinears("rot_head", (0, nn.Linear(nf, nf)), (2, nn.Linear(nf, 9)));
        register_module("encoder", encoder);
        register_module("decoder", decoder);
        register_module("rot_encoder", rot_encoder);
        register_module("rot_head", rot_head);
        encoder.Freeze();
    }

    public int FeatureCount { get; }

    public int LatentFeatures { get; }

    public nn.Module Encoder => encoder;

    public nn.Module Decoder => decoder;

    /// <summary>The aligner's modules (rotation GNN and head).</summary>
    public IEnumerable<nn.Module> Aligner => [rot_encoder, rot_head];

    internal MolecularGraphCache Graphs => _graphs;

    public MolecularGraph Graph(IReadOnlyList<int> sizes, int paddedSize, Device device) =>
        _graphs.Get(sizes.Select(s => (long)s).ToArray(), paddedSize, device);

    /// <summary>Aligns a padded batch: <paramref name="x"/> [B, N, 3] (zero CoM), <paramref name="features"/> [B, N, F] unnormalised.</summary>
    public RotationAlignment Rotate(Tensor x, Tensor features, MolecularGraph graph)
    {
        using var scope = torch.NewDisposeScope();
        var g = rot_encoder.Forward(graph.Gather(torch.cat([x, features], 2)), graph);
        var pooled = torch.zeros(graph.BatchSize, g.shape[1], dtype: g.dtype, device: g.device).IndexAdd(0, graph.MoleculeOfNode, g) * graph.InverseAtomCounts;
        var m = rot_head[2].call(F.relu(rot_head[0].call(pooled))).reshape(graph.BatchSize, 3, 3);
        var r = SpecialProcrustes.Project(m);
        var xRot = torch.bmm(x, r);
        return new RotationAlignment(g.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope(), m.MoveToOuterDisposeScope(),
            r.MoveToOuterDisposeScope(), xRot.MoveToOuterDisposeScope());
    }

    /// <summary>The frozen encoder's means (z_x [B, N, 3] zero CoM, z_h [B, N, L]) of aligned positions.</summary>
    public (Tensor X, Tensor H) Encode(Tensor alignedPositions, Tensor features, MolecularGraph graph) =>
        encoder.Encode(alignedPositions, features, graph);

    /// <summary>Decodes a padded latent: (positions [B, N, 3] zero CoM, features [B, N, F] = logits (+ Z)), zero on padding.</summary>
    public (Tensor X, Tensor H) Decode(Tensor zx, Tensor zh, MolecularGraph graph)
    {
        using var scope = torch.NewDisposeScope();
        var (x, h) = decoder.Forward(graph.Gather(torch.cat([zx, zh], 2)), graph);
        return (graph.Scatter(x).MoveToOuterDisposeScope(), graph.Scatter(h).MoveToOuterDisposeScope());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _graphs.Dispose();
        base.Dispose(disposing);
    }
}
