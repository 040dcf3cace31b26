using Stp.Backbones.Edm;
using Stp.Backbones.Edm.Graphs;
using Stp.Backbones.GeoLdm.Modules;
using Stp.Backbones.Edm.IO;
using Stp.Models;
using Stp.Testing;
using static TorchSharp.torch;

namespace Stp.Backbones.GeoLdm.Tests;

/// <summary>
/// The GeoLDM autoencoder reference fixture (../shared/fixtures/geoldm_ae_*, fixtures README section 5): nf 32, encoder
/// 1 block, decoder 2 blocks, L = 2, QM9 features with Z, seed-0 initial parameters, 4 QM9 molecules padded to 19.
/// </summary>
internal sealed class AutoencoderFixture : IDisposable
{
    private readonly Dictionary<string, Tensor> _io;

    public AutoencoderFixture()
    {
        _io = StateDictFile.Read(SharedData.Fixture("geoldm_ae_io.npz"));
        ParamsPath = SharedData.Fixture("geoldm_ae_params.npz");
        Parameters = StateDictFile.Read(ParamsPath);
    }

    /// <summary>The EGNN settings of the fixture (nf 32, decoder 2 blocks, the released flags).</summary>
    public static EgnnOptions Network { get; } = EgnnOptions.Small(hiddenFeatures: 32, layers: 2);

    public const int LatentFeatures = 2, FeatureCount = 6, PaddedSize = 19;

    public string ParamsPath { get; }
    public Dictionary<string, Tensor> Parameters { get; }
    public Tensor this[string key] => _io[key];
    public Tensor Positions => _io["xh"].narrow(2, 0, 3);
    public Tensor Features => _io["xh"].narrow(2, 3, FeatureCount);
    public Tensor NodeMask => _io["node_mask"];
    public long[] AtomCounts => _io["n_atoms"].data<long>().ToArray();

    public MolecularGraph Graph() => MolecularGraph.Build(AtomCounts, PaddedSize, CPU);

    public EquivariantEncoder Encoder()
    {
        var e = new EquivariantEncoder("encoder", Network, FeatureCount, LatentFeatures);
        StateDict.Load(e, Parameters, "encoder.", ParamsPath);
        return e;
    }

    public EquivariantDecoder Decoder()
    {
        var d = new EquivariantDecoder("decoder", Network, LatentFeatures, FeatureCount);
        StateDict.Load(d, Parameters, "decoder.", ParamsPath);
        return d;
    }

    public static double MaxAbs(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    public void Dispose()
    {
        foreach (var t in _io.Values) t.Dispose();
        foreach (var t in Parameters.Values) t.Dispose();
    }
}
