using Stp.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

/// <summary>
/// The Bayes-optimal noise predictor for data x ~ N(0, v_N P) (P = projection on the zero-CoM subspace, in the
/// model's normalised coordinates) and features h ~ N(0, w I), when the coordinate noise of a molecule with N atoms
/// has scale g_N: with z = alpha x + sigma g e, E[g e | z] = sigma g^2 / (alpha^2 v + sigma^2 g^2) z, and
/// E[e_h | z_h] = sigma / (alpha^2 w + sigma^2) z_h.
/// </summary>
internal sealed class AnalyticDenoiser : IDenoiser
{
    private readonly INoiseSchedule _schedule;
    private readonly Func<int, double> _dataVariance, _noiseScale;
    private readonly double _featureVariance;

    public AnalyticDenoiser(INoiseSchedule schedule, int features, Func<int, double> dataVariance, Func<int, double> noiseScale, double featureVariance)
    {
        _schedule = schedule; FeatureCount = features; _dataVariance = dataVariance; _noiseScale = noiseScale; _featureVariance = featureVariance;
    }

    public nn.Module Module { get; } = nn.Sequential();
    public int FeatureCount { get; }
    public int ContextCount => 0;
    public int Calls { get; private set; }

    public DenoiserOutput Predict(DenoiserInput input)
    {
        Calls++;
        var t = input.Time.cpu().data<float>().ToArray();
        var n = input.AtomCounts.cpu().data<long>().ToArray();
        var cx = new float[t.Length];
        var ch = new float[t.Length];
        for (int i = 0; i < t.Length; i++)
        {
            int ti = (int)Math.Round(t[i] * _schedule.Timesteps);
            double a = _schedule.Alpha(ti), s = _schedule.Sigma(ti), g = _noiseScale((int)n[i]), v = _dataVariance((int)n[i]);
            cx[i] = (float)(s * g * g / (a * a * v + s * s * g * g));
            ch[i] = (float)(s / (a * a * _featureVariance + s * s));
        }
        var dev = input.Positions.device;
        var ex = input.Positions * tensor(cx, new long[] { t.Length, 1, 1 }, device: dev) * input.NodeMask;
        var eh = input.Features * tensor(ch, new long[] { t.Length, 1, 1 }, device: dev) * input.NodeMask;
        return new DenoiserOutput(ex, eh);
    }
}
