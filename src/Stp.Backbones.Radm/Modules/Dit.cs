using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Stp.Backbones.Radm.Modules;

/// <summary>
/// RADM's DiT (adapted from DiT's models.py, FACTS 4.2): in_embedder Linear(in_dim, H) on every atom token (no
/// positional encoding), t_embedder, depth x <see cref="DitBlock"/>, final_layer back to in_dim. Initialised as
/// released: xavier-uniform Linear weights and zero biases, N(0, 0.02) timestep-MLP weights, and zero adaLN and output
/// layers, so the output is identically zero at initialisation (adaLN-Zero). Built in the reference's order with
/// PyTorch's init calls, so that after <c>torch.manual_seed(s)</c> the parameters equal RADM's.
/// </summary>
internal sealed class Dit : nn.Module
{
    private readonly Linear in_embedder;
    private readonly TimestepEmbedder t_embedder;
    private readonly ModuleList<DitBlock> blocks;
    private readonly DitFinalLayer final_layer;

    public Dit(DitOptions options) : base("DiT")
    {
        if (options.HiddenSize % options.Heads != 0)
            throw new ArgumentException($"The DiT's hidden size {options.HiddenSize} is not divisible by its {options.Heads} heads.", nameof(options));
        Options = options;
        in_embedder = nn.Linear(options.InputCount, options.HiddenSize);
        t_embedder = new TimestepEmbedder("t_embedder", options.HiddenSize);
        blocks = nn.ModuleList(Enumerable.Range(0, options.Depth).Select(i => new DitBlock(i.ToString(System.Globalization.CultureInfo.InvariantCulture), options)).ToArray());
        final_layer = new DitFinalLayer("final_layer", options.HiddenSize, options.InputCount);
        register_module("in_embedder", in_embedder);
        register_module("t_embedder", t_embedder);
        register_module("blocks", blocks);
        register_module("final_layer", final_layer);
        Initialize();
    }

    public DitOptions Options { get; }

    public int Depth => blocks.Count;

    /// <summary>Full forward: z [B, N, in_dim], t [B], mask [B, 1, N, N] bool or null; returns [B, N, in_dim] (padding rows unmasked).</summary>
    public Tensor Forward(Tensor z, Tensor t, Tensor? mask)
    {
        using var scope = torch.NewDisposeScope();
        var x = Embed(z);
        var c = Condition(t);
        for (int i = 0; i < blocks.Count; i++) x = Block(i, x, c, mask);
        return Final(x, c).MoveToOuterDisposeScope();
    }

    /// <summary>The token embedding in_embedder(z).</summary>
    public Tensor Embed(Tensor z) => in_embedder.call(z);

    /// <summary>The conditioning vector c = t_embedder(t) [B, H].</summary>
    public Tensor Condition(Tensor t) => t_embedder.Forward(t);

    /// <summary>Block <paramref name="index"/> applied to the token states.</summary>
    public Tensor Block(int index, Tensor x, Tensor c, Tensor? mask) => blocks[index].Forward(x, c, mask);

    /// <summary>The final layer.</summary>
    public Tensor Final(Tensor x, Tensor c) => final_layer.Forward(x, c);

    private void Initialize()
    {
        using var noGrad = torch.no_grad();
        // DiT's _basic_init through self.apply: every Linear in registration order.
        var linears = new List<Linear> { in_embedder, t_embedder.Mlp[0], t_embedder.Mlp[2] };
        foreach (var block in blocks) linears.AddRange(block.Linears);
        linears.Add(final_layer.Output);
        linears.Add(final_layer.Modulation);
        foreach (var l in linears)
        {
            nn.init.xavier_uniform_(l.weight!);
            l.bias?.zero_();
        }
        t_embedder.Mlp[0].weight!.normal_(0, 0.02);
        t_embedder.Mlp[2].weight!.normal_(0, 0.02);
        foreach (var block in blocks) Zero(block.Modulation);
        Zero(final_layer.Modulation);
        Zero(final_layer.Output);
    }

    private static void Zero(Linear l)
    {
        l.weight!.zero_();
        l.bias?.zero_();
    }
}
