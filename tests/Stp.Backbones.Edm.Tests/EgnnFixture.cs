using Stp.Backbones.Edm;
using Stp.Backbones.Edm.IO;
using Stp.Data.Npy;
using Stp.Diffusion;
using Stp.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.Tests;

/// <summary>The EDM EGNN reference fixtures (../shared/fixtures/egnn_{small,cond}_*).</summary>
internal sealed class EgnnFixture : IDisposable
{
    private readonly Dictionary<string, Tensor> _io;

    private EgnnFixture(string name)
    {
        Name = name;
        _io = NpzFile.ReadTensors(SharedData.Fixture($"egnn_{name}_io.npz"));
        ParamsPath = SharedData.Fixture($"egnn_{name}_params.npz");
        StateDictPath = SharedData.Fixture($"egnn_{name}_state_dict.pt");
        Options = name == "small" ? SmallOptions : ConditionalOptions;
    }

    public static EgnnOptions SmallOptions { get; } = EgnnOptions.Small(featureCount: 6, contextCount: 0, hiddenFeatures: 32, layers: 2);

    public static EgnnOptions ConditionalOptions { get; } = EgnnOptions.Small(featureCount: 5, contextCount: 1, hiddenFeatures: 64, layers: 3);

    public static EgnnFixture Small() => new("small");

    public static EgnnFixture Conditional() => new("cond");

    public string Name { get; }
    public string ParamsPath { get; }
    public string StateDictPath { get; }
    public EgnnOptions Options { get; }
    public Tensor Xh => _io["xh"];
    public Tensor Output => _io["output"];
    public Tensor NodeMask => _io["node_mask"];
    public Tensor AtomCounts => _io["n_atoms"];
    public Tensor Time => _io["t"].reshape(-1);
    public Tensor? Context => _io.GetValueOrDefault("context");

    public DenoiserInput Input()
    {
        var f = Xh.shape[2] - 3;
        return new DenoiserInput(Xh.narrow(2, 0, 3), Xh.narrow(2, 3, f), Time, NodeMask, AtomCounts, Context);
    }

    public EgnnDenoiser LoadFromNpz()
    {
        var d = new EgnnDenoiser(Options);
        d.LoadStateDict(ParamsPath);
        return d;
    }

    public static Tensor Concat(DenoiserOutput o) => torch.cat([o.NoiseX, o.NoiseH], 2);

    public void Dispose()
    {
        foreach (var t in _io.Values) t.Dispose();
    }
}
