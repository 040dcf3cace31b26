using Stp.Backbones.Edm;
using Stp.Backbones.Edm.Graphs;
using Stp.Backbones.Edm.Modules;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Stp.Backbones.GeoLdm.Modules;

/// <summary>
/// GeoLDM's equivariant encoder (EGNN_encoder_QM9 in 'egnn_dynamics' mode, FACTS 3.1), reused by RADM frozen at its
/// seeded initialisation. An EDM EGNN with <c>layers</c> EquivariantBlocks (GeoLDM: 1), no time input, node input =
/// the unnormalised atom features [one-hot (0/1), Z], node output = nf; then final_mlp = Linear(nf, nf), SiLU,
/// Linear(nf, 2 L + 1). z_x mean = the EGNN's output coordinates (absolute positions, not a displacement) with the
/// centre of mass removed (equivariant); z_h mean = final_mlp columns 1..L (invariant). State-dict names are
/// GeoLDM's: <c>egnn.*</c>, <c>final_mlp.{0,2}.*</c>. Construction order (EGNN, then final_mlp) is the reference's, so
/// after <c>torch.manual_seed(s)</c> the parameters equal GeoLDM's.
/// </summary>
internal sealed class EquivariantEncoder : nn.Module
{
    private readonly Egnn egnn;
    private readonly IndexedLinears final_mlp;

    /// <summary>Builds the encoder.</summary>
    /// <param name="name">Module name ("encoder").</param>
    /// <param name="network">EGNN settings (nf, attention, tanh, ...); its layer, feature and context counts are not used.</param>
    /// <param name="featureCount">Atom feature channels F (QM9: 6 = 5 one-hot + Z).</param>
    /// <param name="latentFeatures">Latent channels L.</param>
    /// <param name="layers">EquivariantBlocks (GeoLDM: 1).</param>
    public EquivariantEncoder(string name, EgnnOptions network, int featureCount, int latentFeatures, int layers = 1) : base(name)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(latentFeatures, 1);
        int nf = network.HiddenFeatures;
        FeatureCount = featureCount;
        LatentFeatures = latentFeatures;
        egnn = new Egnn("egnn", network with { Layers = layers }, featureCount, nf);
        var first = nn.Linear(nf, nf);
        var last = nn.Linear(nf, 2 * latentFeatures + 1);
        final_mlp = new IndexedLinears("final_mlp", (0, first), (2, last));
        register_module("egnn", egnn);
        register_module("final_mlp", final_mlp);
    }

    /// <summary>Atom feature channels F of the input.</summary>
    public int FeatureCount { get; }

    /// <summary>Latent channels L.</summary>
    public int LatentFeatures { get; }

    /// <summary>Sets requires_grad = false on every parameter (GeoLDM's and RADM's encoder is never trained).</summary>
    public void Freeze()
    {
        foreach (var p in parameters()) p.requires_grad_(false);
    }

    /// <summary>
    /// Encodes the real atoms: <paramref name="x"/> [M, 3] (centre of mass removed) and <paramref name="h"/> [M, F]
    /// (unnormalised one-hot and Z) over <paramref name="graph"/>.
    /// </summary>
    public EncoderOutput Forward(Tensor x, Tensor h, MolecularGraph graph)
    {
        using var scope = torch.NewDisposeScope();
        var (hOut, xOut) = egnn.Forward(h, x, graph);
        // The reference's NaN guard (a NaN anywhere resets the coordinates to zero), without a host sync.
        xOut = torch.where(xOut.isnan().any(), torch.zeros_like(xOut), xOut);
        var zx = graph.RemoveMean(xOut);
        var head = final_mlp[2].call(F.silu(final_mlp[0].call(hOut)));
        var zh = head.narrow(1, 1, LatentFeatures);
        return new EncoderOutput(zx.MoveToOuterDisposeScope(), zh.MoveToOuterDisposeScope(), head.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Encoder means of a padded batch: <paramref name="positions"/> [B, N, 3] (centre of mass removed) and
    /// <paramref name="features"/> [B, N, F]; returns z_x [B, N, 3] and z_h [B, N, L], zero on padding.
    /// </summary>
    public (Tensor X, Tensor H) Encode(Tensor positions, Tensor features, MolecularGraph graph)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(graph);
        if (features.dim() != 3 || features.shape[2] != FeatureCount)
            throw new ArgumentException($"The encoder expects features [B, N, {FeatureCount}]; got [{string.Join(", ", features.shape)}].", nameof(features));
        using var scope = torch.NewDisposeScope();
        var output = Forward(graph.Gather(positions), graph.Gather(features), graph);
        return (graph.Scatter(output.X).MoveToOuterDisposeScope(), graph.Scatter(output.H).MoveToOuterDisposeScope());
    }
}
