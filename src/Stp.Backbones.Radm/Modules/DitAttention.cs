using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Stp.Backbones.Radm.Modules;

/// <summary>
/// Multi-head self-attention over the atoms of each molecule: qkv = Linear(H, 3H) split as (3, heads, head_dim),
/// libtorch's scaled-dot-product attention (scale head_dim^-1/2, no dropout) with a boolean mask (true = may attend),
/// then proj = Linear(H, H). State-dict names: qkv, proj (timm's).
/// </summary>
internal sealed class DitAttention : nn.Module
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly int _heads;

    public DitAttention(string name, int hidden, int heads) : base(name)
    {
        qkv = nn.Linear(hidden, 3 * hidden);
        proj = nn.Linear(hidden, hidden);
        register_module("qkv", qkv);
        register_module("proj", proj);
        _heads = heads;
    }

    public IEnumerable<Linear> Linears => [qkv, proj];

    /// <summary>x [B, N, H]; mask [B, 1, N, N] bool or null (all pairs).</summary>
    public Tensor Forward(Tensor x, Tensor? mask)
    {
        using var scope = torch.NewDisposeScope();
        long b = x.shape[0], n = x.shape[1], h = x.shape[2];
        var parts = qkv.call(x).reshape(b, n, 3, _heads, h / _heads).permute(2, 0, 3, 1, 4);
        var o = F.scaled_dot_product_attention(parts[0], parts[1], parts[2], attn_mask: mask);
        return proj.call(o.transpose(1, 2).reshape(b, n, h)).MoveToOuterDisposeScope();
    }
}
