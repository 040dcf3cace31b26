using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.Modules;

/// <summary>
/// The Linear layers of a PyTorch <c>nn.Sequential</c> MLP, registered under their Sequential indices ("0", "2",
/// "4"; activations have no parameters), so that state-dict keys such as <c>edge_mlp.0.weight</c> match PyTorch's.
/// The owning layer applies them itself (it needs the weights for the split-first-Linear trick).
/// </summary>
internal sealed class IndexedLinears : nn.Module
{
    private readonly Dictionary<int, Linear> _layers = new();

    public IndexedLinears(string name, params (int Index, Linear Layer)[] layers) : base(name)
    {
        foreach (var (index, layer) in layers)
        {
            _layers.Add(index, layer);
            register_module(index.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        }
    }

    public Linear this[int index] => _layers[index];
}
