using Stp.Runtime;
using Stp.Backbones.Edm.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Stp.Backbones.Radm.Modules;

/// <summary>
/// A DiT block with adaLN-Zero: SiLU - Linear(H, 6H) on c gives (shift_msa, scale_msa, gate_msa, shift_mlp,
/// scale_mlp, gate_mlp); x += gate_msa attn(modulate(LN(x))); x += gate_mlp mlp(modulate(LN(x))).
/// State-dict names: attn.*, mlp.*, adaLN_modulation.1.
/// </summary>
internal sealed class DitBlock : nn.Module
{
    private readonly DitAttention attn;
    private readonly DitMlp mlp;
    private readonly IndexedLinears adaLN_modulation;

    public DitBlock(string name, DitOptions options) : base(name)
    {
        int h = options.HiddenSize;
        // Construction order of the reference: attn, mlp, adaLN_modulation (the LayerNorms have no parameters).
        attn = new DitAttention("attn", h, options.Heads);
        mlp = new DitMlp("mlp", h, options.MlpHidden);
        adaLN_modulation = new IndexedLinears("adaLN_modulation", (1, nn.Linear(h, 6 * h)));
        register_module("attn", attn);
        register_module("mlp", mlp);
        register_module("adaLN_modulation", adaLN_modulation);
    }

    /// <summary>The Linear layers in registration order.</summary>
    public IEnumerable<Linear> Linears => attn.Linears.Concat(mlp.Linears).Append(Modulation);

    /// <summary>The adaLN Linear (zero at initialisation).</summary>
    public Linear Modulation => adaLN_modulation[1];

    /// <summary>x [B, N, H], c [B, H], mask [B, 1, N, N] or null.</summary>
    public Tensor Forward(Tensor x, Tensor c, Tensor? mask)
    {
        using var scope = torch.NewDisposeScope();
        var m = Modulation.call(F.silu(c)).chunk(6, 1);
        x = x.Plus(m[2].unsqueeze(1) * attn.Forward(AdaptiveNorm.Modulate(x, m[0], m[1]), mask));
        x = x.Plus(m[5].unsqueeze(1) * mlp.Forward(AdaptiveNorm.Modulate(x, m[3], m[4])));
        return x.MoveToOuterDisposeScope();
    }
}
