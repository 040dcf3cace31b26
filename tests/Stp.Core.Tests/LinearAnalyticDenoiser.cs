using Stp.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

/// <summary>
/// A "network" whose output is linear in its input, with per-molecule coefficients that depend only on the time t and
/// the atom count N: out_x = c_x(t, N) z_x, out_h = c_h(t, N) z_h (masked). The analytic optimal denoisers of the
/// engine proofs are of this form.
/// </summary>
internal abstract class LinearAnalyticDenoiser : IDenoiser
{
    protected LinearAnalyticDenoiser(int features) => FeatureCount = features;

    public nn.Module Module { get; } = nn.Sequential();
    public int FeatureCount { get; }
    public int ContextCount => 0;
    public int Calls { get; private set; }

    /// <summary>The coefficients at continuous time <paramref name="t"/> for a molecule of <paramref name="n"/> atoms.</summary>
    protected abstract (double X, double H) Coefficients(double t, int n);

    public DenoiserOutput Predict(DenoiserInput input)
    {
        Calls++;
        var t = input.Time.cpu().data<float>().ToArray();
        var n = input.AtomCounts.cpu().data<long>().ToArray();
        var cx = new float[t.Length];
        var ch = new float[t.Length];
        for (int i = 0; i < t.Length; i++)
        {
            var (x, h) = Coefficients(t[i], (int)n[i]);
            cx[i] = (float)x;
            ch[i] = (float)h;
        }
        var dev = input.Positions.device;
        var ox = input.Positions * tensor(cx, new long[] { t.Length, 1, 1 }, device: dev) * input.NodeMask;
        var oh = input.Features * tensor(ch, new long[] { t.Length, 1, 1 }, device: dev) * input.NodeMask;
        return new DenoiserOutput(ox, oh);
    }
}
