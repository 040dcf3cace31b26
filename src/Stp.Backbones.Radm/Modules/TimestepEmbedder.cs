using Stp.Runtime;
using Stp.Backbones.Edm.Modules;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Stp.Backbones.Radm.Modules;

/// <summary>
/// DiT's timestep embedder: the 256-d frequency features [cos(t f_k), sin(t f_k)] (cos first),
/// f_k = exp(-ln(10000) k / 128), k = 0..127, computed in float32 from the continuous t in [0, 1] (RADM does not
/// multiply t by 1000), then Linear(256, H) - SiLU - Linear(H, H). State-dict names: mlp.{0,2}.
/// </summary>
internal sealed class TimestepEmbedder : nn.Module
{
    public const int FrequencySize = 256;
    private const double MaxPeriod = 10000;

    private readonly IndexedLinears mlp;

    public TimestepEmbedder(string name, int hidden) : base(name)
    {
        mlp = new IndexedLinears("mlp", (0, nn.Linear(FrequencySize, hidden)), (2, nn.Linear(hidden, hidden)));
        register_module("mlp", mlp);
    }

    /// <summary>The two Linear layers (0 and 2) of the MLP.</summary>
    public IndexedLinears Mlp => mlp;

    /// <summary>The frequency features [B, 256] of times <paramref name="t"/> [B].</summary>
    public static Tensor Frequencies(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        const int half = FrequencySize / 2;
        var k = torch.arange(0, half, dtype: ScalarType.Float32, device: t.device);
        var freqs = torch.exp(k.Times(-Math.Log(MaxPeriod) / half));
        var args = t.to(ScalarType.Float32).reshape(-1, 1) * freqs.unsqueeze(0);
        return torch.cat([torch.cos(args), torch.sin(args)], 1).MoveToOuterDisposeScope();
    }

    /// <summary>The conditioning vector c [B, H] of times <paramref name="t"/> [B].</summary>
    public Tensor Forward(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        var f = Frequencies(t);
        return mlp[2].call(F.silu(mlp[0].call(f))).MoveToOuterDisposeScope();
    }
}
