using Stp.Backbones.Edm.Graphs;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.GeoLdm.Modules;

/// <summary>
/// GeoLDM's EnHierarchicalVAE as one module (the codec part of a <see cref="Stp.Diffusion.DiffusionModel"/>):
/// <c>encoder</c> (frozen at its seeded initialisation, requires_grad = false) and <c>decoder</c>, built in the
/// reference's order, plus the cache of real-atom graphs shared by both. State-dict names are GeoLDM's
/// (<c>encoder.egnn.*</c>, <c>encoder.final_mlp.*</c>, <c>decoder.egnn.*</c>); the reference's zero <c>buffer</c> is not kept.
/// </summary>
internal sealed class GeoLdmAutoencoder : nn.Module
{
    private readonly EquivariantEncoder encoder;
    private readonly EquivariantDecoder decoder;
    private readonly MolecularGraphCache _graphs = new();

    public GeoLdmAutoencoder(GeoLdmOptions options) : base("EnHierarchicalVAE")
    {
        ArgumentNullException.ThrowIfNull(options);
        int f = options.Features.Count;
        encoder = new EquivariantEncoder("encoder", options.Egnn, f, options.LatentFeatures, options.EncoderLayers);
        decoder = new EquivariantDecoder("decoder", options.Egnn, options.LatentFeatures, f);
        register_module("encoder", encoder);
        register_module("decoder", decoder);
        encoder.Freeze();
    }

    public EquivariantEncoder Encoder => encoder;

    public EquivariantDecoder Decoder => decoder;

    /// <summary>The real-atom graph of a batch with <paramref name="sizes"/> atoms padded to <paramref name="paddedSize"/>.</summary>
    public MolecularGraph Graph(IReadOnlyList<int> sizes, long paddedSize, Device device) =>
        _graphs.Get(sizes.Select(n => (long)n).ToArray(), (int)paddedSize, device);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _graphs.Dispose();
        base.Dispose(disposing);
    }
}
