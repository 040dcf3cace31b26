using Stp.Backbones.Edm;
using Stp.Backbones.Edm.Graphs;
using Stp.Backbones.Edm.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.GeoLdm.Modules;

/// <summary>
/// GeoLDM's equivariant decoder (EGNN_decoder_QM9 in 'egnn_dynamics' mode, FACTS 3.1): an EDM EGNN with n_layers
/// blocks, no time input, node input h = z_h (L channels), coordinates x = z_x, node output F = class logits (+ the
/// atomic-number value when the features include it). x_rec = the output coordinates with the centre of mass removed.
/// State-dict names: <c>egnn.*</c>.
/// </summary>
internal sealed class EquivariantDecoder : nn.Module
{
    private readonly Egnn egnn;

    /// <summary>Builds the decoder with <paramref name="network"/>'s nf and block count.</summary>
    public EquivariantDecoder(string name, EgnnOptions network, int latentFeatures, int featureCount) : base(name)
    {
        ArgumentNullException.ThrowIfNull(network);
        LatentFeatures = latentFeatures;
        FeatureCount = featureCount;
        egnn = new Egnn("egnn", network, latentFeatures, featureCount);
        register_module("egnn", egnn);
    }

    /// <summary>Latent channels L of the input.</summary>
    public int LatentFeatures { get; }

    /// <summary>Output feature channels F.</summary>
    public int FeatureCount { get; }

    /// <summary>Decodes the real atoms: z_x [M, 3], z_h [M, L]; returns (x_rec [M, 3] centred, h_rec [M, F]).</summary>
    public (Tensor X, Tensor H) Forward(Tensor zx, Tensor zh, MolecularGraph graph)
    {
        using var scope = torch.NewDisposeScope();
        var (h, x) = egnn.Forward(zh, zx, graph);
        x = torch.where(x.isnan().any(), torch.zeros_like(x), x);
        return (graph.RemoveMean(x).MoveToOuterDisposeScope(), h.MoveToOuterDisposeScope());
    }

    /// <summary>Decodes a padded latent batch z_x [B, N, 3], z_h [B, N, L]; returns (x_rec, h_rec), zero on padding.</summary>
    public (Tensor X, Tensor H) Decode(Tensor zx, Tensor zh, MolecularGraph graph)
    {
        ArgumentNullException.ThrowIfNull(zx);
        ArgumentNullException.ThrowIfNull(zh);
        ArgumentNullException.ThrowIfNull(graph);
        if (zh.dim() != 3 || zh.shape[2] != LatentFeatures)
            throw new ArgumentException($"The decoder expects z_h [B, N, {LatentFeatures}]; got [{string.Join(", ", zh.shape)}].", nameof(zh));
        using var scope = torch.NewDisposeScope();
        var (x, h) = Forward(graph.Gather(zx), graph.Gather(zh), graph);
        return (graph.Scatter(x).MoveToOuterDisposeScope(), graph.Scatter(h).MoveToOuterDisposeScope());
    }
}
