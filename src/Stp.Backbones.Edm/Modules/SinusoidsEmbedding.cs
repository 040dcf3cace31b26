using System.Collections.Concurrent;
using Stp.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Backbones.Edm.Modules;

/// <summary>
/// EDM's optional sinusoidal distance embedding (SinusoidsEmbeddingNew): sqrt(d + 1e-8) times 2 pi 4^k / 15 for
/// k = 0..5, output [sin, cos] (12 values), detached from the autograd graph as in the reference. No parameters.
/// The frequencies are made once per device (not copied from the host on every call of every block).
/// </summary>
internal static class SinusoidsEmbedding
{
    private static readonly ConcurrentDictionary<string, Tensor> Frequencies = new(StringComparer.Ordinal);

    public static Tensor Embed(Tensor squaredDistance)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var f = FrequenciesOn(squaredDistance.device);
        var emb = squaredDistance.Plus(1e-8).sqrt() * f;
        return torch.cat([emb.sin(), emb.cos()], 1).detach().MoveToOuterDisposeScope();
    }

    /// <summary>[1, 6] float32 on <paramref name="device"/> (shared, never disposed).</summary>
    private static Tensor FrequenciesOn(Device device) => Frequencies.GetOrAdd(device.ToString(), _ =>
    {
        int n = EgnnOptions.SinusoidsEmbeddingFrequencies;
        var freq = new float[n];
        for (int k = 0; k < n; k++) freq[k] = (float)(2 * Math.PI * Math.Pow(4, k) / 15.0);
        return torch.tensor(freq, device: device).unsqueeze(0).DetachFromDisposeScope();
    });
}
