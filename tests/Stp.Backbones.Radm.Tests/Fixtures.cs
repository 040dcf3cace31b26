using Stp.Backbones.Edm.IO;
using Stp.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Radm.Tests;

/// <summary>Reads a reference fixture archive from ../shared/fixtures (skips the test when absent).</summary>
internal sealed class Fixture : IDisposable
{
    private readonly Dictionary<string, Tensor> _arrays;

    public Fixture(string name)
    {
        Path = SharedData.Fixture(name);
        _arrays = StateDictFile.Read(Path);
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, Tensor> Arrays => _arrays;

    public Tensor this[string key] => _arrays.TryGetValue(key, out var t) ? t : throw new KeyNotFoundException($"{Path} has no array '{key}'.");

    public static double MaxAbs(Tensor a, Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        return (a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).abs().max().item<double>();
    }

    public void Dispose()
    {
        foreach (var t in _arrays.Values) t.Dispose();
    }
}
