using Stp.Backbones.Edm.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Stp.Backbones.Radm.Modules;

/// <summary>DiT's final layer: modulate(LN(x)) with SiLU - Linear(H, 2H) on c (shift, scale), then Linear(H, in_dim).</summary>
internal sealed class DitFinalLayer : nn.Module
{
    private readonly Linear linear;
    private readonly IndexedLinears adaLN_modulation;

    public DitFinalLayer(string name, int hidden, int outputs) : base(name)
    {
        linear = nn.Linear(hidden, outputs);
        adaLN_modulation = new IndexedLinears("adaLN_modulation", (1, nn.Linear(hidden, 2 * hidden)));
        register_module("linear", linear);
        register_module("adaLN_modulation", adaLN_modulation);
    }

    public Linear Output => linear;

    public Linear Modulation => adaLN_modulation[1];

    public Tensor Forward(Tensor x, Tensor c)
    {
        using var scope = torch.NewDisposeScope();
        var m = Modulation.call(F.silu(c)).chunk(2, 1);
        return linear.call(AdaptiveNorm.Modulate(x, m[0], m[1])).MoveToOuterDisposeScope();
    }
}
