using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Stp.Backbones.Radm.Modules;

/// <summary>timm's Mlp as DiT uses it: fc1 Linear(H, 4H) - GELU (tanh approximation) - fc2 Linear(4H, H).</summary>
internal sealed class DitMlp : nn.Module
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    public DitMlp(string name, int hidden, int mlpHidden) : base(name)
    {
        fc1 = nn.Linear(hidden, mlpHidden);
        fc2 = nn.Linear(mlpHidden, hidden);
        register_module("fc1", fc1);
        register_module("fc2", fc2);
    }

    public IEnumerable<Linear> Linears => [fc1, fc2];

    public Tensor Forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return fc2.call(F.gelu(fc1.call(x), GELU.Approximate.tanh)).MoveToOuterDisposeScope();
    }
}
