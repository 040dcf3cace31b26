using Stp.Backbones.Edm.Graphs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.Modules;

/// <summary>
/// EDM's EGNN (egnn_new.EGNN) over the real-atom graph: embedding, n_layers equivariant blocks e_block_0..,
/// embedding_out. The initial squared distances d0_ij are computed once and fed to every block. The node input and
/// output widths default to <see cref="EgnnOptions.NodeInputCount"/> (EDM's dynamics); GeoLDM's encoder and decoder
/// use other widths (no time column; encoder out = nf, decoder in = latent channels, out = atom features).
/// </summary>
internal sealed class Egnn : nn.Module
{
    private readonly Linear embedding;
    private readonly Linear embedding_out;
    private readonly EquivariantBlock[] _blocks;
    private readonly bool _sinEmbedding;

    public Egnn(string name, EgnnOptions options) : this(name, options, options.NodeInputCount, options.NodeInputCount) { }

    /// <summary>An EGNN with <paramref name="inputCount"/> node inputs and <paramref name="outputCount"/> node outputs.</summary>
    public Egnn(string name, EgnnOptions options, int inputCount, int outputCount) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputCount, 1);
        // Same construction order as the reference (embedding, embedding_out, blocks).
        embedding = nn.Linear(inputCount, options.HiddenFeatures);
        embedding_out = nn.Linear(options.HiddenFeatures, outputCount);
        register_module("embedding", embedding);
        register_module("embedding_out", embedding_out);
        _blocks = new EquivariantBlock[options.Layers];
        for (int i = 0; i < _blocks.Length; i++)
        {
            _blocks[i] = new EquivariantBlock($"e_block_{i}", options);
            register_module($"e_block_{i}", _blocks[i]);
        }
        _sinEmbedding = options.SinEmbedding;
    }

    /// <summary>h [M, in] and x [M, 3] over real atoms; returns (h_out [M, out], x_out [M, 3]).</summary>
    public (Tensor H, Tensor X) Forward(Tensor h, Tensor x, MolecularGraph graph)
    {
        using var scope = torch.NewDisposeScope();
        var (d0, diff) = EdgeOps.Distances(x, graph);
        diff.Dispose();
        var initial = _sinEmbedding ? SinusoidsEmbedding.Embed(d0) : d0;
        h = embedding.call(h);
        foreach (var block in _blocks)
        {
            var (hNext, xNext) = block.Forward(h, x, initial, graph);
            h = hNext;
            x = xNext;
        }
        h = embedding_out.call(h);
        return (h.MoveToOuterDisposeScope(), x.MoveToOuterDisposeScope());
    }
}
